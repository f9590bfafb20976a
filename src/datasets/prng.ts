// The generator's only source of chance: mulberry32, seeded. Never Math.random and never the
// wall clock, so a seed always makes the same corpus, byte for byte.

/** FNV-1a of a label: how a child generator gets its own seed from a name. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** a float in [0, 1) */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** a whole number in [min, max] */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** an item chosen with probability proportional to its weight */
  weighted<T>(entries: ReadonlyArray<readonly [T, number]>): T {
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    let x = this.next() * total;
    for (const [item, w] of entries) {
      x -= w;
      if (x < 0) return item;
    }
    return entries[entries.length - 1]![0];
  }

  /** a seed for a child generator */
  seed(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }

  /**
   * An independent generator for one part of the corpus: each scenario draws from its own, so
   * changing how much one draws does not reshuffle the others.
   */
  fork(label: string): Rng {
    return new Rng((hash(label) ^ this.state ^ 0x9e3779b9) >>> 0);
  }
}
