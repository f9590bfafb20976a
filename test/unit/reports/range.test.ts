import { expect } from 'chai';
import { resolveRange } from '../../../src/reports/range.js';
import { parseReportQuery, reportSearch } from '../../../src/reports/report-query.js';

const NOW = new Date('2026-11-10T09:00:00Z');

describe('report ranges', () => {
  const cases: Array<[string, Record<string, string>, string, string, string]> = [
    ['the last 7 days end today', { preset: 'last-7-days' }, 'UTC', '2026-11-04', '2026-11-10'],
    ['the last 30 days by default', {}, 'UTC', '2026-10-12', '2026-11-10'],
    ['this month so far', { preset: 'this-month' }, 'UTC', '2026-11-01', '2026-11-10'],
    ['last month, whole', { preset: 'last-month' }, 'UTC', '2026-10-01', '2026-10-31'],
    ['two dates of the reader', { from: '2026-02-01', to: '2026-02-28' }, 'UTC', '2026-02-01', '2026-02-28'],
    ["today is the reader's: still 9 November in Honolulu", { preset: 'last-7-days' }, 'Pacific/Honolulu', '2026-11-03', '2026-11-09'],
  ];
  for (const [name, input, zone, from, to] of cases) {
    it(name, () => {
      const { range, problems } = resolveRange(input, NOW, zone);
      expect([range.from, range.to, problems]).to.deep.equal([from, to, []]);
      expect(range.days[0]).to.equal(from);
      expect(range.days[range.days.length - 1]).to.equal(to);
    });
  }

  it('takes last month in January from December of the year before', () => {
    const { range } = resolveRange({ preset: 'last-month' }, new Date('2027-01-15T12:00:00Z'), 'UTC');
    expect([range.from, range.to, range.days.length]).to.deep.equal(['2026-12-01', '2026-12-31', 31]);
  });

  it('starts and ends the days at local midnight, across the clocks going back', () => {
    const { range } = resolveRange({ from: '2026-10-25', to: '2026-10-25' }, NOW, 'Europe/Paris');
    expect(range.start.toISOString()).to.equal('2026-10-24T22:00:00.000Z');
    expect(range.end.toISOString()).to.equal('2026-10-25T23:00:00.000Z');
  });

  it('starts a day in India at 18:30 UTC the day before', () => {
    const { range } = resolveRange({ from: '2026-01-01', to: '2026-12-31' }, NOW, 'Asia/Kolkata');
    expect(range.start.toISOString()).to.equal('2025-12-31T18:30:00.000Z');
    expect(range.days).to.have.length(365);
  });

  const refused: Array<[string, Record<string, string>, string, RegExp]> = [
    ['a day that does not exist', { from: '2026-02-30', to: '2026-03-02' }, 'UTC', /from "2026-02-30"/],
    ['dates the wrong way round', { from: '2026-03-02', to: '2026-03-01' }, 'UTC', /after/],
    ['more than two years', { from: '2020-01-01', to: '2026-01-01' }, 'UTC', /longer than 731 days/],
    ['an unknown preset', { preset: 'yesterday' }, 'UTC', /range "yesterday"/],
    ['an unknown time zone', {}, 'Mars/Olympus', /time zone "Mars\/Olympus"/],
  ];
  for (const [name, input, zone, problem] of refused) {
    it(`sets aside ${name}, says so and shows the last 30 days`, () => {
      const { range, problems } = resolveRange(input, NOW, zone);
      expect(problems.join('; ')).to.match(problem);
      expect([range.from, range.to]).to.deep.equal(['2026-10-12', '2026-11-10']);
    });
  }

  it('carries its preset or its dates and its org pattern in the address, and reads them back', () => {
    expect(reportSearch({ preset: 'last-month', from: '2026-10-01', to: '2026-10-31', org: null })).to.equal('?range=last-month');
    expect(reportSearch({ preset: null, from: '2026-10-01', to: '2026-10-31', org: 'infra.db.*' })).to.equal('?from=2026-10-01&to=2026-10-31&org=infra.db.*');
    const q = parseReportQuery({ from: '2026-10-01', to: '2026-10-31', org: 'Infra.DB.*' }, NOW, 'UTC');
    expect([q.range.preset, q.range.from, q.range.to, q.org, q.problems]).to.deep.equal([null, '2026-10-01', '2026-10-31', 'infra.db.*', []]);
    expect(parseReportQuery({ org: 'infra db' }, NOW, 'UTC').problems).to.deep.equal(['org "infra db" (an org pattern is a.b.c, a.b.* or *)']);
  });
});
