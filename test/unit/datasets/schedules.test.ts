// Where the generator's expected schedule alerts come from: the sliding-window count over a
// stream's messages, and the grace assumptions of docs/datasets.md.
import { expect } from 'chai';
import { outOfRange, scheduleFindings, type PlannedStream } from '../../../src/datasets/schedules.js';
import type { Draft } from '../../../src/datasets/planner.js';

const H = 3600_000;
const D = 24 * H;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const daily = { period: 'day' as const, n: 1, v: 0 };

const stream = (times: number[], quiet: string | null = null): PlannedStream => ({
  name: 'test',
  schedule: daily,
  quiet,
  messages: times.map((at) => ({ at, stream: 'org=a|svr=b.example.test|from=c@b.example.test|per=day' }) as Draft),
});

describe('expected schedule alerts', () => {
  it('finds a daily job that runs every day always in range', () => {
    expect(outOfRange([0, 1, 2, 3].map((d) => T0 + d * D + 2 * H), daily).filter((i) => i.to !== Infinity)).to.deep.equal([]);
  });

  it('finds a missing report from one window after the last one, until the next', () => {
    const times = [0, 1, 2, 5].map((d) => T0 + d * D + 2 * H);
    const missing = outOfRange(times, daily).find((i) => i.condition === 'missing' && i.to !== Infinity)!;
    expect(missing).to.deep.equal({ from: T0 + 3 * D + 2 * H, to: T0 + 5 * D + 2 * H, condition: 'missing' });
  });

  it('expects a missing alert between the shortest and the longest grace, resolving when the job is back', () => {
    const times = [0, 1, 2, 5, 6].map((d) => T0 + d * D + 2 * H);
    const { alerts } = scheduleFindings([stream(times)], T0 + 6 * D + 3 * H);
    expect(alerts).to.deep.equal([{
      stream: 'org=a|svr=b.example.test|from=c@b.example.test|per=day',
      condition: 'missing',
      notBefore: '2026-11-04T03:00:00.000Z', // one hour of grace at least
      raiseBy: '2026-11-04T08:05:00.000Z', // six hours at most, and five minutes to evaluate
      resolveBy: '2026-11-06T08:05:00.000Z', // back in range for the longest grace
    }]);
  });

  it('expects an excess alert when a daily job runs twice', () => {
    const times = [T0 + 2 * H, T0 + D + 2 * H, T0 + D + 5 * H, T0 + 2 * D + 2 * H];
    const { alerts } = scheduleFindings([stream(times)], T0 + 3 * D);
    expect(alerts.map((a) => [a.condition, a.resolveBy])).to.deep.equal([['excess', '2026-11-03T11:05:00.000Z']]);
  });

  it('expects one excess alert when the count dips back into range for less than the shortest grace', () => {
    // Twice a day; on day 1 every run came twice; on day 2 once, each a little after the day-old second run left.
    const at = (d: number, h: number, m: number) => T0 + d * D + h * H + m * 60_000;
    const times = [at(0, 7, 10), at(0, 19, 10), at(1, 7, 10), at(1, 7, 40), at(1, 19, 10), at(1, 19, 40), at(2, 7, 45), at(2, 19, 15), at(3, 7, 10)];
    const { alerts } = scheduleFindings([{ ...stream(times), schedule: { period: 'day', n: 2, v: 0 } }], at(3, 12, 0));
    expect(alerts.map((a) => [a.condition, a.notBefore, a.resolveBy])).to.deep.equal([['excess', '2026-11-02T08:40:00.000Z', '2026-11-04T01:45:00.000Z']]);
  });

  it('stays quiet for a report 40 minutes late, and for a new stream\'s first window', () => {
    const late = [T0 + 2 * H, T0 + D + 2 * H, T0 + 2 * D + 2 * H + 40 * 60_000, T0 + 3 * D + 2 * H];
    // twice a day from its first report: one in its first 12 hours, which must not count as missing
    const twiceDaily = { ...stream([0, 1, 2, 3, 4, 5].map((i) => T0 + 6 * H + i * 12 * H), 'new stream, first window'), schedule: { period: 'day' as const, n: 2, v: 0 } };
    const findings = scheduleFindings([stream(late, 'late within grace'), twiceDaily], T0 + 3 * D + 3 * H);
    expect(findings.alerts).to.deep.equal([]);
    expect(findings.ambiguous).to.deep.equal([]);
    expect(findings.quiet.map((q) => q.why)).to.deep.equal(['late within grace', 'new stream, first window']);
  });

  it('does not expect an alert whose grace has not run out before the corpus ends', () => {
    const { alerts } = scheduleFindings([stream([T0 + 2 * H, T0 + D + 2 * H])], T0 + 2 * D + 4 * H);
    expect(alerts).to.deep.equal([]);
  });
});
