import { expect } from 'chai';
import { highestSeverity, transition, type EventCommand, type EventState } from '../../../src/events/lifecycle.js';

const at = new Date('2026-11-23T09:00:00Z');
const earlier = new Date('2026-11-23T08:00:00Z');
const classified = { severity: 'warn', org: 'infra.db', servers: ['db1.example.com'], triage: false, mergedIntoId: null };
const open: EventState = { status: 'open', assigneeId: null, assignedAt: null, firstAssignedAt: null, completedAt: null, ...classified };
const assigned: EventState = { status: 'assigned', assigneeId: 7, assignedAt: earlier, firstAssignedAt: earlier, completedAt: null, ...classified };
const completed: EventState = { status: 'completed', assigneeId: 7, assignedAt: earlier, firstAssignedAt: earlier, completedAt: earlier, ...classified };
const completedUnassigned: EventState = { ...completed, assigneeId: null, assignedAt: null, firstAssignedAt: null };
const mergedAway: EventState = { ...completed, mergedIntoId: 12 };

describe('the event state machine', () => {
  const allowed: Array<[string, EventState, EventCommand, EventState, string]> = [
    ['assigns an open event', open, { type: 'assign', userId: 7 }, { ...open, status: 'assigned', assigneeId: 7, assignedAt: at, firstAssignedAt: at }, 'assigned'],
    ['hands an assigned event to someone else', assigned, { type: 'assign', userId: 8 }, { ...assigned, assigneeId: 8, assignedAt: at }, 'reassigned'],
    ['gives an assigned event back, remembering when it was first assigned', assigned, { type: 'unassign' }, { ...open, firstAssignedAt: earlier }, 'unassigned'],
    ['assigns again an event given back, its first assignment kept', { ...open, firstAssignedAt: earlier }, { type: 'assign', userId: 8 },
      { ...open, status: 'assigned', assigneeId: 8, assignedAt: at, firstAssignedAt: earlier }, 'assigned'],
    ['completes an assigned event, keeping who did it', assigned, { type: 'complete' }, { ...assigned, status: 'completed', completedAt: at }, 'completed'],
    ['completes an open event', open, { type: 'complete', note: 'false alarm' }, { ...open, status: 'completed', completedAt: at }, 'completed'],
    ['reopens to the engineer who handled it', completed, { type: 'reopen' }, { ...completed, status: 'assigned', completedAt: null }, 'reopened'],
    ['reopens an event nobody claimed as open', completedUnassigned, { type: 'reopen' }, { ...completedUnassigned, status: 'open', completedAt: null }, 'reopened'],
    ['resolves an open schedule alert', open, { type: 'resolve' }, { ...open, status: 'completed', completedAt: at }, 'resolved'],
    ['resolves an alert someone already completed, leaving it as it was', completed, { type: 'resolve' }, completed, 'resolved'],
    ['makes an open event louder', open, { type: 'set-severity', severity: 'critical' }, { ...open, severity: 'critical' }, 'severity-changed'],
    ['takes a new classification, going to triage without an org', assigned, { type: 'reclassify', severity: 'info', org: null, servers: [] },
      { ...assigned, severity: 'info', org: null, servers: [], triage: true }, 'reclassified'],
    ['records a label even where the org was already right', open, { type: 'label', severity: 'warn', org: 'infra.db', servers: ['db1.example.com'] }, open, 'labelled'],
    ['completes an event merged into another, saying which', assigned, { type: 'merge-into', eventId: 12 }, { ...assigned, status: 'completed', completedAt: at, mergedIntoId: 12 }, 'merged-into'],
    ['merges a completed event, keeping when it was completed', completed, { type: 'merge-into', eventId: 12 }, { ...completed, mergedIntoId: 12 }, 'merged-into'],
    ['takes in another event: the louder severity, both servers, its own assignee', assigned,
      { type: 'merge-from', severity: 'critical', servers: ['db2.example.com', 'db1.example.com'], fromCompleted: false, assigneeId: null },
      { ...assigned, severity: 'critical', servers: ['db1.example.com', 'db2.example.com'] }, 'merged-from'],
    ['takes in a quieter event without getting quieter', open, { type: 'merge-from', severity: 'info', servers: [], fromCompleted: false, assigneeId: null }, open, 'merged-from'],
    ['hands an open event the assignee of the event merged into it', open, { type: 'merge-from', severity: null, servers: [], fromCompleted: false, assigneeId: 8 },
      { ...open, status: 'assigned', assigneeId: 8, assignedAt: at, firstAssignedAt: at }, 'merged-from'],
    ['keeps its own assignee when the event merged into it had another', assigned, { type: 'merge-from', severity: null, servers: [], fromCompleted: false, assigneeId: 8 }, assigned, 'merged-from'],
    ['records who handled a completed event taking in a completed one, leaving it completed', completedUnassigned,
      { type: 'merge-from', severity: null, servers: [], fromCompleted: true, assigneeId: 8 }, { ...completedUnassigned, assigneeId: 8, assignedAt: at, firstAssignedAt: at }, 'merged-from'],
    ['lets a completed event take in a completed one (a correction of history)', completed, { type: 'merge-from', severity: null, servers: [], fromCompleted: true, assigneeId: null }, completed, 'merged-from'],
    ['gives up a message: the severity and servers of the messages it keeps', assigned, { type: 'split-out', severity: 'info', servers: [] }, { ...assigned, severity: 'info', servers: [] }, 'split-out'],
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
    ['changing the severity of a completed event', completed, { type: 'set-severity', severity: 'critical' }, /completed/],
    ['setting the severity it already has', open, { type: 'set-severity', severity: 'warn' }, /already warn/],
    ['a reclassification that changes nothing', open, { type: 'reclassify', severity: 'warn', org: 'infra.db', servers: ['db1.example.com'] }, /unchanged/],
    ['taking open mail into a completed event', completed, { type: 'merge-from', severity: 'warn', servers: [], fromCompleted: false, assigneeId: null }, /completed and the other is not; reopen it first/],
    ['reopening an event merged into another', mergedAway, { type: 'reopen' }, /merged into #12; act on #12 instead/],
    ['merging an event merged away already', mergedAway, { type: 'merge-into', eventId: 13 }, /merged into #12/],
    ['merging into an event merged away', mergedAway, { type: 'merge-from', severity: null, servers: [], fromCompleted: true, assigneeId: null }, /merged into #12/],
  ];
  for (const [name, from, command, reason] of refused) {
    it(`refuses ${name}`, () => {
      const result = transition(from, command, at);
      expect(result.ok).to.equal(false);
      if (!result.ok) expect(result.reason).to.match(reason);
    });
  }

  it('ranks severities: critical over warn over info over none', () => {
    expect(highestSeverity('warn', 'critical')).to.equal('critical');
    expect(highestSeverity('critical', 'info')).to.equal('critical');
    expect(highestSeverity(null, 'info')).to.equal('info');
    expect(highestSeverity('warn', null)).to.equal('warn');
  });
});
