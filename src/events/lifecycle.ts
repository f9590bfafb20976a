// The event state machine (product.md §7), pure: a state and a command in, the next state and
// the name of what happened out, or the reason the command does not apply.
//
//   open ──assign──> assigned ──complete──> completed
//    ^  <─unassign──    │  ──assign (another user)──> assigned
//    └──────complete────┼──────────────────> completed ──reopen──> open / assigned

import type { EventStatus } from '../../models/index.js';

export interface EventState {
  status: EventStatus;
  assigneeId: number | null;
  assignedAt: Date | null;
  completedAt: Date | null;
}

export type EventCommand =
  | { type: 'assign'; userId: number }
  | { type: 'unassign' }
  | { type: 'complete'; note?: string }
  | { type: 'reopen' };

export type EventAction = 'assigned' | 'reassigned' | 'unassigned' | 'completed' | 'reopened';

export type Transition = { ok: true; next: EventState; action: EventAction } | { ok: false; reason: string };

const refuse = (reason: string): Transition => ({ ok: false, reason });

export function transition(state: EventState, command: EventCommand, at: Date): Transition {
  switch (command.type) {
    case 'assign':
      if (state.status === 'completed') return refuse('it is completed; reopen it first');
      if (state.assigneeId === command.userId) return refuse('it is already assigned to that user');
      return {
        ok: true,
        next: { ...state, status: 'assigned', assigneeId: command.userId, assignedAt: at },
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
  }
}
