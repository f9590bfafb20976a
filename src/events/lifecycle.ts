// The event state machine (docs/architecture.md, Events), pure: a state and a command in, the
// next state and the name of what happened out, or the reason the command does not apply. Every
// change to an event goes through here (src/events/change.ts applies it), whoever asks.
//
//   open ──assign──> assigned ──complete──> completed
//    ^  <─unassign──    │  ──assign (another user)──> assigned
//    └──────complete────┼──────────────────> completed ──reopen──> open / assigned
//
// Beside the status: `resolve` (a schedule alert whose count is back in range completes itself,
// whoever was on it), `set-severity` (how loud an open event is), `reclassify` (its message was
// classified again) and `label` (an engineer filed its message under an org).
//
// Corrections of the grouping (docs/correlation.md, "Correcting the grouping"): `merge-into`
// completes an event whose messages went into another and remembers which; `merge-from` is that
// other event taking them in (the highest severity of both, the servers of both, its own status
// and assignee, or the other's assignee when it had none); `split-out` is an event giving one
// message up (its severity and servers are those of the messages it keeps); `split-from` is the
// new event that message made. An event merged away takes no command any more: its messages are
// in the other one.

import { SEVERITY_RANK, type Severity } from '../classification/tags.js';
import type { EventStatus } from '../../models/index.js';

export interface EventState {
  status: EventStatus;
  assigneeId: number | null;
  assignedAt: Date | null;
  /** the first assignment ever; kept through reassignments and unassignments */
  firstAssignedAt: Date | null;
  completedAt: Date | null;
  severity: string | null;
  org: string | null;
  servers: string[];
  /** no org: the tenant's triage group looks at it */
  triage: boolean;
  /** merged into that event by an engineer */
  mergedIntoId: number | null;
}

export interface Classified {
  severity: string | null;
  org: string | null;
  servers: string[];
}

export type EventCommand =
  | { type: 'assign'; userId: number }
  | { type: 'unassign' }
  | { type: 'complete'; note?: string }
  | { type: 'reopen' }
  | { type: 'resolve' }
  | { type: 'set-severity'; severity: string }
  | ({ type: 'reclassify' } & Classified)
  | ({ type: 'label' } & Classified)
  | { type: 'merge-into'; eventId: number }
  | { type: 'merge-from'; severity: string | null; servers: string[]; fromCompleted: boolean; assigneeId: number | null }
  | { type: 'split-out'; severity: string | null; servers: string[] }
  | { type: 'split-from' };

export type EventAction =
  | 'assigned' | 'reassigned' | 'unassigned' | 'completed' | 'reopened'
  | 'resolved' | 'severity-changed' | 'reclassified' | 'labelled'
  | 'merged-into' | 'merged-from' | 'split-out' | 'split-from';

export type Transition = { ok: true; next: EventState; action: EventAction } | { ok: false; reason: string };

const refuse = (reason: string): Transition => ({ ok: false, reason });

const sameServers = (a: string[], b: string[]) => a.length === b.length && a.every((s, i) => s === b[i]);

const rankOf = (severity: string | null) => (severity === null ? 0 : (SEVERITY_RANK[severity as Severity] ?? 0));

/** The louder of two severities (info < warn < critical; none or an unknown word is the quietest). */
export function highestSeverity(a: string | null, b: string | null): string | null {
  return rankOf(b) > rankOf(a) || a === null ? b : a;
}

/** The servers of both, each once, in the order first seen. */
export const bothServers = (a: string[], b: string[]): string[] => [...new Set([...a, ...b])];

/**
 * An event nobody had takes the assignee of the event merged into it: whoever was on that
 * problem is on the one it turned out to be part of. An open event becomes theirs; a completed
 * one (a correction of history) stays completed, with who handled it. One that had an assignee
 * keeps them.
 */
function carried(state: EventState, assigneeId: number | null, at: Date): EventState {
  if (state.assigneeId !== null || assigneeId === null) return state;
  return { ...state, status: state.status === 'open' ? 'assigned' : state.status, assigneeId, assignedAt: at, firstAssignedAt: state.firstAssignedAt ?? at };
}

export function transition(state: EventState, command: EventCommand, at: Date): Transition {
  if (state.mergedIntoId !== null) return refuse(`it was merged into #${state.mergedIntoId}; act on #${state.mergedIntoId} instead`);
  switch (command.type) {
    case 'assign':
      if (state.status === 'completed') return refuse('it is completed; reopen it first');
      if (state.assigneeId === command.userId) return refuse('it is already assigned to that user');
      return {
        ok: true,
        next: { ...state, status: 'assigned', assigneeId: command.userId, assignedAt: at, firstAssignedAt: state.firstAssignedAt ?? at },
        action: state.status === 'assigned' ? 'reassigned' : 'assigned',
      };
    case 'unassign':
      if (state.status !== 'assigned') return refuse(`it is ${state.status}, not assigned`);
      return { ok: true, next: { ...state, status: 'open', assigneeId: null, assignedAt: null }, action: 'unassigned' };
    case 'complete':
      if (state.status === 'completed') return refuse('it is already completed');
      return { ok: true, next: { ...state, status: 'completed', completedAt: at }, action: 'completed' };
    case 'reopen':
      if (state.status !== 'completed') return refuse(`it is ${state.status}, not completed`);
      // Back to whoever handled it, if anyone did: they know the most about it.
      return { ok: true, next: { ...state, status: state.assigneeId === null ? 'open' : 'assigned', completedAt: null }, action: 'reopened' };
    case 'resolve':
      // What it alerted about is over: completed, or left completed when someone already was done with it.
      return { ok: true, next: state.status === 'completed' ? state : { ...state, status: 'completed', completedAt: at }, action: 'resolved' };
    case 'set-severity':
      if (state.status === 'completed') return refuse('it is completed');
      if (state.severity === command.severity) return refuse(`it is already ${command.severity}`);
      return { ok: true, next: { ...state, severity: command.severity }, action: 'severity-changed' };
    case 'reclassify':
    case 'label': {
      const next = { ...state, severity: command.severity, org: command.org, servers: command.servers, triage: command.org === null };
      // Classified again to the same: nothing happened. A label is an engineer's act: always recorded.
      if (command.type === 'reclassify' && state.severity === next.severity && state.org === next.org && sameServers(state.servers, next.servers)) {
        return refuse('its classification is unchanged');
      }
      return { ok: true, next, action: command.type === 'label' ? 'labelled' : 'reclassified' };
    }
    case 'merge-into':
      // Completed when it was not already; an event completed earlier keeps when that was.
      return {
        ok: true,
        next: { ...state, status: 'completed', completedAt: state.completedAt ?? at, mergedIntoId: command.eventId },
        action: 'merged-into',
      };
    case 'merge-from':
      // Open mail into a completed event would hide it from everyone.
      if (state.status === 'completed' && !command.fromCompleted) return refuse('it is completed and the other is not; reopen it first');
      return {
        ok: true,
        next: { ...carried(state, command.assigneeId, at), severity: highestSeverity(state.severity, command.severity), servers: bothServers(state.servers, command.servers) },
        action: 'merged-from',
      };
    case 'split-out':
      return { ok: true, next: { ...state, severity: command.severity, servers: command.servers }, action: 'split-out' };
    case 'split-from':
      return { ok: true, next: state, action: 'split-from' };
  }
}
