// What engineers did in the mailbox (docs/mailbox.md): a message that turns up in a folder
// where DaTamer did not put it was moved there by someone, and the move means something.
// Messages are recognised by what they are (their content, src/ingest/dedup.ts), never by reference alone,
// so moves made while DaTamer was down are understood when it comes back.
import { Op } from 'sequelize';
import { labelMessage } from '../../classification/label.js';
import { isDatamerError, messageOf } from '../../errors.js';
import { changeEvent } from '../../events/change.js';
import { dedupKey } from '../../ingest/dedup.js';
import { receive } from '../../pipeline.js';
import type { MailboxFolder } from '../../../models/index.js';
import { actionsForArrival, type MoveAction } from '../moves.js';
import type { MessageRef, RemoteMessage } from '../provider.js';
import type { ProviderKind } from '../registry.js';
import { place, placementsOf, saveCursor, type Placement } from '../workspace-store.js';
import { factsOf, type MessageFacts } from './facts.js';
import type { Workspace } from './layout.js';

const BATCH = 50;

/** The stored message each remote message is, storing those DaTamer has never seen. */
async function identify(ws: Workspace, messages: RemoteMessage[]): Promise<number[]> {
  const { Message } = ws.deps.db.models;
  const keys = messages.map((m) => dedupKey(m.raw));
  const known = await Message.findAll({ where: { tenantId: ws.mailbox.tenantId, dedupKey: { [Op.in]: keys } }, attributes: ['id', 'dedupKey'] });
  const byKey = new Map(known.map((k) => [k.dedupKey, k.id]));
  const unseen = messages.filter((_, i) => !byKey.has(keys[i]!));
  if (unseen.length > 0) {
    // Moved out of the inbox before DaTamer took it in (or while it was down).
    const source = ws.mailbox.kind as ProviderKind;
    const stored = await receive(ws.deps, unseen.map((m) => ({ tenantId: ws.mailbox.tenantId, mailboxId: ws.mailbox.id, raw: m.raw, source })));
    unseen.forEach((m, i) => byKey.set(keys[messages.indexOf(m)]!, stored[i]!.messageId));
  }
  return keys.map((k) => byKey.get(k)!);
}

async function apply(ws: Workspace, folder: MailboxFolder, fact: MessageFacts, action: MoveAction): Promise<void> {
  const { deps, mailbox } = ws;
  const tenantId = mailbox.tenantId;
  // Who moved it is not something a mailbox tells; a claim folder names its engineer.
  const actor = folder.role === 'claim' ? folder.handle! : (fact.event?.assignee ?? 'mailbox');
  if (action.type === 'label') {
    await labelMessage(deps, tenantId, fact.messageId, { org: action.org, by: actor, via: 'mailbox' });
    return;
  }
  if (fact.eventId === null) return;
  const request =
    action.type === 'assign' ? { command: 'assign' as const, handle: action.handle }
    : action.type === 'complete' ? { command: 'complete' as const }
    : { command: action.type };
  await changeEvent(deps, tenantId, fact.eventId, { ...request, actor, via: 'mailbox' });
}

/** Reads what arrived in one watched folder since the last pass, and acts on it. */
export async function scanFolder(ws: Workspace, folder: MailboxFolder): Promise<number> {
  const { deps, session, mailbox } = ws;
  let acted = 0;
  for (;;) {
    let page;
    try {
      page = await session.changes(folder.path, folder.cursor ?? '', BATCH);
    } catch (err) {
      if (!isDatamerError(err, 'MAILBOX_FOLDER_GONE')) throw err;
      // A folder of the workspace that someone deleted is made again, empty: nothing to act on.
      deps.log.warn({ mailbox: mailbox.address, folder: folder.path }, 'a workspace folder is gone; making it again');
      await session.createFolder(folder.path);
      await saveCursor(deps, folder, { cursor: (await session.start(folder.path)).cursor });
      return acted;
    }
    // Read again from the start (IMAP renumbered it, a delta link or history id expired): what
    // was already acted on is recognised by its placement and left alone.
    acted += await actOn(ws, folder, page.arrived);
    if (page.cursor !== folder.cursor) await saveCursor(deps, folder, { cursor: page.cursor });
    if (!page.more || ws.stopping?.aborted) return acted;
  }
}

async function actOn(ws: Workspace, folder: MailboxFolder, refs: MessageRef[]): Promise<number> {
  const { deps, session, mailbox } = ws;
  if (refs.length === 0) return 0;
  let acted = 0;
  // What DaTamer filed here itself is known by its reference: not fetched again.
  const own = await deps.db.models.MessagePlacement.findAll({
    where: { tenantId: mailbox.tenantId, mailboxId: mailbox.id, path: folder.path, ref: refs },
    attributes: ['ref'],
  });
  const ownRefs = new Set(own.map((p) => p.ref));
  const messages = await session.fetch(folder.path, refs.filter((ref) => !ownRefs.has(ref)));
  const ids = await identify(ws, messages);
  const facts = await factsOf(deps, mailbox.tenantId, ids);
  const placed = new Map((await placementsOf(deps, mailbox, ids)).map((p) => [p.messageId, p]));
  const placements: Placement[] = [];
  for (const [j, m] of messages.entries()) {
    const messageId = ids[j]!;
    const fact = facts.get(messageId);
    placements.push({ messageId, path: folder.path, ref: m.ref });
    // DaTamer put it here itself (filing, or following a change made elsewhere).
    if (!fact || placed.get(messageId)?.path === folder.path) continue;
    for (const action of actionsForArrival(folder, fact.event ?? { status: 'open', assignee: null }, fact.folderOrg)) {
      try {
        await apply(ws, folder, fact, action);
        acted++;
      } catch (err) {
        // Already so (two engineers, one event), or a claim folder of a user who was removed:
        // noted, and the folder is not read again for it.
        if (!isDatamerError(err)) throw err;
        deps.log.warn({ mailbox: mailbox.address, folder: folder.path, messageId, action: action.type, err: messageOf(err) }, 'a move in the mailbox could not be applied');
      }
    }
  }
  await place(deps, mailbox, placements);
  return acted;
}
