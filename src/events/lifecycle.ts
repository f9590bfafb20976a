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
  | ({ type: 'label' } & Classified);

export type EventAction =
  | 'assigned' | 'reassigned' | 'unassigned' | 'completed' | 'reopened'
  | 'resolved' | 'severity-changed' | 'reclassified' | 'labelled';

export type Transition = { ok: true; next: EventState; action: EventAction } | { ok: false; reason: string };

const refuse = (reason: string): Transition => ({ ok: false, reason });

const sameServers = (a: string[], b: string[]) => a.length === b.length && a.every((s, i) => s === b[i]);

export function transition(state: EventState, command: EventCommand, at: Date): Transition {
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
  }
}
