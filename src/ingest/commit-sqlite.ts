// On SQLite, a classified message, its event (when it opens one) and its membership are plain
// INSERTs, in one transaction with whatever else arrived meanwhile (group-commit.ts); where each
// message goes is decided in that transaction (src/events/grouping-session.ts).
// SQLite has no data-modifying CTEs; it is in-process, so what matters is not round trips but
// the ORM's work per statement, which raw statements skip (about half the time per message;
// BENCHMARKS.md).
import { QueryTypes, type Transaction } from 'sequelize';
import type { Outcome } from '../classification/classifier.js';
import type { Deps } from '../deps.js';
import { sqliteGroupingWriter } from '../events/create.js';
import { groupingTransaction, type GroupingSession } from '../events/grouping-session.js';
import { groupingKeysOf } from '../correlation/grouping-keys.js';
import { eventIdOfMessage } from '../events/events.js';
import { classifiedMessageRow, messageEventColumns, type Committed, type Row } from './commit-rows.js';
import { groupCommit } from './group-commit.js';
import type { Prepared } from './store.js';

/** Dates as sequelize writes them on SQLite, so they sort and compare with every other date. */
export function sqliteDate(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', ' +00:00');
}

function values(row: Row): Array<string | number | Buffer | null> {
  return Object.values(row).map((v) => (v instanceof Date ? sqliteDate(v) : typeof v === 'boolean' ? Number(v) : v));
}

function insert(table: string, row: Row, suffix = ''): string {
  const columns = Object.keys(row);
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})${suffix}`;
}

/** What sequelize answers a raw INSERT with on SQLite: the new rowid and how many rows changed. */
type RunResult = [lastId: number, changes: number];

/** A message stored, or found stored already (its event is known once the batch's grouping is written). */
type Stored = { messageId: number; duplicateOf: number | null };

async function storeOne(deps: Deps, p: Prepared, outcome: Outcome, session: GroupingSession, transaction: Transaction): Promise<Stored> {
  const query = (sql: string, bind: unknown[]) => deps.db.sequelize.query(sql, { type: QueryTypes.INSERT, transaction, bind }) as unknown as Promise<RunResult>;
  const { tenantId } = p.arrival;
  const message = classifiedMessageRow(p, outcome);
  const [messageId, inserted] = await query(insert('messages', message, ' ON CONFLICT (tenant_id, dedup_key) DO NOTHING'), values(message));
  if (inserted === 0) {
    await query('UPDATE messages SET deliveries = deliveries + 1 WHERE tenant_id = $1 AND dedup_key = $2', [tenantId, p.dedupKey]);
    const [first] = await deps.db.sequelize.query<{ id: number }>('SELECT id FROM messages WHERE tenant_id = $1 AND dedup_key = $2', {
      type: QueryTypes.SELECT,
      transaction,
      bind: [tenantId, p.dedupKey],
    });
    return { messageId: first!.id, duplicateOf: first!.id };
  }
  session.place({ tenantId, messageId, keys: groupingKeysOf(outcome, outcome.group), at: p.receivedAt, eventRow: messageEventColumns(p, outcome) });
  const at = sqliteDate(p.receivedAt);
  if (outcome.matchedRuleIds.length > 0) {
    const ids = outcome.matchedRuleIds.map((id) => Number(id)).join(', ');
    await query(`UPDATE rules SET hits = hits + 1, last_matched_at = $1 WHERE tenant_id = $2 AND id IN (${ids})`, [at, tenantId]);
  }
  return { messageId, duplicateOf: null };
}

function commitBatch(deps: Deps, items: Array<{ p: Prepared; outcome: Outcome }>): Promise<Committed[]> {
  return groupingTransaction(deps, items.map((i) => i.p.arrival.tenantId), async (transaction, grouping) => {
    await grouping.read(new Date(Math.min(...items.map((i) => i.p.receivedAt.getTime()))));
    const stored: Stored[] = [];
    for (const { p, outcome } of items) stored.push(await storeOne(deps, p, outcome, grouping, transaction));
    const query = (sql: string, bind: unknown[]) => deps.db.sequelize.query(sql, { type: QueryTypes.INSERT, transaction, bind }) as unknown as Promise<RunResult>;
    await grouping.write(sqliteGroupingWriter(async (table, row) => (await query(insert(table, row), values(row)))[0]));
    const placed = grouping.placements();
    const result: Committed[] = [];
    for (const [i, s] of stored.entries()) {
      const here = placed.get(s.messageId);
      const eventId = here?.eventId ?? (await eventIdOfMessage(deps, items[i]!.p.arrival.tenantId, s.messageId, transaction));
      result.push({ ...s, eventId, reason: s.duplicateOf === null ? (here?.reason ?? null) : null, opened: s.duplicateOf === null && here?.opened === true });
    }
    return result;
  });
}

/** Stores classified messages with their events, exactly once; resolves after the commit. */
export function commitClassifiedOnSqlite(deps: Deps, items: Array<{ p: Prepared; outcome: Outcome }>): Promise<Committed[]> {
  // SQLite has one writer: one transaction at a time, and whatever arrived meanwhile goes in the next.
  return groupCommit(deps, 'sqlite', 1, items, commitBatch);
}
