import { expect } from 'chai';
import { DEFAULT_GRACE_MS, evaluate, type StreamFacts } from '../../../src/schedules/evaluate.js';

const at = (iso: string) => new Date(iso);
const daily = (n: number, v = 0, extra: Partial<StreamFacts> = {}): StreamFacts => ({
  schedule: { period: 'day', n, v },
  firstSeenAt: at('2026-11-01T02:00:00Z'),
  muted: false,
  graceMs: DEFAULT_GRACE_MS.day,
  open: { missing: false, excess: false },
  ...extra,
});
/** a job that ran at these hours on these November days */
const runs = (days: number[], hours: string[]) => days.flatMap((d) => hours.map((h) => at(`2026-11-${String(d).padStart(2, '0')}T${h}:00Z`)));

describe('the schedule evaluator', () => {
  it('stays quiet for a twice-daily job running 30 minutes late', () => {
    const times = [...runs([1, 2, 3, 4], ['02:00', '14:00']), at('2026-11-05T02:30:00Z'), at('2026-11-05T14:00:00Z'), at('2026-11-06T02:00:00Z')];
    for (const now of ['2026-11-05T02:10:00Z', '2026-11-05T02:29:00Z', '2026-11-05T14:10:00Z', '2026-11-06T02:20:00Z']) {
      const e = evaluate(daily(2), times.filter((x) => x <= at(now)), at(now));
      expect(e.raise, now).to.deep.equal([]);
    }
  });

  it('raises one missing alert after the grace when a daily job stops, and does not repeat it', () => {
    const times = runs([1, 2, 3, 4, 5], ['02:00']);
    // The 6th's run does not come: out of range from 6 Nov 02:00, alert after the 2 h grace.
    expect(evaluate(daily(1), times, at('2026-11-06T03:59:00Z')).raise).to.deep.equal([]);
    const e = evaluate(daily(1), times, at('2026-11-06T04:00:00Z'));
    expect(e).to.deep.include({ state: 'missing', count: 0, raise: ['missing'] });
    expect(e.outSince.missing?.toISOString()).to.equal('2026-11-06T02:00:00.000Z');
    const later = evaluate(daily(1, 0, { open: { missing: true, excess: false } }), times, at('2026-11-07T12:00:00Z'));
    expect(later).to.deep.include({ state: 'missing', raise: [], resolve: [] });
  });

  it('resolves the alert when the job comes back', () => {
    const times = [...runs([1, 2, 3, 4, 5], ['02:00']), at('2026-11-08T09:00:00Z')];
    const e = evaluate(daily(1, 0, { open: { missing: true, excess: false } }), times, at('2026-11-08T09:00:00Z'));
    expect(e).to.deep.include({ state: 'ok', count: 1, raise: [], resolve: ['missing'] });
  });

  it('keeps an excess alert open while the count dips back into range for less than the grace', () => {
    // Twice a day, open excess alert; yesterday's 07:40 run left the window at 07:40, today's came at 07:45.
    const times = [...runs([4], ['07:10', '07:40', '19:10', '19:40']), at('2026-11-05T07:45:00Z')];
    const open = { missing: false, excess: true };
    const dip = evaluate(daily(2, 0, { open }), times, at('2026-11-05T07:42:00Z'));
    expect(dip).to.deep.include({ state: 'excess', count: 2, resolve: [] });
    expect(dip.nextCheckAt.toISOString()).to.equal('2026-11-05T09:40:00.000Z');
    expect(evaluate(daily(2, 0, { open }), times, at('2026-11-05T07:45:00Z'))).to.deep.include({ state: 'excess', count: 3, resolve: [] });
    // Back in range for good at 19:40 (the day-old 19:40 run leaves): resolved when the grace is over.
    const evening = [...times, at('2026-11-05T19:15:00Z')];
    const waiting = evaluate(daily(2, 0, { open }), evening, at('2026-11-05T21:39:00Z'));
    expect(waiting).to.deep.include({ state: 'excess', count: 2, resolve: [] });
    expect(waiting.nextCheckAt.toISOString()).to.equal('2026-11-05T21:40:00.000Z');
    expect(evaluate(daily(2, 0, { open }), evening, at('2026-11-05T21:40:00Z'))).to.deep.include({ state: 'ok', resolve: ['excess'] });
  });

  it('keeps a missing alert open when the late mail only brings the count back for less than the grace', () => {
    // Twice a day, missing alert open: the late 13:00 run brings 2, but the 14:00 of yesterday leaves at 14:00.
    const times = [...runs([4], ['02:00', '14:00']), at('2026-11-05T13:00:00Z')];
    const open = { missing: true, excess: false };
    expect(evaluate(daily(2, 0, { open }), times, at('2026-11-05T13:00:00Z'))).to.deep.include({ state: 'missing', count: 2, resolve: [] });
    // The next run comes at 14:05, in time: it keeps the count in range for the whole grace.
    const next = [...times, at('2026-11-05T14:05:00Z')];
    expect(evaluate(daily(2, 0, { open }), next, at('2026-11-05T14:05:00Z'))).to.deep.include({ state: 'ok', count: 2, resolve: ['missing'] });
  });

  it('lets the variance absorb one missing mail', () => {
    const times = [...runs([1, 2], ['00:00', '06:00', '12:00', '18:00']), ...runs([3], ['00:00', '06:00', '18:00'])];
    expect(evaluate(daily(4, 1), times, at('2026-11-03T23:00:00Z'))).to.deep.include({ count: 3, raise: [] });
    expect(evaluate(daily(4, 0), times, at('2026-11-03T23:00:00Z')).raise).to.deep.equal(['missing']);
  });

  it('raises excess for a burst of extra mails, after the grace', () => {
    const burst = Array.from({ length: 5 }, (_, i) => at(`2026-11-05T10:0${i}:00Z`));
    const times = [...runs([1, 2, 3, 4, 5], ['02:00']), ...burst];
    expect(evaluate(daily(1, 1), times, at('2026-11-05T11:00:00Z')).raise).to.deep.equal([]);
    const e = evaluate(daily(1, 1), times, at('2026-11-05T12:03:00Z'));
    expect(e).to.deep.include({ state: 'excess', count: 6, raise: ['excess'] });
    expect(e.outSince.excess?.toISOString()).to.equal('2026-11-05T10:01:00.000Z');
  });

  it('does not alert while a new stream is learning its first window', () => {
    const stream = daily(1, 0, { firstSeenAt: at('2026-11-05T02:00:00Z') });
    expect(evaluate(stream, [at('2026-11-05T02:00:00Z')], at('2026-11-05T03:00:00Z'))).to.deep.include({ state: 'learning', raise: [] });
    // A burst while learning is no alert either.
    const burst = [0, 1, 2, 3].map((m) => at(`2026-11-05T02:0${m}:00Z`));
    expect(evaluate(stream, burst, at('2026-11-05T23:00:00Z')).raise).to.deep.equal([]);
  });

  it('raises nothing for a muted stream but says it is muted', () => {
    expect(evaluate(daily(1, 0, { muted: true }), runs([1], ['02:00']), at('2026-11-09T00:00:00Z'))).to.deep.include({ state: 'muted', raise: [] });
  });

  it('counts hourly and monthly windows', () => {
    const hourly: StreamFacts = { ...daily(1), schedule: { period: 'hour', n: 1, v: 0 }, graceMs: DEFAULT_GRACE_MS.hour };
    const times = ['00:05', '01:05', '02:05'].map((h) => at(`2026-11-02T${h}:00Z`));
    expect(evaluate(hourly, times, at('2026-11-02T03:14:00Z')).raise).to.deep.equal([]);
    expect(evaluate(hourly, times, at('2026-11-02T03:15:00Z')).raise).to.deep.equal(['missing']);
    const monthly: StreamFacts = { ...daily(1), schedule: { period: 'month', n: 1, v: 0 }, graceMs: DEFAULT_GRACE_MS.month, firstSeenAt: at('2026-09-01T00:00:00Z') };
    const report = [at('2026-09-01T06:00:00Z'), at('2026-10-01T06:00:00Z')];
    expect(evaluate(monthly, report, at('2026-10-30T06:00:00Z')).raise).to.deep.equal([]);
    expect(evaluate(monthly, report, at('2026-11-01T06:00:00Z')).raise).to.deep.equal(['missing']);
  });

  it('is not fooled by a daylight-saving change: windows are in absolute time', () => {
    // Europe/Berlin left summer time on 25 Oct 2026: a job at 02:00 local ran at 00:00Z, then 01:00Z.
    const times = [at('2026-10-24T00:00:00Z'), at('2026-10-25T01:00:00Z'), at('2026-10-26T01:00:00Z')];
    const stream = daily(1, 0, { firstSeenAt: at('2026-10-23T00:00:00Z') });
    // The hour-late run leaves the window an hour late too; within the grace: no alert.
    for (const now of ['2026-10-25T00:30:00Z', '2026-10-26T00:30:00Z', '2026-10-26T23:00:00Z']) {
      expect(evaluate(stream, times.filter((x) => x <= at(now)), at(now)).raise, now).to.deep.equal([]);
    }
  });

  it('says when to look again: when an arrival leaves the window or a grace ends', () => {
    const times = runs([5], ['02:00']);
    expect(evaluate(daily(1), times, at('2026-11-05T12:00:00Z')).nextCheckAt.toISOString()).to.equal('2026-11-06T02:00:00.000Z');
    expect(evaluate(daily(1), times, at('2026-11-06T02:30:00Z')).nextCheckAt.toISOString()).to.equal('2026-11-06T04:00:00.000Z');
  });
});

describe('the schedule evaluator during and after maintenance', () => {
  // A daily job at 02:00 that stops after the 5th; maintenance from the 6th 01:00 to 05:00.
  const times = runs([1, 2, 3, 4, 5], ['02:00']);
  const quiet = (iso: string | null, extra: Partial<StreamFacts> = {}) => daily(1, 0, { quietUntil: iso === null ? null : at(iso), ...extra });
  const cases: Array<{ name: string; facts: StreamFacts; now: string; raise: string[]; state: string }> = [
    { name: 'no maintenance: alerted when the grace ends', facts: quiet(null), now: '2026-11-06T04:00:00Z', raise: ['missing'], state: 'missing' },
    { name: 'during maintenance: nothing raised', facts: quiet('2026-11-07T05:00:00Z'), now: '2026-11-06T04:00:00Z', raise: [], state: 'learning' },
    { name: 'after maintenance, within one window: still quiet', facts: quiet('2026-11-07T05:00:00Z'), now: '2026-11-07T04:59:00Z', raise: [], state: 'learning' },
    { name: 'one window after maintenance, still missing: alerted', facts: quiet('2026-11-07T05:00:00Z'), now: '2026-11-07T05:00:00Z', raise: ['missing'], state: 'missing' },
    { name: 'a quiet spell long over changes nothing', facts: quiet('2026-11-02T00:00:00Z'), now: '2026-11-06T04:00:00Z', raise: ['missing'], state: 'missing' },
    { name: 'muted and quiet: muted', facts: quiet('2026-11-07T05:00:00Z', { muted: true }), now: '2026-11-06T04:00:00Z', raise: [], state: 'muted' },
  ];
  for (const c of cases) {
    it(`${c.name}`, () => {
      expect(evaluate(c.facts, times, at(c.now))).to.deep.include({ raise: c.raise, state: c.state });
    });
  }

  it('raises no excess either while quiet', () => {
    const burst = [0, 1, 2, 3, 4].map((i) => at(`2026-11-05T10:0${i}:00Z`));
    const e = evaluate(quiet('2026-11-06T12:00:00Z'), [...times, ...burst], at('2026-11-05T12:30:00Z'));
    expect(e).to.deep.include({ count: 6, raise: [] });
    expect(e.outSince.excess).to.not.equal(null);
  });

  it('does not resolve an open alert because of maintenance, but does when the count is back', () => {
    const open = { missing: true, excess: false };
    expect(evaluate(quiet('2026-11-07T05:00:00Z', { open }), times, at('2026-11-06T06:00:00Z'))).to.deep.include({ resolve: [], state: 'missing' });
    const back = [...times, at('2026-11-06T06:00:00Z')];
    expect(evaluate(quiet('2026-11-07T05:00:00Z', { open }), back, at('2026-11-06T06:00:00Z'))).to.deep.include({ resolve: ['missing'], state: 'learning' });
  });

  it('looks again when the quiet spell ends', () => {
    // Out of range since the 6th 02:00, its grace over at 04:00 but quiet: next look at the end of the quiet spell.
    expect(evaluate(quiet('2026-11-07T05:00:00Z'), times, at('2026-11-06T04:00:00Z')).nextCheckAt.toISOString()).to.equal('2026-11-07T05:00:00.000Z');
  });
});
