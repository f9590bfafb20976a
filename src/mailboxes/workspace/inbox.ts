// New mail in the inbox: stored through the same pipeline as DaTamer's own address, and only
// after the commit filed (organize mode) or deleted (ingest mode). A crash in between leaves
// the message in the inbox; the next pass stores nothing new (it is a duplicate) and files it.
import { intake } from '../../intake.js';
import type { MailboxFolder } from '../../../models/index.js';
import type { Severity } from '../../classification/tags.js';
import { destinationOf } from '../moves.js';
import type { ProviderKind } from '../registry.js';
import type { MessageRef, RemoteMessage } from '../provider.js';
import { place, registerFolder, saveCursor, type Placement } from '../workspace-store.js';
import { factsOf } from './facts.js';
import { ensureDestination, type Workspace } from './layout.js';

export const INBOX_BATCH = 100;

const SEVERITIES = new Set(['info', 'warn', 'critical']);

/**
 * The inbox's record. The first time DaTamer looks, what is already there is the backlog
 * (`datamer mailbox organize --backlog`); only mail arriving from then on is taken in live.
 */
export async function inboxFolder(ws: Workspace): Promise<MailboxFolder> {
  const known = ws.folders.get(ws.inbox);
  if (known) return known;
  const { cursor, backlog } = await ws.session.start(ws.inbox);
  const row = await registerFolder(ws.deps, ws.mailbox, { path: ws.inbox, role: 'inbox', org: null, handle: null }, { cursor, backlogMark: backlog, backlogDone: null });
  ws.folders.set(ws.inbox, row);
  return row;
}

/** Stores the messages, then files or deletes them. Returns how many were taken in. */
export async function takeIn(ws: Workspace, messages: RemoteMessage[]): Promise<number> {
  if (messages.length === 0) return 0;
  const { deps, mailbox, session } = ws;
  // Replies with commands are taken by src/commands; the rest are MSEs (src/intake.ts).
  const taken = await intake(
    deps,
    messages.map((m) => ({ tenantId: mailbox.tenantId, mailboxId: mailbox.id, raw: m.raw, source: mailbox.kind as ProviderKind })),
  );
  // Committed: from here on the messages are safe in the database.
  if (mailbox.mode === 'ingest') {
    await session.remove(ws.inbox, messages.map((m) => m.ref));
    return messages.length;
  }

  // Not filed, removed from the shared mailbox once stored: replies with commands carry their
  // writer's token (reply address, `key:` subject), which the whole team could read in a folder
  // and command with (docs/commands.md); DaTamer keeps them in command_mails. And DaTamer's own
  // heartbeats, stored and counted in their stream (docs/operations.md).
  const filed = messages.flatMap((m, i) => {
    const t = taken[i]!;
    return t.kind === 'message' && !t.received.heartbeat ? [{ ref: m.ref, messageId: t.received.messageId }] : [];
  });
  const filedRefs = new Set(filed.map((f) => f.ref));
  const gone = messages.map((m) => m.ref).filter((ref) => !filedRefs.has(ref));
  if (gone.length > 0) await session.remove(ws.inbox, gone);

  const facts = await factsOf(deps, mailbox.tenantId, filed.map((f) => f.messageId));
  const byTarget = new Map<string, Array<{ ref: MessageRef; messageId: number }>>();
  const bySeverity = new Map<Severity, MessageRef[]>();
  for (const item of filed) {
    const fact = facts.get(item.messageId);
    const target = await ensureDestination(ws, destinationOf(fact?.folderOrg ?? null, fact?.event ?? null));
    byTarget.set(target, [...(byTarget.get(target) ?? []), item]);
    if (fact?.severity && SEVERITIES.has(fact.severity)) {
      const severity = fact.severity as Severity;
      bySeverity.set(severity, [...(bySeverity.get(severity) ?? []), item.ref]);
    }
  }
  // The severity first: a move carries it along, and the references in the inbox are the ones we know.
  for (const [severity, refs] of bySeverity) await session.markSeverity(ws.inbox, refs, severity);
  const placements: Placement[] = [];
  for (const [target, items] of byTarget) {
    const refsThere = await session.move(ws.inbox, items.map((i) => i.ref), target);
    for (const item of items) placements.push({ messageId: item.messageId, path: target, ref: refsThere.get(item.ref) ?? null });
  }
  await place(deps, mailbox, placements);
  return messages.length;
}

/** Takes in everything that arrived since the last pass. */
export async function syncInbox(ws: Workspace): Promise<number> {
  const row = await inboxFolder(ws);
  let taken = 0;
  for (;;) {
    if (ws.stopping?.aborted) return taken;
    const page = await ws.session.changes(ws.inbox, row.cursor ?? '', INBOX_BATCH);
    if (page.reset) {
      // The provider could not resume (IMAP renumbered the inbox, a delta link or history id
      // expired): it reads the whole inbox again. What is already stored is recognised by its
      // Message-ID or content, so nothing is stored twice.
      ws.deps.log.warn({ mailbox: ws.mailbox.address }, 'the inbox cursor could not be resumed: reading the whole inbox again');
    }
    if (page.arrived.length > 0) taken += await takeIn(ws, await ws.session.fetch(ws.inbox, page.arrived));
    if (page.cursor !== row.cursor) await saveCursor(ws.deps, row, { cursor: page.cursor });
    if (!page.more) return taken;
  }
}

export interface BacklogProgress {
  done: number;
  total: number;
}

/**
 * Files the mail that was in the inbox before DaTamer first looked, in batches; remembers how
 * far it got, so a run that was stopped goes on where it was.
 */
export async function organizeBacklog(ws: Workspace, options: { batch?: number; onProgress?: (p: BacklogProgress) => void } = {}): Promise<BacklogProgress> {
  const batchSize = options.batch ?? INBOX_BATCH;
  const row = await inboxFolder(ws);
  const refs = row.backlogMark === null ? [] : await ws.session.backlog(ws.inbox, row.backlogMark, row.backlogDone);
  const progress = { done: 0, total: refs.length };
  options.onProgress?.(progress);
  for (let i = 0; i < refs.length && !ws.stopping?.aborted; i += batchSize) {
    const batch = refs.slice(i, i + batchSize);
    await takeIn(ws, await ws.session.fetch(ws.inbox, batch));
    await saveCursor(ws.deps, row, { backlogDone: batch[batch.length - 1]! });
    progress.done += batch.length;
    options.onProgress?.(progress);
  }
  return progress;
}
