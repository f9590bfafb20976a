// MAINTENANCE WINDOWS (docs/schedules.md): while a part of the estate is worked on, its jobs do not
// run normally, so its streams raise no schedule alerts; and because their sliding windows still
// hold the disturbed stretch afterwards, they stay quiet for one full window after the
// maintenance ended, as if learning again. The evaluator gets this as `quietUntil`; an alert that
// was already open is not touched: it resolves when the count is back.
import { Op, type Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import { DatamerError } from '../errors.js';
import { isOrgPattern, orgMatches } from '../org-paths.js';
import type { MaintenanceWindow } from '../../models/index.js';

/** The times of a window that matter to the evaluator. */
export interface MaintenanceSpan {
  startsAt: Date;
  endsAt: Date;
  /** ended early */
  endedAt: Date | null;
}

export type MaintenanceStatus = 'upcoming' | 'active' | 'over' | 'ended early' | 'cancelled';

/** A stream key always has `|` in it (org=…|svr=…|from=…|per=…); an org pattern never does. */
const isStreamKey = (scope: string) => scope.includes('|');

/** Does a window's scope (an org pattern, or a stream key) cover this stream? */
export function coversStream(scope: string, stream: { key: string; org: string | null }): boolean {
  if (isStreamKey(scope)) return scope === stream.key;
  // `*` is everything, streams without an org included.
  if (scope === '*') return true;
  return stream.org !== null && orgMatches(scope, stream.org);
}

/**
 * Imported history is quiet like a maintenance window that ended when the import was taken in
 * (docs/schedules.md): a window reaching into it raises nothing, so an import of last month's mail
 * pages nobody about last month; a stream still out of range a window later is alerted then.
 */
export function historySpan(stream: { historyUntil: Date | null }): MaintenanceSpan[] {
  return stream.historyUntil ? [{ startsAt: new Date(0), endsAt: stream.historyUntil, endedAt: null }] : [];
}

/** When a window really ended: its planned end, or earlier if it was ended early. */
export const endOf = (w: MaintenanceSpan): Date => (w.endedAt && w.endedAt < w.endsAt ? w.endedAt : w.endsAt);

/**
 * Until when a stream with this window length is quiet at `at`, given the windows that cover it:
 * the latest end plus one window among those begun by then; null when none applies.
 */
export function quietUntilAt(spans: readonly MaintenanceSpan[], windowMs: number, at: Date): Date | null {
  let until: number | null = null;
  for (const w of spans) {
    if (w.startsAt > at) continue;
    const end = endOf(w);
    if (end <= w.startsAt) continue; // ended before it began: cancelled
    const quiet = end.getTime() + windowMs;
    if (quiet > at.getTime() && (until === null || quiet > until)) until = quiet;
  }
  return until === null ? null : new Date(until);
}

export function statusOf(w: MaintenanceSpan, now: Date): MaintenanceStatus {
  if (w.endedAt && w.endedAt <= w.startsAt) return 'cancelled';
  if (now < w.startsAt) return 'upcoming';
  if (now < endOf(w)) return 'active';
  return w.endedAt && w.endedAt < w.endsAt ? 'ended early' : 'over';
}

/**
 * The windows that can still make a stream quiet at or after `since` (begun by `until`), per
 * tenant. A window matters until one window (at most 30 days) after its end.
 */
export async function windowsFor(deps: Deps, tenantIds: readonly number[], since: Date, until: Date): Promise<Map<number, MaintenanceWindow[]>> {
  const byTenant = new Map<number, MaintenanceWindow[]>();
  if (tenantIds.length === 0) return byTenant;
  const rows = await deps.db.models.MaintenanceWindow.findAll({
    where: { tenantId: [...new Set(tenantIds)], startsAt: { [Op.lte]: until }, endsAt: { [Op.gt]: new Date(since.getTime() - 30 * 24 * 3_600_000) } },
    order: [['id', 'ASC']],
  });
  for (const w of rows) byTenant.set(w.tenantId, [...(byTenant.get(w.tenantId) ?? []), w]);
  return byTenant;
}

/**
 * Makes the evaluator look at these streams at its next pass (next_check_at = now), so a change
 * to them counts at once. One already due keeps its earlier instant: the evaluator must still
 * step through what happened since.
 */
export async function wakeStreams(deps: Deps, tenantId: number, streamIds: readonly number[], transaction?: Transaction): Promise<void> {
  const now = deps.clock.now();
  const CHUNK = 500;
  for (let i = 0; i < streamIds.length; i += CHUNK) {
    await deps.db.models.Stream.update(
      { nextCheckAt: now },
      { where: { tenantId, id: streamIds.slice(i, i + CHUNK), nextCheckAt: { [Op.gt]: now } }, transaction },
    );
  }
}

/** The streams of a tenant a scope covers. */
async function streamsCovered(deps: Deps, tenantId: number, scope: string, transaction: Transaction | undefined): Promise<number[]> {
  const where = isStreamKey(scope) ? { tenantId, key: scope } : { tenantId };
  const streams = await deps.db.models.Stream.findAll({ where, attributes: ['id', 'key', 'org'], transaction });
  return streams.filter((s) => coversStream(scope, s)).map((s) => s.id);
}

export interface NewMaintenance {
  scope: string;
  startsAt: Date;
  endsAt: Date;
  reason: string;
  createdBy: string;
}

/** Checks a scope: an org pattern (lower-cased) or the key of one of the tenant's streams. */
async function checkedScope(deps: Deps, tenantId: number, scope: string, transaction: Transaction | undefined): Promise<string> {
  const s = scope.trim();
  if (isStreamKey(s)) {
    const stream = await deps.db.models.Stream.findOne({ where: { tenantId, key: s }, attributes: ['id'], transaction });
    if (!stream) throw new DatamerError('NOT_FOUND', `scope "${s}": no stream has that key (see: datamer stream list)`);
    return s;
  }
  if (!isOrgPattern(s.toLowerCase())) {
    throw new DatamerError('INPUT_INVALID', `scope "${s}" is neither an org pattern (a.b.c, a.b.*, *) nor a stream key (org=…|svr=…|from=…|per=…)`);
  }
  return s.toLowerCase();
}

export async function addMaintenance(deps: Deps, tenantId: number, input: NewMaintenance, transaction?: Transaction): Promise<{ window: MaintenanceWindow; streams: number }> {
  const scope = await checkedScope(deps, tenantId, input.scope, transaction);
  if (Number.isNaN(input.startsAt.getTime()) || Number.isNaN(input.endsAt.getTime())) throw new DatamerError('INPUT_INVALID', 'a maintenance window needs a valid start and end');
  if (input.endsAt <= input.startsAt) throw new DatamerError('INPUT_INVALID', `a maintenance window must end after it starts (${input.startsAt.toISOString()} → ${input.endsAt.toISOString()})`);
  const reason = input.reason.trim();
  if (!reason) throw new DatamerError('INPUT_INVALID', 'a maintenance window needs a reason');
  const window = await deps.db.models.MaintenanceWindow.create({
    tenantId, scope, startsAt: input.startsAt, endsAt: input.endsAt, reason, createdBy: input.createdBy, createdAt: deps.clock.now(),
  }, { transaction });
  const streams = await streamsCovered(deps, tenantId, scope, transaction);
  await wakeStreams(deps, tenantId, streams, transaction);
  return { window, streams: streams.length };
}

/** Newest first. */
export function listMaintenance(deps: Deps, tenantId: number): Promise<MaintenanceWindow[]> {
  return deps.db.models.MaintenanceWindow.findAll({ where: { tenantId }, order: [['startsAt', 'DESC'], ['id', 'DESC']] });
}

export async function findMaintenance(deps: Deps, tenantId: number, id: number, transaction?: Transaction): Promise<MaintenanceWindow> {
  const w = await deps.db.models.MaintenanceWindow.findOne({ where: { tenantId, id }, transaction });
  if (!w) throw new DatamerError('NOT_FOUND', `no maintenance window ${id} (see: datamer maintenance list)`);
  return w;
}

/** Ends a window now (an upcoming one is cancelled); its streams are looked at again at once. */
export async function endMaintenance(deps: Deps, tenantId: number, id: number, transaction?: Transaction): Promise<{ window: MaintenanceWindow; streams: number }> {
  const window = await findMaintenance(deps, tenantId, id, transaction);
  const now = deps.clock.now();
  const status = statusOf(window, now);
  if (status !== 'active' && status !== 'upcoming') throw new DatamerError('CONFLICT', `maintenance window ${id} is already ${status === 'over' ? 'over' : status}`);
  await window.update({ endedAt: now }, { transaction });
  const streams = await streamsCovered(deps, tenantId, window.scope, transaction);
  await wakeStreams(deps, tenantId, streams, transaction);
  return { window, streams: streams.length };
}
