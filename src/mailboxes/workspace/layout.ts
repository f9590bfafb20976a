// The folders of the workspace (docs/mailbox.md): made on the server when
// first needed, recorded with what they mean, and kept in step with who responds to each org.
import type { Deps } from '../../deps.js';
import { audienceFor } from '../../people/people.js';
import type { Mailbox, MailboxFolder } from '../../../models/index.js';
import { claimFolder, classFolder, completedFolder, folderMeaningOf, folderPath, rootSegments, unclassifiedFolder, type FolderSpec } from '../folders.js';
import { providerFor } from '../mailbox-store.js';
import type { Destination } from '../moves.js';
import type { MailboxSession } from '../provider.js';
import { foldersOf, registerFolder } from '../workspace-store.js';

/** How often the claim folders are checked against the subscriptions. */
const LAYOUT_REFRESH_MS = 60_000;

export interface Workspace {
  readonly deps: Deps;
  readonly mailbox: Mailbox;
  readonly session: MailboxSession;
  readonly root: string;
  readonly inbox: string;
  /** the folders recorded for this mailbox, by path */
  readonly folders: Map<string, MailboxFolder>;
  layoutRefreshedAt: number;
  /** aborted when DaTamer stops: long passes end after the batch in hand (their cursors say where) */
  readonly stopping: AbortSignal | null;
}

export async function openWorkspace(deps: Deps, mailbox: Mailbox, session: MailboxSession, stopping: AbortSignal | null = null): Promise<Workspace> {
  const { root, inbox } = providerFor(mailbox).workspaceOf(mailbox.settings);
  const folders = new Map((await foldersOf(deps, mailbox)).map((f) => [f.path, f]));
  return { deps, mailbox, session, root, inbox, folders, layoutRefreshedAt: Number.NEGATIVE_INFINITY, stopping };
}

/**
 * Folders another process recorded since the workspace was opened (the CLI's backlog run, an
 * engineer's `datamer` command, another DaTamer process) are read from the next pass on. Without
 * this the running service never read them, and a claim made in them went unseen until a
 * restart (docs/mailbox.md, "The backlog"). Every row, not just the newest ids: on PostgreSQL a
 * row with a lower id can commit after one with a higher id.
 */
export async function followRecordedFolders(ws: Workspace): Promise<void> {
  for (const row of await foldersOf(ws.deps, ws.mailbox)) {
    if (!ws.folders.has(row.path)) ws.folders.set(row.path, row);
  }
}

/**
 * Folders made in the mailbox where DaTamer would have made them, by someone else: an engineer
 * who makes `@dave` under an org folder in a mail client before DaTamer did, or an org folder to
 * file mail into. Followed from this pass on, and read from their start: what the engineer put
 * in them already was moved there by a person and counts (docs/mailbox.md, "The folder layout").
 */
export async function adoptFolders(ws: Workspace): Promise<number> {
  const root = ws.session.prefix + folderPath({ role: 'class', org: null, handle: null, segments: rootSegments(ws.root) }, ws.session.delimiter);
  let adopted = 0;
  for (const path of await ws.session.listFolders(root)) {
    if (ws.folders.has(path)) continue;
    const spec = folderMeaningOf(path, ws.root, ws.session.delimiter, ws.session.prefix);
    if (!spec) continue;
    const row = await registerFolder(ws.deps, ws.mailbox, { path, role: spec.role, org: spec.org, handle: spec.handle }, { cursor: '' });
    ws.folders.set(path, row);
    adopted++;
    ws.deps.log.info({ mailbox: ws.mailbox.address, folder: path, role: spec.role }, 'following a folder made outside DaTamer');
  }
  return adopted;
}

export const pathOf = (ws: Workspace, spec: FolderSpec): string => ws.session.prefix + folderPath(spec, ws.session.delimiter);

/** Makes the folder in the mailbox and records it, once. */
async function ensure(ws: Workspace, spec: FolderSpec): Promise<MailboxFolder> {
  const path = pathOf(ws, spec);
  const known = ws.folders.get(path);
  if (known) return known;
  await ws.session.createFolder(path);
  // A folder made now starts empty for DaTamer: what is in it already was put there before.
  const { cursor } = await ws.session.start(path);
  const row = await registerFolder(ws.deps, ws.mailbox, { path, role: spec.role, org: spec.org, handle: spec.handle }, { cursor });
  ws.folders.set(path, row);
  return row;
}

async function responderHandles(ws: Workspace, org: string): Promise<string[]> {
  const { responders } = await audienceFor(ws.deps, ws.mailbox.tenantId, org);
  if (responders.length === 0) return [];
  const users = await ws.deps.db.models.User.findAll({ where: { tenantId: ws.mailbox.tenantId, id: responders }, attributes: ['handle'] });
  return users.map((u) => u.handle).sort();
}

/** An org's folder with its claim folders (one per responder) and its completed folder. */
async function ensureClass(ws: Workspace, org: string): Promise<MailboxFolder> {
  const known = ws.folders.get(pathOf(ws, classFolder(ws.root, org)));
  if (known) return known;
  const row = await ensure(ws, classFolder(ws.root, org));
  await ensure(ws, completedFolder(ws.root, org));
  for (const handle of await responderHandles(ws, org)) await ensure(ws, claimFolder(ws.root, org, handle));
  return row;
}

/** The path of a destination, its folders made first. */
export async function ensureDestination(ws: Workspace, destination: Destination): Promise<string> {
  switch (destination.role) {
    case 'unclassified':
      return (await ensure(ws, unclassifiedFolder(ws.root))).path;
    case 'class':
      return (await ensureClass(ws, destination.org)).path;
    case 'completed':
      await ensureClass(ws, destination.org);
      return (await ensure(ws, completedFolder(ws.root, destination.org))).path;
    case 'claim':
      await ensureClass(ws, destination.org);
      // Assigned to someone who does not respond to the org (yet): they still get a folder.
      return (await ensure(ws, claimFolder(ws.root, destination.org, destination.handle))).path;
  }
}

/** New responders get their claim folders; run every pass, acts at most once a minute. */
export async function refreshLayout(ws: Workspace, now: number): Promise<void> {
  if (now - ws.layoutRefreshedAt < LAYOUT_REFRESH_MS) return;
  ws.layoutRefreshedAt = now;
  await ensure(ws, unclassifiedFolder(ws.root));
  const orgs = [...ws.folders.values()].filter((f) => f.role === 'class' && f.org !== null).map((f) => f.org!);
  for (const org of orgs) {
    for (const handle of await responderHandles(ws, org)) await ensure(ws, claimFolder(ws.root, org, handle));
  }
}
