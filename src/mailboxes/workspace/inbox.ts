// New mail in the inbox: stored through the same pipeline as DaTamer's own address, and only
// after the commit filed (organize mode) or deleted (ingest mode). A crash in between leaves
// the message in the inbox; the next pass stores nothing new (it is a duplicate) and files it.
import { intake } from '../../intake.js';
import type { MailboxFolder } from '../../../models/index.js';
import { severityKeyword } from '../folders.js';
import { destinationOf } from '../moves.js';
import type { RemoteMessage } from '../provider.js';
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
  const status = await ws.session.status(ws.inbox);
  const last = status.uidNext - 1;
  const row = await registerFolder(ws.deps, ws.mailbox, { path: ws.inbox, role: 'inbox', org: null, handle: null }, { uidValidity: status.uidValidity, lastUid: last, backlogUid: last, backlogDoneUid: 0 });
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
    messages.map((m) => ({ tenantId: mailbox.tenantId, mailboxId: mailbox.id, raw: m.raw, source: 'imap' as const })),
  );
  // Committed: from here on the messages are safe in the database.
  const uids = messages.map((m) => m.uid);
  if (mailbox.mode === 'ingest') {
    await session.remove(ws.inbox, uids);
    return messages.length;
  }

  // Not filed, removed from the shared mailbox once stored: replies with commands carry their
  // writer's token (reply address, `key:` subject), which the whole team could read in a folder
  // and command with (docs/commands.md); DaTamer keeps them in command_mails. And DaTamer's own
  // heartbeats, stored and counted in their stream (docs/operations.md).
  const filed = messages.flatMap((m, i) => {
    const t = taken[i]!;
    return t.kind === 'message' && !t.received.heartbeat ? [{ uid: m.uid, messageId: t.received.messageId }] : [];
  });
  const filedUids = new Set(filed.map((f) => f.uid));
  const gone = uids.filter((uid) => !filedUids.has(uid));
  if (gone.length > 0) await session.remove(ws.inbox, gone);

  const facts = await factsOf(deps, mailbox.tenantId, filed.map((f) => f.messageId));
  const byTarget = new Map<string, Array<{ uid: number; messageId: number }>>();
  const bySeverity = new Map<string, number[]>();
  for (const item of filed) {
    const fact = facts.get(item.messageId);
    const target = await ensureDestination(ws, destinationOf(fact?.org ?? null, fact?.event ?? null));
    byTarget.set(target, [...(byTarget.get(target) ?? []), item]);
    if (fact?.severity && SEVERITIES.has(fact.severity)) bySeverity.set(fact.severity, [...(bySeverity.get(fact.severity) ?? []), item.uid]);
  }
  // The keyword first: MOVE carries flags along, and the inbox UIDs are the ones we know.
  for (const [severity, severityUids] of bySeverity) await session.addKeywords(ws.inbox, severityUids, [severityKeyword(severity as 'info' | 'warn' | 'critical')]);
  const placements: Placement[] = [];
  for (const [target, items] of byTarget) {
    const uidMap = await session.move(ws.inbox, items.map((i) => i.uid), target);
    const validity = ws.folders.get(target)?.uidValidity ?? null;
    for (const item of items) placements.push({ messageId: item.messageId, path: target, uid: uidMap.get(item.uid) ?? null, uidValidity: validity });
  }
  await place(deps, mailbox, placements);
  return messages.length;
}

/** Takes in everything that arrived since the last pass. */
export async function syncInbox(ws: Workspace): Promise<number> {
  const row = await inboxFolder(ws);
  const status = await ws.session.status(ws.inbox);
  if (row.uidValidity !== status.uidValidity) {
    // The server renumbered the inbox: every UID is new. Read it all again; what is already
    // stored is recognised by its Message-ID or content, so nothing is stored twice.
    ws.deps.log.warn({ mailbox: ws.mailbox.address, was: row.uidValidity, now: status.uidValidity }, 'inbox UIDVALIDITY changed: reading the whole inbox again');
    await saveCursor(ws.deps, row, { uidValidity: status.uidValidity, lastUid: 0, backlogUid: 0, backlogDoneUid: 0 });
  }
  if (status.uidNext - 1 <= row.lastUid) return 0;
  const uids = await ws.session.uidsFrom(ws.inbox, row.lastUid + 1);
  let taken = 0;
  for (let i = 0; i < uids.length && !ws.stopping?.aborted; i += INBOX_BATCH) {
    const batch = uids.slice(i, i + INBOX_BATCH);
    taken += await takeIn(ws, await ws.session.fetch(ws.inbox, batch));
    await saveCursor(ws.deps, row, { lastUid: batch[batch.length - 1]! });
  }
  return taken;
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
  const status = await ws.session.status(ws.inbox);
  if (row.uidValidity !== status.uidValidity) await syncInbox(ws); // renumbered: it is all live mail now
  const upTo = row.backlogUid ?? 0;
  const uids = (await ws.session.uidsFrom(ws.inbox, (row.backlogDoneUid ?? 0) + 1)).filter((uid) => uid <= upTo);
  const progress = { done: 0, total: uids.length };
  options.onProgress?.(progress);
  for (let i = 0; i < uids.length && !ws.stopping?.aborted; i += batchSize) {
    const batch = uids.slice(i, i + batchSize);
    await takeIn(ws, await ws.session.fetch(ws.inbox, batch));
    await saveCursor(ws.deps, row, { backlogDoneUid: batch[batch.length - 1]! });
    progress.done += batch.length;
    options.onProgress?.(progress);
  }
  return progress;
}
