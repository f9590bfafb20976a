// What an engineer meant by moving a message (docs/mailbox.md), and where a message belongs
// given its event: the two directions of "mailbox and database never disagree". Pure.
import type { EventStatus, FolderRole } from '../../models/index.js';

export interface EventFacts {
  status: EventStatus;
  /** the assignee's handle */
  assignee: string | null;
}

export interface FolderFacts {
  role: FolderRole;
  org: string | null;
  handle: string | null;
}

export type MoveAction =
  | { type: 'label'; org: string }
  | { type: 'reopen' }
  | { type: 'unassign' }
  | { type: 'assign'; handle: string }
  | { type: 'complete' };

/**
 * The changes a message found in `folder` asks for, in order. `messageOrg` is the message's
 * classification; filing it into another org's folder is the engineer saying what it is.
 *
 *   <class>/<handle>   claimed by that engineer (reopened first if it was completed)
 *   <class>/completed  completed
 *   <class>            back in the pile: open and unassigned
 *   Unclassified       the same; a classification is never taken back by a move
 */
export function actionsForArrival(folder: FolderFacts, event: EventFacts, messageOrg: string | null): MoveAction[] {
  if (folder.role === 'inbox' || folder.role === 'replies') return [];
  const actions: MoveAction[] = [];
  if (folder.org !== null && folder.org !== messageOrg) actions.push({ type: 'label', org: folder.org });
  let { status, assignee } = event;
  const reopen = () => {
    if (status === 'completed') {
      actions.push({ type: 'reopen' });
      status = assignee === null ? 'open' : 'assigned';
    }
  };
  switch (folder.role) {
    case 'claim':
      reopen();
      if (assignee !== folder.handle) actions.push({ type: 'assign', handle: folder.handle! });
      break;
    case 'completed':
      if (status !== 'completed') actions.push({ type: 'complete' });
      break;
    case 'class':
    case 'unclassified':
      reopen();
      if (status === 'assigned' && assignee !== null) actions.push({ type: 'unassign' });
      assignee = null;
      break;
  }
  return actions;
}

export type Destination = { role: 'unclassified' } | { role: 'class'; org: string } | { role: 'claim'; org: string; handle: string } | { role: 'completed'; org: string };

/** Where a message belongs: its org's folder, in the claim or completed folder its event asks for. */
export function destinationOf(org: string | null, event: EventFacts | null): Destination {
  if (org === null) return { role: 'unclassified' };
  if (event?.status === 'completed') return { role: 'completed', org };
  if (event?.status === 'assigned' && event.assignee !== null) return { role: 'claim', org, handle: event.assignee };
  return { role: 'class', org };
}
