import { expect } from 'chai';
import { barChart, columnChart, niceMax } from '../../../src/reports/charts.js';
import { formatSeconds } from '../../../src/reports/tables.js';

describe('report charts', () => {
  it('rounds the scale up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 1, 7, 12, 180, 201, 4999].map(niceMax)).to.deep.equal([1, 1, 10, 20, 200, 500, 5000]);
  });

  it('draws one bar per category and series, as tall as its value, with no script and no style attribute', () => {
    const svg = columnChart('c', 'per day', ['2026-10-01', '2026-10-02'], [{ label: 'MSEs', colour: '#000', values: [10, 5] }]);
    const heights = [...svg.matchAll(/data-value="(\d+)" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(heights).to.have.length(2);
    expect(heights[0]![1] / heights[1]![1]).to.be.closeTo(2, 0.01);
    expect(svg).not.to.match(/<script|style=|on[a-z]+=/i);
  });

  it('escapes what it is given', () => {
    const svg = barChart('b', 'orgs', [{ label: '<script>"x"</script>', value: 3, colour: '#000' }]);
    expect(svg).to.contain('&lt;script&gt;&quot;x&quot;&lt;/script&gt;');
    expect(svg).not.to.contain('<script>');
  });

  it('writes durations as a person reads them', () => {
    expect([42, 90, 3600, 3725.4, 86_400 * 2 + 3 * 3600].map(formatSeconds)).to.deep.equal(['42 s', '1 min 30 s', '1 h 00 min', '1 h 02 min', '2 d 3 h']);
  });
});
