// How unusual a burst of one kind of mail is (src/correlation/rarity.ts), on small tables.
import { expect } from 'chai';
import { KindRates, poissonTail } from '../../../src/correlation/rarity.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('rarity: how unusual a burst is beside its usual rate', () => {
  it('gives the Poisson tail P(X ≥ n)', () => {
    expect(poissonTail(0, 3)).to.equal(1);
    expect(poissonTail(1, 0.5)).to.be.closeTo(1 - Math.exp(-0.5), 1e-12);
    expect(poissonTail(2, 1)).to.be.closeTo(1 - 2 * Math.exp(-1), 1e-12);
    expect(poissonTail(3, 0)).to.equal(0);
  });

  it('finds two hosts sending a never-seen kind unusual, and the same from a kind seen every few minutes not', () => {
    const rates = new KindRates({ horizonMs: 24 * HOUR, minHistoryMs: 6 * HOUR, recentMs: 10 * MINUTE });
    for (let i = 0; i < 24 * 12; i++) rates.observe('load', [`h${i % 9}`], i * 5 * MINUTE);
    const now = 24 * HOUR;
    rates.observe('nfs', ['web1'], now - MINUTE);
    const storm = rates.burst(['nfs'], ['web2'], now, 10 * MINUTE);
    expect(storm.hosts).to.equal(2);
    expect(storm.chance).to.be.below(1e-4);
    rates.observe('load', ['a1'], now - MINUTE);
    const everyday = rates.burst(['load'], ['a2'], now, 10 * MINUTE);
    expect(everyday.expected).to.be.above(1.5);
    expect(everyday.chance).to.be.above(0.1);
  });

  it('counts a message naming several hosts as one arrival, and the same host again as none', () => {
    const rates = new KindRates({ horizonMs: 24 * HOUR, minHistoryMs: 6 * HOUR, recentMs: 10 * MINUTE });
    rates.observe('x', ['web1'], 0);
    expect(rates.burst(['x'], ['web1', 'web2', 'web3'], MINUTE, 10 * MINUTE).hosts).to.equal(1);
    expect(rates.burst(['x'], ['web4'], MINUTE, 10 * MINUTE).hosts).to.equal(2);
  });

  it('judges a new tenant’s first mail over at least the least history, so it does not all look rare', () => {
    const rates = new KindRates({ horizonMs: 24 * HOUR, minHistoryMs: 6 * HOUR, recentMs: 10 * MINUTE });
    rates.observe('a', ['web1'], 0);
    expect(rates.burst(['b'], ['web2'], MINUTE, 10 * MINUTE).expected).to.be.closeTo((0.5 * 10) / 360, 1e-9);
  });

  it('leaves the burst being judged out of the usual rate', () => {
    const rates = new KindRates({ horizonMs: 24 * HOUR, minHistoryMs: 6 * HOUR, recentMs: 2 * HOUR });
    rates.observe('z', ['q1'], 0);
    for (let i = 0; i < 20; i++) rates.observe('nfs', [`web${i}`], 20 * HOUR + i * 2 * MINUTE);
    const late = rates.burst(['nfs'], ['web99'], 20 * HOUR + 45 * MINUTE, 10 * MINUTE);
    expect(late.expected).to.be.below(0.01);
    expect(late.chance).to.be.below(1e-4);
  });

  it('judges a kind from one host also by that host’s own rate of it', () => {
    const rates = new KindRates({ horizonMs: 24 * HOUR, minHistoryMs: 6 * HOUR, recentMs: 30 * MINUTE });
    // Nine hosts send the kind every 5 minutes between them: everyday for the fleet.
    for (let i = 0; i < 24 * 12; i++) rates.observe('disk', [`h${i % 9}`], i * 5 * MINUTE);
    const now = 24 * HOUR;
    const span = 24 * 60 - 30;
    // From a host that never sent it, it is news: half a message over the day, as a kind never seen.
    const fresh = rates.burst(['disk'], ['db3'], now, 10 * MINUTE);
    expect(fresh.expected).to.be.above(1.5);
    expect(fresh.hostExpected).to.be.closeTo((0.5 * 10) / span, 1e-9);
    // From a host that sends it every 45 minutes, it is not.
    const own = rates.burst(['disk'], ['h1'], now, 10 * MINUTE);
    expect(own.hostExpected).to.be.above(0.2);
    // The host's own mail of the kind counts however recent: a check that failed minutes ago is flapping.
    rates.observe('disk', ['db4'], now - 5 * MINUTE);
    expect(rates.burst(['disk'], ['db4'], now, 10 * MINUTE).hostExpected).to.be.closeTo((1.5 * 10) / span, 1e-9);
  });

  it('counts how often one host sends news from it, over the hosts that sent problem mail', () => {
    const rates = new KindRates({ horizonMs: 24 * HOUR, minHistoryMs: 6 * HOUR, recentMs: 30 * MINUTE });
    rates.observe('a', ['h1'], 0);
    rates.observe('b', ['h2'], HOUR);
    for (let i = 0; i < 12; i++) rates.observeNews(i * 2 * HOUR);
    expect(rates.newsRate(24 * HOUR, 10 * MINUTE)).to.be.closeTo((12 * 10) / (24 * 60) / 2, 1e-9);
    rates.prune(48 * HOUR);
    expect(rates.newsRate(48 * HOUR, 10 * MINUTE)).to.equal(0);
  });

  it('forgets what is older than the horizon', () => {
    const rates = new KindRates({ horizonMs: HOUR, minHistoryMs: HOUR, recentMs: 10 * MINUTE });
    for (let i = 0; i < 30; i++) rates.observe('a', ['web1'], i * MINUTE);
    rates.prune(3 * HOUR);
    expect(rates.burst(['a'], ['web2'], 3 * HOUR, 10 * MINUTE).expected).to.be.closeTo((0.5 * 10) / 60, 1e-9);
  });
});
