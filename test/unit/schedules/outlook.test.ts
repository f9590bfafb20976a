// When a stream's next alert falls due if nothing changes (src/schedules/outlook.ts): table-driven.
import { expect } from 'chai';
import { outlookOf, type OutlookFacts } from '../../../src/schedules/outlook.js';

const H = 3_600_000;
const at = (iso: string) => new Date(iso);
const daily: OutlookFacts = {
  period: 'day', n: 1, v: 0, firstSeenAt: at('2026-11-01T02:00:00Z'), muted: false, graceMs: 2 * H, open: { missing: false, excess: false }, quietUntil: null,
};

describe('a stream outlook', () => {
  const cases: Array<[string, Partial<OutlookFacts>, string[], string, { condition: string; at: string } | null, string | null]> = [
    ['in range: missing when the last arrival leaves the window, plus the grace', {}, ['2026-11-04T02:00:00Z'], '2026-11-04T12:00:00Z', { condition: 'missing', at: '2026-11-05T04:00:00.000Z' }, null],
    ['already short, within the grace: due at the end of the grace', {}, ['2026-11-03T02:00:00Z'], '2026-11-04T03:00:00Z', { condition: 'missing', at: '2026-11-04T04:00:00.000Z' }, null],
    ['learning: not before its first full window', { firstSeenAt: at('2026-11-04T10:00:00Z') }, [], '2026-11-04T12:00:00Z', { condition: 'missing', at: '2026-11-05T12:00:00.000Z' }, '2026-11-05T10:00:00.000Z'],
    ['quiet after maintenance: not before the quiet ends', { quietUntil: at('2026-11-06T00:00:00Z') }, ['2026-11-04T02:00:00Z'], '2026-11-04T12:00:00Z', { condition: 'missing', at: '2026-11-06T00:00:00.000Z' }, null],
    ['too many: excess when the grace after the extra one ends', {}, ['2026-11-04T11:00:00Z', '2026-11-04T02:00:00Z'], '2026-11-04T12:00:00Z', { condition: 'excess', at: '2026-11-04T13:00:00.000Z' }, null],
    ['muted: nothing falls due', { muted: true }, ['2026-11-04T02:00:00Z'], '2026-11-04T12:00:00Z', null, null],
    ['missing already open: nothing more', { open: { missing: true, excess: false } }, [], '2026-11-04T12:00:00Z', null, null],
    ['N − V ≤ 0: never missing', { n: 1, v: 1 }, [], '2026-11-04T12:00:00Z', null, null],
  ];
  for (const [name, facts, arrivals, now, next, learning] of cases) {
    it(name, () => {
      const o = outlookOf({ ...daily, ...facts }, arrivals.map(at), at(now));
      expect(o.next ? { condition: o.next.condition, at: o.next.at.toISOString() } : null).to.deep.equal(next);
      expect(o.learningUntil?.toISOString() ?? null).to.equal(learning);
    });
  }
});
