// Matching the replay's schedule events to the truth's alerts when one stream alerts more than
// once, early, repeatedly, or resolves at the wrong time.
import { expect } from 'chai';
import type { Replay, ReplayEvent } from '../../../src/scoring/replay-input.js';
import { periodMs, scoreScheduleAlerts } from '../../../src/scoring/schedule-alert-score.js';
import type { ScheduleAlert, Truth } from '../../../src/scoring/truth-types.js';

const STREAM = 'org=datamer.ops.backup|svr=db1.example.test|from=cron@db1.example.test|per=day';

function truthWith(scheduleAlerts: ScheduleAlert[]): Truth {
  return { version: 1, seed: 1, days: 10, scale: 1, start: '2026-11-20T00:00:00.000Z', end: '2026-11-30T00:00:00.000Z', historyDays: 0, scoredFrom: null, messages: [], incidents: [], problems: [], scheduleAlerts, quietStreams: [] };
}

const alert = (day: number, resolveDay: number | null): ScheduleAlert => ({
  stream: STREAM,
  condition: 'missing',
  notBefore: `2026-11-${day}T08:30:00.000Z`,
  raiseBy: `2026-11-${day}T09:00:00.000Z`,
  resolveBy: resolveDay === null ? null : `2026-11-${resolveDay}T08:10:00.000Z`,
});

let nextId = 100;
const event = (createdAt: string, kind: ReplayEvent['kind'] = 'schedule-missing'): ReplayEvent => ({ type: 'event', id: String(nextId++), kind, createdAt, stream: STREAM });
const replayOf = (events: ReplayEvent[], resolved: Array<[ReplayEvent, string]> = []): Replay => ({
  messages: [],
  rejected: [],
  events,
  resolved: resolved.map(([e, at]) => ({ type: 'event-resolved', id: e.id, at })),
});

describe('schedule alerts of the replay against the truth', () => {
  it('reads the period of a stream from its key', () => {
    expect(periodMs(STREAM)).to.equal(86_400_000);
    expect(periodMs('org=a|svr=|from=x@y|per=hour')).to.equal(3_600_000);
    expect(periodMs('org=a|svr=|from=x@y')).to.equal(null);
  });

  it('gives each of two alerts of one stream its own event', () => {
    const truth = truthWith([alert(22, 23), alert(26, 27)]);
    const first = event('2026-11-22T08:40:00.000Z');
    const second = event('2026-11-26T09:20:00.000Z');
    const s = scoreScheduleAlerts(truth, replayOf([first, second], [[first, '2026-11-23T08:00:00.000Z'], [second, '2026-11-27T08:00:00.000Z']]));
    expect([s.inTime.count, s.late.count, s.missed.count, s.false, s.repeated]).to.deep.equal([1, 1, 0, 0, 0]);
    expect(s.resolvedInTime).to.deep.equal({ count: 2, of: 2, share: 1 });
  });

  it('calls an event inside the grace period early, and one a period before it false', () => {
    const truth = truthWith([alert(22, 23)]);
    const s = scoreScheduleAlerts(truth, replayOf([event('2026-11-21T08:00:00.000Z'), event('2026-11-22T08:00:00.000Z')]));
    expect(s.early.count).to.equal(1);
    expect(s.false).to.equal(1);
    expect(s.falseOnQuietStreams).to.equal(0);
  });

  it('counts an alert raised again before it resolved as repeated', () => {
    const truth = truthWith([alert(22, 23)]);
    const s = scoreScheduleAlerts(truth, replayOf([event('2026-11-22T08:45:00.000Z'), event('2026-11-22T08:46:00.000Z')]));
    expect(s.inTime.count).to.equal(1);
    expect(s.repeated).to.equal(1);
    expect(s.false).to.equal(0);
  });

  it('does not take an excess event for a missing alert', () => {
    const truth = truthWith([alert(22, 23)]);
    const s = scoreScheduleAlerts(truth, replayOf([event('2026-11-22T08:45:00.000Z', 'schedule-excess')]));
    expect(s.missed.count).to.equal(1);
    expect(s.false).to.equal(1);
  });

  it('knows a resolution after resolveBy is not in time, and one of an alert that must stay open is wrong', () => {
    const late = event('2026-11-22T08:45:00.000Z');
    const lateScore = scoreScheduleAlerts(truthWith([alert(22, 23)]), replayOf([late], [[late, '2026-11-23T09:00:00.000Z']]));
    expect(lateScore.resolvedInTime).to.deep.equal({ count: 0, of: 1, share: 0 });
    expect(lateScore.problems.map((p) => p.problem)).to.deep.equal(['not resolved in time']);
    const open = event('2026-11-22T08:45:00.000Z');
    const openScore = scoreScheduleAlerts(truthWith([alert(22, null)]), replayOf([open], [[open, '2026-11-24T00:00:00.000Z']]));
    expect(openScore.resolvedWrongly).to.equal(1);
    expect(openScore.resolvedInTime.of).to.equal(0);
  });
});
