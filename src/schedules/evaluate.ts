// WHAT DID NOT COME: whether a stream's count in its sliding window is in range, and what to do
// about it. Pure: a stream's state, the times its messages arrived, and now in; the new state,
// the alerts to raise or resolve, and when to look again out. The bree job and `datamer replay`
// both call it, so a replay raises the alerts live operation would have, at the same instants.
//
//   window     the last hour, 24 hours or 30 days
//   range      [max(0, n - v), n + v] messages in the window
//   grace      how long the count may stay out of range before an alert: absorbs a job that runs
//              a little late (late → missing for a while, then excess for as long in the next window);
//              and how long it must stay back in range before the alert resolves, so that a count
//              dipping into range for a few minutes (yesterday's run left the window just before
//              today's came) does not resolve an alert only to raise it again
//   learning   a new stream does not alert before it has been seen for one full window
//   quiet      during a maintenance window and for one full window after it, the jobs did not run
//              normally: the stream raises nothing, as if it were learning again (an open alert
//              still resolves when the count is back)

import type { StreamState } from '../../models/stream.js';
import type { Period, Schedule } from '../classification/tags.js';

export type { StreamState };
export type Condition = 'missing' | 'excess';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const WINDOW_MS: Record<Period, number> = { hour: HOUR, day: DAY, month: 30 * DAY };

/** Defaults: a daily job 30 minutes late stays quiet; one that stopped is reported 2 h after its window. */
export const DEFAULT_GRACE_MS: Record<Period, number> = { hour: 10 * MINUTE, day: 2 * HOUR, month: DAY };

export interface StreamFacts {
  schedule: Schedule;
  firstSeenAt: Date;
  muted: boolean;
  graceMs: number;
  /** the alerts raised and not yet resolved */
  open: Record<Condition, boolean>;
  /** no alert is raised before this instant (maintenance and the window after it); null: none */
  quietUntil?: Date | null;
}

export interface Evaluation {
  state: StreamState;
  /** messages in the window now */
  count: number;
  /** since when the count has been out of range, per condition (null: in range) */
  outSince: Record<Condition, Date | null>;
  /** for an open alert whose count is back in range: since when, while the resolution waits out the grace */
  backSince: Record<Condition, Date | null>;
  raise: Condition[];
  resolve: Condition[];
  /** the next instant the verdict can change without a new message arriving */
  nextCheckAt: Date;
}

/**
 * @param arrivals the stream's arrival times, any order; those older than two windows do not matter
 */
export function evaluate(stream: StreamFacts, arrivals: readonly Date[], now: Date): Evaluation {
  const window = WINDOW_MS[stream.schedule.period];
  const t = now.getTime();
  const times = arrivals.map((d) => d.getTime()).filter((x) => x <= t).sort((a, b) => b - a); // newest first
  const inWindow = times.filter((x) => x > t - window);
  const count = inWindow.length;
  const lo = Math.max(0, stream.schedule.n - stream.schedule.v);
  const hi = stream.schedule.n + stream.schedule.v;

  // When did the count leave the range? Too few: when the lo-th newest arrival left the window
  // (or, with fewer arrivals than that ever, a window after the stream was first seen).
  // Too many: when the (hi+1)-th of the arrivals now in the window came.
  const missingSince = count < lo ? new Date(Math.max((times[lo - 1] ?? -Infinity) + window, stream.firstSeenAt.getTime() + window)) : null;
  const excessSince = count > hi ? new Date(inWindow[count - hi - 1]!) : null;
  const outSince = { missing: missingSince, excess: excessSince };

  const quietUntil = stream.quietUntil?.getTime() ?? null;
  const quiet = quietUntil !== null && t < quietUntil;
  const learning = t < stream.firstSeenAt.getTime() + window;
  const raise: Condition[] = [];
  const resolve: Condition[] = [];
  const backSince: Record<Condition, Date | null> = { missing: null, excess: null };
  const outAt = (condition: Condition, s: number): boolean => {
    const c = countAt(times, window, s);
    return condition === 'excess' ? c > hi : c < lo && s >= stream.firstSeenAt.getTime() + window;
  };
  for (const condition of ['missing', 'excess'] as const) {
    const since = outSince[condition];
    if (since === null) {
      if (!stream.open[condition]) continue;
      // Back in range: resolved once it has stayed in range for the grace. Too few can only get
      // fewer without new mail, so a missing alert resolves at once when the arrivals now in the
      // window keep the count in range for the grace; too many can grow again with any arrival,
      // so an excess alert waits the grace out.
      const back = backInRangeSince(times, window, t, stream.graceMs, (s) => outAt(condition, s));
      const stays = back === null || condition === 'excess' ? 0 : (times[lo - 1] ?? -Infinity) + window - back;
      if (back === null || t - back >= stream.graceMs || stays >= stream.graceMs) resolve.push(condition);
      else backSince[condition] = new Date(back);
    } else if (!stream.open[condition] && !stream.muted && !learning && !quiet && t >= since.getTime() + stream.graceMs) {
      raise.push(condition);
    }
  }

  // The verdict changes when an arrival leaves the window, when a grace ends, or when learning ends.
  const candidates = [
    ...inWindow.map((x) => x + window),
    ...(['missing', 'excess'] as const).flatMap((c) => (outSince[c] && !stream.open[c] ? [outSince[c]!.getTime() + stream.graceMs] : [])),
    ...(['missing', 'excess'] as const).flatMap((c) => (backSince[c] ? [backSince[c]!.getTime() + stream.graceMs] : [])),
    stream.firstSeenAt.getTime() + window,
    // The end of a quiet spell: whatever is out of range by then is alerted at that instant.
    ...(quietUntil !== null ? [quietUntil] : []),
  ].filter((x) => x > t);
  // With nothing pending, look again after a window: a stream that went quiet must be noticed.
  const nextCheckAt = new Date(candidates.length > 0 ? Math.min(...candidates) : t + window);

  const open = (c: Condition) => (stream.open[c] && !resolve.includes(c)) || raise.includes(c);
  const state: StreamState = stream.muted ? 'muted' : open('missing') ? 'missing' : open('excess') ? 'excess' : learning || quiet ? 'learning' : 'ok';
  return { state, count, outSince, backSince, raise, resolve, nextCheckAt };
}

/** Messages in the window ending at instant s: arrivals in (s - window, s]. */
function countAt(times: readonly number[], window: number, s: number): number {
  let c = 0;
  for (const x of times) if (x <= s && x > s - window) c++;
  return c;
}

/**
 * The instant the count last came back into range within the grace before t, or null when it has
 * been in range for the whole grace. The count only changes when an arrival comes (x) or leaves the
 * window (x + window), so checking it just before each of those instants covers every moment.
 */
function backInRangeSince(times: readonly number[], window: number, t: number, grace: number, out: (s: number) => boolean): number | null {
  const changes = [...new Set(times.flatMap((x) => [x, x + window]))].filter((c) => c > t - grace && c <= t).sort((a, b) => b - a);
  for (const c of changes) if (out(c - 1)) return c;
  return null;
}
