import { expect } from 'chai';
import { instantOf, isQuiet, nextLocal, parseQuietHours, quietEnd } from '../../../src/people/local-time.js';

const iso = (d: Date) => d.toISOString();

describe("a user's own clock", () => {
  it('finds the next 08:00 in Berlin on either side of the October change (CEST, then CET)', () => {
    expect(iso(nextLocal(new Date('2026-10-24T05:00:00Z'), 'Europe/Berlin', 8))).to.equal('2026-10-24T06:00:00.000Z');
    expect(iso(nextLocal(new Date('2026-10-24T06:00:00Z'), 'Europe/Berlin', 8))).to.equal('2026-10-25T07:00:00.000Z');
    expect(iso(nextLocal(new Date('2026-10-25T07:00:00Z'), 'Europe/Berlin', 8))).to.equal('2026-10-26T07:00:00.000Z');
  });

  it('takes a local time that does not exist (the spring-forward gap) as the first instant after it', () => {
    // 2027-03-28 02:30 never shows in Berlin: the clocks go from 02:00 to 03:00 (01:00 UTC).
    expect(iso(instantOf({ year: 2027, month: 3, day: 28, hour: 2, minute: 30 }, 'Europe/Berlin'))).to.equal('2027-03-28T01:30:00.000Z');
    expect(iso(instantOf({ year: 2027, month: 3, day: 28, hour: 8, minute: 0 }, 'America/New_York'))).to.equal('2027-03-28T12:00:00.000Z');
  });

  it('reads quiet hours across midnight and says when they end', () => {
    const quiet = parseQuietHours('22:00-07:00')!;
    expect(quiet).to.deep.equal({ start: 22 * 60, end: 7 * 60 });
    expect(isQuiet(new Date('2026-11-23T22:30:00Z'), 'Europe/Berlin', quiet)).to.equal(true); // 23:30
    expect(isQuiet(new Date('2026-11-24T05:59:00Z'), 'Europe/Berlin', quiet)).to.equal(true); // 06:59
    expect(isQuiet(new Date('2026-11-24T06:00:00Z'), 'Europe/Berlin', quiet)).to.equal(false); // 07:00
    expect(isQuiet(new Date('2026-11-24T20:00:00Z'), 'Europe/Berlin', quiet)).to.equal(false); // 21:00
    expect(iso(quietEnd(new Date('2026-11-23T22:30:00Z'), 'Europe/Berlin', quiet))).to.equal('2026-11-24T06:00:00.000Z');
    expect(isQuiet(new Date('2026-11-24T12:30:00Z'), 'UTC', parseQuietHours('12:00-13:30')!)).to.equal(true);
  });

  it('refuses quiet hours it cannot read', () => {
    for (const bad of ['22-07', '25:00-07:00', '22:00', '22:00-22:00', '22:00-07:00-08:00', 'night']) expect(parseQuietHours(bad), bad).to.equal(null);
  });
});
