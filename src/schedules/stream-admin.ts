// What people do with streams: look at them, name them, mute them, choose how loud their missing
// alerts are, delete them. A change that matters to the evaluator wakes the stream
// (next_check_at = now), so the next pass takes it into account.
import { Op, col, fn, type Transaction } from 'sequelize';
import type { Period, Severity } from '../classification/tags.js';
import { within } from '../db.js';
import type { Deps } from '../deps.js';
import { DatamerError } from '../errors.js';
import { completeIfOpen, setEventSeverity } from '../events/change.js';
import type { ActivityVia, Stream } from '../../models/index.js';
import { WINDOW_MS, type Condition, type StreamState } from './evaluate.js';
import { coversStream, historySpan, quietUntilAt, wakeStreams, windowsFor } from './maintenance.js';
import { streamsOf } from './streams.js';

export const SEVERITIES: readonly Severity[] = ['info', 'warn', 'critical'];

export interface StreamSummary {
  id: number;
  key: string;
  label: string | null;
  org: string | null;
  servers: string[];
  from: string;
  period: Period;
  n: number;
  v: number;
  /** messages in the window ending now */
  count: number;
  firstSeenAt: string;
  lastSeenAt: string;
  /** the verdict of the last evaluation (at most a minute old); `muted` as soon as it is muted */
  state: StreamState;
  muted: boolean;
  missingSeverity: string;
  openAlerts: Array<{ eventId: number; condition: Condition }>;
  /** no alert before this instant: a maintenance window, or imported history, and one window after it */
  quietUntil: string | null;
  /** what makes it quiet until then */
  quietFor: 'maintenance' | 'imported history' | null;
}

export interface StreamDetail extends StreamSummary {
  /** the messages in the window ending now, oldest first */
  messages: Array<{ id: number; messageId: string | null; receivedAt: string; subject: string | null }>;
}

export interface Actor {
  actor: string;
  via: ActivityVia;
}

/** A stream by its id (`12` or `#12`), its key, or its label. */
export async function findStream(deps: Deps, tenantId: number, ref: string, transaction?: Transaction): Promise<Stream> {
  const { Stream } = deps.db.models;
  const id = /^#?(\d+)$/.exec(ref.trim());
  if (id) {
    const byId = await Stream.findOne({ where: { tenantId, id: Number(id[1]) }, transaction });
    if (byId) return byId;
  }
  const byKey = await Stream.findOne({ where: { tenantId, key: ref }, transaction });
  if (byKey) return byKey;
  const byLabel = await Stream.findAll({ where: { tenantId, label: ref }, limit: 2, transaction });
  if (byLabel.length === 1) return byLabel[0]!;
  if (byLabel.length > 1) throw new DatamerError('CONFLICT', `several streams are labelled "${ref}": name it by its id (see: datamer stream list)`);
  throw new DatamerError('NOT_FOUND', `no stream "${ref}" (name a stream by its id, key or label; see: datamer stream list)`);
}

/** Messages per stream key in the windows ending now: one grouped query per period. */
async function countsNow(deps: Deps, tenantId: number, now: Date): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const period of Object.keys(WINDOW_MS) as Period[]) {
    const rows = (await deps.db.models.Message.findAll({
      attributes: [[col('stream_key'), 'key'], [fn('COUNT', col('id')), 'n']],
      where: { tenantId, streamKey: { [Op.like]: `%|per=${period}` }, receivedAt: { [Op.gt]: new Date(now.getTime() - WINDOW_MS[period]), [Op.lte]: now } },
      group: [col('stream_key')],
      raw: true,
    })) as unknown as Array<{ key: string; n: number | string }>;
    for (const r of rows) counts.set(r.key, Number(r.n));
  }
  return counts;
}

interface Quiet {
  until: Date | null;
  why: StreamSummary['quietFor'];
}

function summaryOf(s: Stream, count: number, quiet: Quiet): StreamSummary {
  const openAlerts: StreamSummary['openAlerts'] = [];
  if (s.missingEventId !== null) openAlerts.push({ eventId: s.missingEventId, condition: 'missing' });
  if (s.excessEventId !== null) openAlerts.push({ eventId: s.excessEventId, condition: 'excess' });
  return {
    id: s.id, key: s.key, label: s.label, org: s.org, servers: s.servers, from: s.fromAddress, period: s.period, n: s.n, v: s.v, count,
    firstSeenAt: s.firstSeenAt.toISOString(), lastSeenAt: s.lastSeenAt.toISOString(),
    state: s.muted ? 'muted' : s.state, muted: s.muted, missingSeverity: s.missingSeverity, openAlerts,
    quietUntil: quiet.until?.toISOString() ?? null,
    quietFor: quiet.why,
  };
}

async function quietNow(deps: Deps, tenantId: number, now: Date): Promise<(s: Stream) => Quiet> {
  const windows = (await windowsFor(deps, [tenantId], now, now)).get(tenantId) ?? [];
  return (s) => {
    const maintenance = quietUntilAt(windows.filter((w) => coversStream(w.scope, s)), WINDOW_MS[s.period], now);
    const history = quietUntilAt(historySpan(s), WINDOW_MS[s.period], now);
    if (history && (!maintenance || history > maintenance)) return { until: history, why: 'imported history' };
    return { until: maintenance, why: maintenance ? 'maintenance' : null };
  };
}

/** The tenant's streams, by key. */
export async function streamSummaries(deps: Deps, tenantId: number): Promise<StreamSummary[]> {
  const now = deps.clock.now();
  const [streams, counts, quiet] = await Promise.all([streamsOf(deps, tenantId), countsNow(deps, tenantId, now), quietNow(deps, tenantId, now)]);
  return streams.map((s) => summaryOf(s, counts.get(s.key) ?? 0, quiet(s)));
}

export async function streamDetail(deps: Deps, tenantId: number, ref: string): Promise<StreamDetail> {
  const now = deps.clock.now();
  const stream = await findStream(deps, tenantId, ref);
  const messages = await deps.db.models.Message.findAll({
    where: { tenantId, streamKey: stream.key, receivedAt: { [Op.gt]: new Date(now.getTime() - WINDOW_MS[stream.period]), [Op.lte]: now } },
    attributes: ['id', 'messageIdHeader', 'receivedAt', 'subject'],
    order: [['receivedAt', 'ASC'], ['id', 'ASC']],
  });
  const quiet = await quietNow(deps, tenantId, now);
  return {
    ...summaryOf(stream, messages.length, quiet(stream)),
    messages: messages.map((m) => ({ id: m.id, messageId: m.messageIdHeader, receivedAt: m.receivedAt.toISOString(), subject: m.subject })),
  };
}

/** Sets the label shown beside the key; an empty label removes it. Labels name one stream each. */
export async function renameStream(deps: Deps, tenantId: number, ref: string, label: string, transaction?: Transaction): Promise<Stream> {
  const stream = await findStream(deps, tenantId, ref, transaction);
  const name = label.trim();
  if (name.length > 200) throw new DatamerError('INPUT_INVALID', 'a stream label is at most 200 characters');
  if (/^#?\d+$/.test(name)) throw new DatamerError('INPUT_INVALID', `"${name}" would read as a stream id; choose a label with a letter in it`);
  if (name) {
    const taken = await deps.db.models.Stream.findOne({ where: { tenantId, label: name, id: { [Op.ne]: stream.id } }, transaction });
    if (taken) throw new DatamerError('CONFLICT', `stream ${taken.id} is already labelled "${name}"`);
  }
  return stream.update({ label: name || null }, { transaction });
}

export async function setStreamMuted(deps: Deps, tenantId: number, ref: string, muted: boolean, transaction?: Transaction): Promise<Stream> {
  const stream = await findStream(deps, tenantId, ref, transaction);
  await stream.update({ muted }, { transaction });
  await wakeStreams(deps, tenantId, [stream.id], transaction);
  return stream.reload({ transaction });
}

/** The stream's own grace period (null: back to its period's). */
export async function setStreamGrace(deps: Deps, tenantId: number, ref: string, graceMs: number | null, transaction?: Transaction): Promise<Stream> {
  const stream = await findStream(deps, tenantId, ref, transaction);
  await stream.update({ graceMs }, { transaction });
  await wakeStreams(deps, tenantId, [stream.id], transaction);
  return stream.reload({ transaction });
}

/**
 * The severity of the stream's missing alerts: those raised from now on, and the one open now
 * (the change is in its activity log).
 */
export async function setMissingSeverity(deps: Deps, tenantId: number, ref: string, severity: string, by: Actor, outer?: Transaction): Promise<Stream> {
  if (!SEVERITIES.includes(severity as Severity)) throw new DatamerError('INPUT_INVALID', `severity "${severity}": choose info, warn or critical`);
  return within(deps.db, outer, async (transaction) => {
    const s = await findStream(deps, tenantId, ref, transaction);
    await s.update({ missingSeverity: severity }, { transaction });
    if (s.missingEventId !== null) await setEventSeverity(deps, tenantId, s.missingEventId, severity, by, transaction);
    await wakeStreams(deps, tenantId, [s.id], transaction);
    return s.reload({ transaction });
  });
}

/**
 * Removes a stream and completes its open alerts. Its messages stay; if its job mails again, the
 * stream comes back as a new one (learning). Mute a stream to silence it for good.
 */
export async function deleteStream(deps: Deps, tenantId: number, ref: string, by: Actor, outer?: Transaction): Promise<{ stream: Stream; closed: number[] }> {
  return within(deps.db, outer, async (transaction) => {
    const stream = await findStream(deps, tenantId, ref, transaction);
    const closed: number[] = [];
    for (const eventId of [stream.missingEventId, stream.excessEventId]) {
      if (eventId === null) continue;
      if (await completeIfOpen(deps, tenantId, eventId, `stream ${stream.label ?? stream.key} deleted`, by, transaction)) closed.push(eventId);
    }
    await stream.destroy({ transaction });
    return { stream, closed };
  });
}
