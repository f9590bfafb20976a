// A count out of a total, the unit of most lines of the score report.

export interface Share {
  count: number;
  of: number;
  /** count ÷ of, or null when there was nothing to count (of = 0) */
  share: number | null;
}

export function share(count: number, of: number): Share {
  return { count, of, share: of === 0 ? null : count / of };
}
