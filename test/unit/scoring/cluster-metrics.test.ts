// The grouping yardstick itself: each measure on cases small enough to count by hand.
import { expect } from 'chai';
import { adjustedRandIndex, bcubed, compareClusterings, contingency, pairwise, type Label } from '../../../src/scoring/cluster-metrics.js';

const close = (actual: number, expected: number) => expect(actual).to.be.closeTo(expected, 1e-12);

/** Deterministic pseudo-random numbers (mulberry32), so the "random" case is the same every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('clustering agreement measures', () => {
  // Bagga & Baldwin's classic: truth {1..5} {6,7} {8..12}; the system merges the last two.
  const truth = [1, 1, 1, 1, 1, 2, 2, 3, 3, 3, 3, 3];
  const merged = ['a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'b', 'b', 'b'];

  it('scores the classic merge of two clusters: B-cubed precision 64/84, recall 1', () => {
    // precision per item: 1 for the five of {1..5}; 2/7 for 6 and 7; 5/7 for 8..12
    const b = bcubed(contingency(truth, merged));
    close(b.precision, (5 + 2 * (2 / 7) + 5 * (5 / 7)) / 12);
    close(b.precision, 64 / 84);
    close(b.recall, 1);
    close(b.f1, (2 * (64 / 84)) / (64 / 84 + 1));
  });

  it('scores the same merge pairwise: 21 true pairs of 31 claimed', () => {
    // together in truth: 10 + 1 + 10 = 21; claimed: C(5,2) + C(7,2) = 10 + 21 = 31
    const p = pairwise(contingency(truth, merged));
    close(p.precision, 21 / 31);
    close(p.recall, 1);
    close(p.f1, (2 * (21 / 31)) / (21 / 31 + 1));
  });

  it('adjusts the Rand index for chance: 735/1065 for the same merge', () => {
    // index 21, expected 21·31/66, max (21+31)/2 = 26 → (1386 − 651) / (1716 − 651)
    close(adjustedRandIndex(contingency(truth, merged)), 735 / 1065);
  });

  it('gives the adjusted Rand index of 8/33 for a split and shifted labeling', () => {
    // truth {0,1,2} {3,4,5}, predicted {0,1} {2,3} {4,5}: index 2, E = 6·3/15 = 1.2, max 4.5
    close(adjustedRandIndex(contingency([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2])), 0.8 / 3.3);
  });

  it('gives 1 everywhere for a perfect clustering, whatever the cluster names', () => {
    const agreement = compareClusterings(truth, ['x', 'x', 'x', 'x', 'x', 7, 7, 'z', 'z', 'z', 'z', 'z']);
    expect(agreement).to.deep.equal({ pairwise: { precision: 1, recall: 1, f1: 1 }, bcubed: { precision: 1, recall: 1, f1: 1 }, adjustedRandIndex: 1 });
  });

  it('puts everything in one cluster: full recall, precision the chance of a shared truth cluster, ARI 0', () => {
    const one = compareClusterings(truth, truth.map(() => 'all'));
    close(one.pairwise.precision, 21 / 66);
    close(one.pairwise.recall, 1);
    close(one.bcubed.precision, (5 * 5 + 2 * 2 + 5 * 5) / 12 / 12);
    close(one.bcubed.recall, 1);
    close(one.adjustedRandIndex, 0);
  });

  it('leaves everything alone: full precision, B-cubed recall the mean of 1/cluster size, ARI 0', () => {
    const alone = compareClusterings(truth, truth.map((_, i) => i));
    close(alone.pairwise.precision, 1);
    close(alone.pairwise.recall, 0);
    close(alone.pairwise.f1, 0);
    close(alone.bcubed.precision, 1);
    close(alone.bcubed.recall, 3 / 12); // each truth cluster contributes 1 whatever its size
    close(alone.adjustedRandIndex, 0);
  });

  it('gives 1 when truth and prediction are both all alone, or both all together', () => {
    expect(compareClusterings([1, 2, 3], ['a', 'b', 'c']).adjustedRandIndex).to.equal(1);
    expect(compareClusterings([1, 1, 1], ['a', 'a', 'a']).adjustedRandIndex).to.equal(1);
    expect(compareClusterings([], []).bcubed.f1).to.equal(1);
  });

  it('gives an adjusted Rand index near 0 to a random labeling of 20,000 items', () => {
    const next = random(42);
    const t: Label[] = [];
    const p: Label[] = [];
    for (let i = 0; i < 20_000; i++) {
      t.push(Math.floor(next() * 40));
      p.push(Math.floor(next() * 40));
    }
    const agreement = compareClusterings(t, p);
    expect(Math.abs(agreement.adjustedRandIndex)).to.be.below(0.005);
    expect(agreement.pairwise.precision).to.be.closeTo(1 / 40, 0.005);
  });

  it('goes below 0 when the prediction separates exactly what belongs together', () => {
    // truth {0,1} {2,3}; predicted {0,2} {1,3}: no shared pair at all, worse than chance
    expect(adjustedRandIndex(contingency([0, 0, 1, 1], [0, 1, 0, 1]))).to.be.below(0);
  });

  it('refuses labelings of different lengths', () => {
    expect(() => contingency([1, 2], [1])).to.throw('labelings differ in length: 2 truth, 1 predicted');
  });
});
