// The one source of "now". Nothing else in DaTamer reads the wall clock, so a replay
// of last month's mail with a virtual clock behaves exactly like live operation did.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = {
  now: () => new Date(),
};

/** A clock that only moves when told to: replays and tests drive time with it. */
export class VirtualClock implements Clock {
  private current: number;

  constructor(start: Date | string | number = 0) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  /** Time never runs backwards: setting an earlier instant leaves the clock where it is. */
  set(at: Date): void {
    this.current = Math.max(this.current, at.getTime());
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

/**
 * Milliseconds on a monotonic timer, for how long something took or how old a cache entry is;
 * never for what time it is (that is Clock's job, and replays move it).
 */
export function monotonicMs(): number {
  return performance.now();
}
