// What a stream's page says beyond its state (docs/schedules.md): until when it is still
// learning, and when its next alert would fall due if nothing more arrived (or, for too many,
// if the count stayed as it is). The same arithmetic as evaluate.ts, looking forward from now.
import { Op } from 'sequelize';
import type { Period } from '../classification/tags.js';
import type { Deps } from '../deps.js';
import type { Stream } from '../../models/index.js';
import { DEFAULT_GRACE_MS, WINDOW_MS, type Condition } from './evaluate.js';
import { graceOf } from './tick.js';

export interface OutlookFacts {
  period: Period;
  n: number;
  v: number;
  firstSeenAt: Date;
  muted: boolean;
  graceMs: number;
  open: Record<Condition, boolean>;
  quietUntil: Date | null;
}

export interface Outlook {
  /** the end of its first full window, while that is ahead */
  learningUntil: Date | null;
  /** the next alert, if nothing changes; null when none can fall due (muted, or both already open) */
  next: { condition: Condition; at: Date } | null;
  /** a count of 0 is in range (N − V ≤ 0): it can never be missing */
  neverMissing: boolean;
}

/** Pure. `newest`: the stream's arrivals, newest first (at least the N + V + 1 newest in the window). */
export function outlookOf(s: OutlookFacts, newest: readonly Date[], now: Date): Outlook {
  const window = WINDOW_MS[s.period];
  const t = now.getTime();
  const learningEnd = s.firstSeenAt.getTime() + window;
  const lo = Math.max(0, s.n - s.v);
  const hi = s.n + s.v;
  const times = newest.map((d) => d.getTime()).filter((x) => x <= t);
  const inWindow = times.filter((x) => x > t - window);
  // Nothing is raised while learning or quiet (maintenance): an alert then falls due at its end.
  const notBefore = Math.max(learningEnd, s.quietUntil?.getTime() ?? -Infinity);
  const due: Array<{ condition: Condition; at: number }> = [];
  if (!s.muted && !s.open.missing && lo > 0) {
    // The count falls (or fell) below N − V when the (N − V)-th newest arrival left the window.
    const since = Math.max((times[lo - 1] ?? -Infinity) + window, learningEnd);
    due.push({ condition: 'missing', at: Math.max(since + s.graceMs, notBefore) });
  }
  if (!s.muted && !s.open.excess && inWindow.length > hi) {
    const since = inWindow[inWindow.length - hi - 1]!;
    due.push({ condition: 'excess', at: Math.max(since + s.graceMs, notBefore) });
  }
  const first = due.sort((a, b) => a.at - b.at)[0];
  return {
    learningUntil: learningEnd > t ? new Date(learningEnd) : null,
    next: first ? { condition: first.condition, at: new Date(Math.max(first.at, t)) } : null,
    neverMissing: lo === 0,
  };
}

export interface StreamMessage {
  id: number;
  subject: string | null;
  receivedAt: Date;
}

/** The stream's latest messages, newest first: enough for its outlook, and at least `shown`. */
export function latestMessages(deps: Deps, stream: Stream, shown = 10): Promise<StreamMessage[]> {
  return deps.db.models.Message.findAll({
    where: { tenantId: stream.tenantId, streamKey: stream.key, receivedAt: { [Op.lte]: deps.clock.now() } },
    attributes: ['id', 'subject', 'receivedAt'],
    order: [['receivedAt', 'DESC'], ['id', 'DESC']],
    limit: Math.max(shown, stream.n + stream.v + 1),
  });
}

export function streamOutlook(stream: Stream, latest: readonly StreamMessage[], quietUntil: Date | null, now: Date, grace: Record<Period, number> = DEFAULT_GRACE_MS): Outlook {
  return outlookOf(
    {
      period: stream.period, n: stream.n, v: stream.v, firstSeenAt: stream.firstSeenAt, muted: stream.muted, graceMs: graceOf(stream, grace),
      open: { missing: stream.missingEventId !== null, excess: stream.excessEventId !== null }, quietUntil,
    },
    latest.map((m) => m.receivedAt),
    now,
  );
}
