// One pass over a mailbox: take in new mail; in organize mode also read what engineers did
// in the folders and carry changes made elsewhere into the folders. Every step remembers
// how far it got, so a pass cut off anywhere is simply finished by the next one.
import type { Deps } from '../../deps.js';
import type { Mailbox } from '../../../models/index.js';
import type { MailboxSession } from '../provider.js';
import { followChanges, startFollowing } from './follow.js';
import { syncInbox } from './inbox.js';
import { adoptFolders, followRecordedFolders, openWorkspace, refreshLayout, type Workspace } from './layout.js';
import { scanFolder } from './watched.js';

export interface PassReport {
  taken: number;
  acted: number;
  moved: number;
}

export async function startWorkspace(deps: Deps, mailbox: Mailbox, session: MailboxSession, stopping: AbortSignal | null = null): Promise<Workspace> {
  const ws = await openWorkspace(deps, mailbox, session, stopping);
  if (mailbox.mode === 'organize') await startFollowing(ws);
  return ws;
}

export async function runPass(ws: Workspace): Promise<PassReport> {
  // Before the inbox is filed: a folder made by hand is followed from its start, before DaTamer
  // files into it and would take it for its own.
  if (ws.mailbox.mode === 'organize') {
    await followRecordedFolders(ws);
    await adoptFolders(ws);
  }
  const taken = await syncInbox(ws);
  if (ws.mailbox.mode === 'ingest') return { taken, acted: 0, moved: 0 };
  await refreshLayout(ws, ws.deps.clock.now().getTime());
  let acted = 0;
  for (const folder of [...ws.folders.values()]) {
    if (ws.stopping?.aborted) break;
    if (folder.role !== 'inbox' && folder.role !== 'replies') acted += await scanFolder(ws, folder);
  }
  if (ws.stopping?.aborted) return { taken, acted, moved: 0 };
  const moved = await followChanges(ws);
  return { taken, acted, moved };
}
