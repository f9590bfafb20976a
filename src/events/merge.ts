// Two events become one (docs/correlation.md, "Correcting the grouping" and "Events that merge"):
// every message of one goes into the other, inside the caller's transaction. An engineer's MERGE
// (corrections.ts, which also keeps the correction) and grouping, when one message shows that
// two open events are one incident (grouping-session.ts), both merge through here, so a merge
// reads the same in the activity log, the notifier and the shared mailbox whoever made it.
import type { Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import type { ActivityVia, Event } from '../../models/index.js';
import { applyChange } from './change.js';
import { moveEventMessages } from './create.js';
import { highestSeverity } from './lifecycle.js';
import { retitleEvent } from './titles.js';

export interface MergedBy {
  /** a user handle, `cli:<login>`, or datamer itself */
  actor: string;
  via: ActivityVia;
  /** why, in words */
  reason: string | null;
}

/** The activity detail's `note`: why, when someone said. */
export const noteOf = (by: MergedBy) => (by.reason ? { note: by.reason } : {});

/**
 * What a merge does to who is on the problem, for the activity log: the target nobody had takes
 * the merged event's assignee (`assignee`: the notifier tells them, the shared mailbox files the
 * messages into their folder); a target someone had keeps them, and the log says who else was
 * on the merged event (`otherAssignee`), so nobody wonders where their event went.
 */
async function assigneesOf(deps: Deps, tenantId: number, from: Event, into: Event, transaction: Transaction): Promise<Record<string, string>> {
  if (from.assigneeId === null || from.assigneeId === into.assigneeId) return {};
  const ids = [from.assigneeId, ...(into.assigneeId === null ? [] : [into.assigneeId])];
  const users = await deps.db.models.User.findAll({ where: { tenantId, id: ids }, attributes: ['id', 'handle'], transaction });
  const handleOf = (id: number) => users.find((u) => u.id === id)?.handle ?? `user ${id}`;
  if (into.assigneeId === null) return { assignee: handleOf(from.assigneeId) };
  return { keptAssignee: handleOf(into.assigneeId), otherAssignee: handleOf(from.assigneeId) };
}

/**
 * Every message of `from` goes into `into`. The target keeps its status and assignee (or takes
 * the merged event's assignee when it had none), takes the louder severity and both events'
 * servers, and its title is made again; the event merged away is completed, "merged into #N".
 * Returns the ids of the messages that moved.
 */
export async function mergeInto(deps: Deps, tenantId: number, from: Event, into: Event, by: MergedBy, at: Date, transaction: Transaction): Promise<number[]> {
  const messageIds = await moveEventMessages(deps, tenantId, from.id, into.id, transaction);
  const moved = { messageIds, ...noteOf(by) };
  const severity = { from: into.severity, to: highestSeverity(into.severity, from.severity) };
  const assignees = await assigneesOf(deps, tenantId, from, into, transaction);
  await applyChange(deps, into, { type: 'merge-from', severity: from.severity, servers: from.servers, fromCompleted: from.status === 'completed', assigneeId: from.assigneeId }, by,
    { from: from.id, severity, ...assignees, ...moved }, at, transaction);
  await applyChange(deps, from, { type: 'merge-into', eventId: into.id }, by, { into: into.id, ...moved }, at, transaction);
  // The target's title now tells of the mail it took in too (docs/correlation.md, "The event's title").
  await retitleEvent(deps, tenantId, into.id, transaction);
  return messageIds;
}
