// What DaTamer remembers about a mailbox's folders (what each means, how far it has read it)
// and about where each message is. Always scoped by the mailbox, which carries its tenant.
import { UniqueConstraintError } from 'sequelize';
import type { Deps } from '../deps.js';
import type { FolderRole, Mailbox, MailboxFolder, MessagePlacement } from '../../models/index.js';

export interface FolderMeaning {
  path: string;
  role: FolderRole;
  org: string | null;
  handle: string | null;
}

export function foldersOf(deps: Deps, mailbox: Mailbox): Promise<MailboxFolder[]> {
  return deps.db.models.MailboxFolder.findAll({ where: { tenantId: mailbox.tenantId, mailboxId: mailbox.id }, order: [['id', 'ASC']] });
}

/** Records a folder and what it means; a folder already recorded keeps its cursor. */
export async function registerFolder(deps: Deps, mailbox: Mailbox, meaning: FolderMeaning, extra: Partial<MailboxFolder> = {}): Promise<MailboxFolder> {
  const { MailboxFolder } = deps.db.models;
  const where = { tenantId: mailbox.tenantId, mailboxId: mailbox.id, path: meaning.path };
  const existing = await MailboxFolder.findOne({ where });
  if (existing) return existing;
  try {
    return await MailboxFolder.create({ ...where, role: meaning.role, org: meaning.org, handle: meaning.handle, createdAt: deps.clock.now(), ...extra });
  } catch (err) {
    // Another process (the backlog run, say) recorded it first.
    if (err instanceof UniqueConstraintError) return (await MailboxFolder.findOne({ where }))!;
    throw err;
  }
}

export async function saveCursor(deps: Deps, folder: MailboxFolder, cursor: Partial<Pick<MailboxFolder, 'cursor' | 'backlogMark' | 'backlogDone'>>): Promise<void> {
  await deps.db.models.MailboxFolder.update(cursor, { where: { id: folder.id, tenantId: folder.tenantId } });
  Object.assign(folder, cursor);
}

export function placementsOf(deps: Deps, mailbox: Mailbox, messageIds: number[]): Promise<MessagePlacement[]> {
  if (messageIds.length === 0) return Promise.resolve([]);
  return deps.db.models.MessagePlacement.findAll({ where: { tenantId: mailbox.tenantId, mailboxId: mailbox.id, messageId: messageIds } });
}

export interface Placement {
  messageId: number;
  path: string;
  /** the provider's reference for it there, when known */
  ref: string | null;
}

/** Where the messages are now (after DaTamer moved them, or found them moved): one statement per batch. */
export async function place(deps: Deps, mailbox: Mailbox, placements: Placement[]): Promise<void> {
  if (placements.length === 0) return;
  const now = deps.clock.now();
  // The last word on a message wins (two copies of one message filed in one batch).
  const latest = new Map(placements.map((p) => [p.messageId, p]));
  await deps.db.models.MessagePlacement.bulkCreate(
    [...latest.values()].map((p) => ({ tenantId: mailbox.tenantId, mailboxId: mailbox.id, ...p, updatedAt: now })),
    { updateOnDuplicate: ['path', 'ref', 'updatedAt'], conflictAttributes: ['mailboxId', 'messageId'] },
  );
}
