// Streams as the database keeps them. New arrivals are taken in incrementally (by message id,
// idempotently), so ingest stays one commit and a crash can only delay, never lose, a count:
// the messages table is the record of what arrived; a stream row is derived from it.
import { Op } from 'sequelize';
import type { Period } from '../classification/tags.js';
import type { Deps } from '../deps.js';
import type { Stream } from '../../models/index.js';

const CURSOR = 'streams';
const BATCH = 5_000;
/**
 * A message is settled once this long has passed since it arrived: no transaction stays open so
 * long, so no message with a smaller id can still appear. The cursor moves only past settled ones;
 * newer ones are taken in again next time (the upsert is idempotent).
 */
const SETTLE_MS = 60_000;

function parseKey(key: string): { org: string | null; servers: string[]; from: string; period: Period } {
  const parts = Object.fromEntries(key.split('|').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
  return { org: parts.org || null, servers: parts.svr ? parts.svr.split(',') : [], from: parts.from ?? '', period: (parts.per ?? 'day') as Period };
}

/** Takes in messages that arrived since the last call; returns how many it looked at. */
export async function syncStreams(deps: Deps): Promise<number> {
  const { Message, Stream, JobCursor } = deps.db.models;
  const now = deps.clock.now();
  const cursor = (await JobCursor.findByPk(CURSOR))?.position ?? 0;
  let seen = 0;
  let settled = cursor;
  let after = cursor;
  for (;;) {
    const arrivals = await Message.findAll({
      where: { id: { [Op.gt]: after }, streamKey: { [Op.ne]: null } },
      attributes: ['id', 'tenantId', 'streamKey', 'schedule', 'receivedAt', 'source'],
      order: [['id', 'ASC']],
      limit: BATCH,
    });
    if (arrivals.length === 0) break;
    seen += arrivals.length;
    after = arrivals[arrivals.length - 1]!.id;

    const byStream = new Map<string, typeof arrivals>();
    for (const m of arrivals) {
      const k = `${m.tenantId}\u0000${m.streamKey}`;
      byStream.set(k, [...(byStream.get(k) ?? []), m]);
      if (m.id === settled + 1 || m.receivedAt.getTime() <= now.getTime() - SETTLE_MS) settled = Math.max(settled, m.id);
    }
    await deps.db.transaction(async (transaction) => {
      for (const group of byStream.values()) {
        const first = group[0]!;
        const latest = group.reduce((a, b) => (b.receivedAt > a.receivedAt ? b : a));
        const earliest = group.reduce((a, b) => (b.receivedAt < a.receivedAt ? b : a)).receivedAt;
        const schedule = latest.schedule!;
        // History brought in by `datamer import` (docs/schedules.md): the stream's past up to now is
        // known only from it, so no window reaching into it raises an alert.
        const history = group.some((m) => m.source === 'import') ? now : null;
        const existing = await Stream.findOne({ where: { tenantId: first.tenantId, key: first.streamKey! }, transaction });
        if (existing) {
          await existing.update(
            {
              n: schedule.n,
              v: schedule.v,
              lastSeenAt: latest.receivedAt > existing.lastSeenAt ? latest.receivedAt : existing.lastSeenAt,
              // Look again from the first new arrival on: it may end a missing alert then.
              nextCheckAt: earliest < existing.nextCheckAt ? earliest : existing.nextCheckAt,
              ...(history && !(existing.historyUntil && existing.historyUntil > history) ? { historyUntil: history } : {}),
            },
            { transaction },
          );
        } else {
          const { org, servers, from } = parseKey(first.streamKey!);
          await Stream.create(
            {
              tenantId: first.tenantId, key: first.streamKey!, org, servers, fromAddress: from, period: schedule.period, n: schedule.n, v: schedule.v,
              missingSeverity: 'warn', muted: false, state: 'learning', count: 0,
              firstSeenAt: earliest, lastSeenAt: latest.receivedAt, nextCheckAt: earliest, historyUntil: history, createdAt: now,
            },
            { transaction },
          );
        }
      }
    });
  }
  // Messages in order with no gap are settled at once; the cursor never passes an unsettled one.
  if (settled > cursor) await JobCursor.upsert({ name: CURSOR, position: settled });
  return seen;
}

export function streamsOf(deps: Deps, tenantId: number): Promise<Stream[]> {
  return deps.db.models.Stream.findAll({ where: { tenantId }, order: [['key', 'ASC']] });
}
