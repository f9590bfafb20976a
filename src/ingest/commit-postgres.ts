// On PostgreSQL, a classified message, its event, the link between them and its rule hits are
// written by ONE statement (data-modifying CTEs): one round trip before the SMTP 250 instead of
// six. Measured in BENCHMARKS.md; it is what keeps storing safely within half the speed of SMTP.
import { createHash } from 'node:crypto';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Outcome } from '../classification/classifier.js';
import type { Deps } from '../deps.js';
import { eventIdOfMessage } from '../events/events.js';
import { classifiedMessageRow, messageEventColumns, type Committed, type Row } from './commit-rows.js';
import type { Prepared } from './store.js';

/** `$1, $2, …` for the row's values, numbered from `from`. */
const placeholders = (row: Row, from: number) => Object.keys(row).map((_, i) => `$${from + i}`).join(', ');

function statement(message: Row, event: Row): string {
  const m = Object.keys(message);
  const e = Object.keys(event);
  const at = `$${m.indexOf('received_at') + 1}`;
  const tenant = `$${m.indexOf('tenant_id') + 1}`;
  const hits = `$${m.length + e.length + 1}`;
  return `
WITH m AS (
  INSERT INTO messages (${m.join(', ')}) VALUES (${placeholders(message, 1)})
  ON CONFLICT (tenant_id, dedup_key) DO NOTHING
  RETURNING id
), e AS (
  INSERT INTO events (${e.join(', ')}) SELECT ${placeholders(event, m.length + 1)} FROM m
  RETURNING id
), l AS (
  INSERT INTO event_messages (tenant_id, event_id, message_id, created_at) SELECT ${tenant}, e.id, m.id, ${at} FROM e, m
), h AS (
  UPDATE rules SET hits = hits + 1, last_matched_at = ${at}
  WHERE tenant_id = ${tenant} AND id = ANY(${hits}::int[]) AND EXISTS (SELECT 1 FROM m)
)
SELECT (SELECT id FROM m) AS message_id, (SELECT id FROM e) AS event_id`;
}

/** A pg client, as sequelize's connection manager hands it out. */
interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: Array<{ message_id: number | null; event_id: number | null }> }>;
}
interface ConnectionManager {
  getConnection(options: { type: 'write' }): Promise<PgClient>;
  releaseConnection(client: PgClient): Promise<void>;
}

/**
 * The statement is the same for every message, so it runs as a named prepared statement: each
 * connection parses and plans it once, not per message. Sequelize cannot name statements; this is
 * the one place DaTamer talks to pg directly, on a connection sequelize manages.
 */
async function runPrepared(deps: Deps, text: string, values: unknown[], transaction?: Transaction) {
  const name = `datamer-commit-${createHash('sha1').update(text).digest('hex').slice(0, 12)}`;
  if (transaction) return ((transaction as unknown as { connection: PgClient }).connection).query({ name, text, values });
  const manager = deps.db.sequelize.connectionManager as unknown as ConnectionManager;
  const client = await manager.getConnection({ type: 'write' });
  try {
    return await client.query({ name, text, values });
  } finally {
    await manager.releaseConnection(client);
  }
}

async function commitOne(deps: Deps, p: Prepared, outcome: Outcome, transaction?: Transaction): Promise<Committed> {
  const message = classifiedMessageRow(p, outcome);
  const event = messageEventColumns(p, outcome);
  const values = [...Object.values(message), ...Object.values(event), `{${outcome.matchedRuleIds.join(',')}}`];
  const { rows: [row] } = await runPrepared(deps, statement(message, event), values, transaction);
  if (row?.message_id != null) return { messageId: row.message_id, duplicateOf: null, eventId: row.event_id };

  // Already stored: count the delivery; the copy belongs to the first one's event.
  const [first] = await deps.db.sequelize.query<{ id: number }>(
    'UPDATE messages SET deliveries = deliveries + 1 WHERE tenant_id = $1 AND dedup_key = $2 RETURNING id',
    { type: QueryTypes.SELECT, transaction, bind: [p.arrival.tenantId, p.dedupKey] },
  );
  if (!first) throw new Error(`message ${p.dedupKey} was neither inserted nor found`);
  return { messageId: first.id, duplicateOf: first.id, eventId: await eventIdOfMessage(deps, p.arrival.tenantId, first.id, transaction) };
}

/** Stores classified messages with their events: one statement each; several together in one transaction. */
export async function commitClassifiedOnPostgres(deps: Deps, items: Array<{ p: Prepared; outcome: Outcome }>): Promise<Committed[]> {
  if (items.length === 1) return [await commitOne(deps, items[0]!.p, items[0]!.outcome)];
  return deps.db.transaction(async (transaction) => {
    const out: Committed[] = [];
    for (const { p, outcome } of items) out.push(await commitOne(deps, p, outcome, transaction));
    return out;
  });
}
