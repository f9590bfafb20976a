import { expect } from 'chai';
import { transition, type EventCommand, type EventState } from '../../../src/events/lifecycle.js';

const at = new Date('2026-11-23T09:00:00Z');
const earlier = new Date('2026-11-23T08:00:00Z');
const open: EventState = { status: 'open', assigneeId: null, assignedAt: null, completedAt: null };
const assigned: EventState = { status: 'assigned', assigneeId: 7, assignedAt: earlier, completedAt: null };
const completed: EventState = { status: 'completed', assigneeId: 7, assignedAt: earlier, completedAt: earlier };
const completedUnassigned: EventState = { ...completed, assigneeId: null, assignedAt: null };

describe('the event state machine', () => {
  const allowed: Array<[string, EventState, EventCommand, EventState, string]> = [
    ['assigns an open event', open, { type: 'assign', userId: 7 }, { status: 'assigned', assigneeId: 7, assignedAt: at, completedAt: null }, 'assigned'],
    ['hands an assigned event to someone else', assigned, { type: 'assign', userId: 8 }, { status: 'assigned', assigneeId: 8, assignedAt: at, completedAt: null }, 'reassigned'],
    ['gives an assigned event back', assigned, { type: 'unassign' }, open, 'unassigned'],
    ['completes an assigned event, keeping who did it', assigned, { type: 'complete' }, { ...assigned, status: 'completed', completedAt: at }, 'completed'],
    ['completes an open event', open, { type: 'complete', note: 'false alarm' }, { ...open, status: 'completed', completedAt: at }, 'completed'],
    ['reopens to the engineer who handled it', completed, { type: 'reopen' }, { ...completed, status: 'assigned', completedAt: null }, 'reopened'],
    ['reopens an event nobody claimed as open', completedUnassigned, { type: 'reopen' }, { ...completedUnassigned, status: 'open', completedAt: null }, 'reopened'],
  ];
  for (const [name, from, command, next, action] of allowed) {
    it(name, () => expect(transition(from, command, at)).to.deep.equal({ ok: true, next, action }));
  }

  const refused: Array<[string, EventState, EventCommand, RegExp]> = [
    ['assigning a completed event', completed, { type: 'assign', userId: 8 }, /completed; reopen it first/],
    ['assigning to the same engineer again', assigned, { type: 'assign', userId: 7 }, /already assigned/],
    ['unassigning an open event', open, { type: 'unassign' }, /it is open, not assigned/],
    ['completing twice', completed, { type: 'complete' }, /already completed/],
    ['reopening an open event', open, { type: 'reopen' }, /not completed/],
  ];
  for (const [name, from, command, reason] of refused) {
    it(`refuses ${name}`, () => {
      const result = transition(from, command, at);
      expect(result.ok).to.equal(false);
      if (!result.ok) expect(result.reason).to.match(reason);
    });
  }
});
