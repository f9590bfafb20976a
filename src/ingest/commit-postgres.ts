// On PostgreSQL, classified messages and the rule hits are written by ONE statement
// (data-modifying CTEs), prepared once per connection, and messages that arrive together share it
// (group-commit.ts). In the same transaction, under the tenant's lock, grouping decides where each
// new message goes, and its events and memberships are written by a second statement
// (src/events/grouping-session.ts): with the lock and the commit, four round trips a batch. The
// first statement also reads what grouping compares its memory with. Measured in BENCHMARKS.md.
import { createHash } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import type { Outcome } from '../classification/classifier.js';
import type { Deps } from '../deps.js';
import { groupingKeysOf } from '../correlation/grouping-keys.js';
import { postgresGroupingWriter } from '../events/create.js';
import { groupingTransaction, versionColumns, versionsOf } from '../events/grouping-session.js';
import { eventIdOfMessage } from '../events/events.js';
import { classifiedMessageRow, messageEventColumns, type Committed, type Row } from './commit-rows.js';
import type { Transaction } from 'sequelize';
import { groupCommit } from './group-commit.js';
import type { Prepared } from './store.js';

export interface ClassifiedArrival {
  p: Prepared;
  outcome: Outcome;
}

/** Column types, so the VALUES list is typed as the tables are (parameters arrive untyped). */
const TYPES: Record<string, string> = {
  ord: 'int', tenant_id: 'int', mailbox_id: 'int', raw_size: 'int', deliveries: 'int', raw: 'bytea',
  sent_at: 'timestamptz', received_at: 'timestamptz', classified_at: 'timestamptz', created_at: 'timestamptz',
  to_addresses: 'json', envelope_to: 'json', servers: 'json', schedule: 'json', decided_by: 'json', tag_warnings: 'json',
  triage: 'boolean', hits: 'int[]', signature_id: 'int',
};
const typeOf = (column: string) => TYPES[column.replace(/^e_/, '')] ?? 'text';

/** One input row: its position, the message's columns and the rules it hit. */
function inputRow(ord: number, { p, outcome }: ClassifiedArrival): Row {
  return { ord, ...classifiedMessageRow(p, outcome), hits: `{${outcome.matchedRuleIds.join(',')}}` };
}

function statement(columns: string[], rows: number): string {
  const values = Array.from({ length: rows }, (_, r) => `(${columns.map((c, i) => `$${r * columns.length + i + 1}::${typeOf(c)}`).join(', ')})`);
  const messageColumns = columns.filter((c) => c !== 'ord' && c !== 'hits');
  return `
WITH input (${columns.join(', ')}) AS (
  VALUES ${values.join(',\n    ')}
), m AS (
  INSERT INTO messages (${messageColumns.join(', ')})
  SELECT ${messageColumns.join(', ')} FROM input ORDER BY ord
  ON CONFLICT (tenant_id, dedup_key) DO NOTHING
  RETURNING id, tenant_id, dedup_key
), x AS MATERIALIZED (
  -- A key twice in one batch: the first input row made the message; the second is a re-delivery.
  SELECT first.*, m.id AS message_id
  FROM m JOIN (SELECT DISTINCT ON (tenant_id, dedup_key) * FROM input ORDER BY tenant_id, dedup_key, ord) first
    USING (tenant_id, dedup_key)
), h AS (
  UPDATE rules r SET hits = r.hits + c.n, last_matched_at = c.at
  FROM (SELECT tenant_id, rule_id, count(*) AS n, max(received_at) AS at FROM x, unnest(x.hits) AS rule_id GROUP BY tenant_id, rule_id) c
  WHERE r.tenant_id = c.tenant_id AND r.id = c.rule_id
)
-- Read after the tenants' grouping locks (this statement's snapshot is newer than them): has
-- anyone written their events since this process last looked? One row per tenant at least.
, v AS (SELECT t.id AS tenant_id, ${versionColumns('t')} FROM tenants t WHERE t.id IN (SELECT tenant_id FROM input))
SELECT x.ord, x.message_id, v.tenant_id AS version_of, v.recovery_completes, v.links, v.acts
FROM v LEFT JOIN x ON x.tenant_id = v.tenant_id ORDER BY x.ord`;
}

/** A pg client, as sequelize's connection manager hands it out. */
interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: StatementRow[] }>;
}

/** A message the statement inserted (ord and message_id null: a tenant none of whose messages was new), with its tenant's versions. */
type StatementRow = { ord: number | null; message_id: number | null; version_of: number; recovery_completes: boolean; links: number | null; acts: number | null };

/** A statement's text and the name it is prepared under on every connection. */
interface NamedStatement {
  name: string;
  text: string;
}

/**
 * Built once per batch size (the columns never change), not for every commit: building the text
 * and hashing it for its name showed in profiles at about 0.03 ms of the main thread a message.
 */
const statements = new Map<string, NamedStatement>();

function statementFor(columns: string[], rows: number): NamedStatement {
  const key = `${rows}:${columns.join(',')}`;
  let named = statements.get(key);
  if (!named) {
    const text = statement(columns, rows);
    named = { name: `datamer-commit-${createHash('sha1').update(text).digest('hex').slice(0, 12)}`, text };
    statements.set(key, named);
  }
  return named;
}

/**
 * Runs the statement as a named prepared statement, on the transaction's connection: each
 * connection parses and plans it once per batch size, not per message. Sequelize cannot name
 * statements; this is the one place DaTamer talks to pg directly, on a connection sequelize manages.
 */
function runPrepared(transaction: Transaction, { name, text }: NamedStatement, values: unknown[]) {
  const client = (transaction as unknown as { connection: PgClient }).connection;
  return client.query({ name, text, values });
}

/** A message that was already stored: count the delivery; it belongs to the first copy's event. */
async function countDelivery(deps: Deps, p: Prepared, transaction: Transaction): Promise<number> {
  const [first] = await deps.db.sequelize.query<{ id: number }>(
    'UPDATE messages SET deliveries = deliveries + 1 WHERE tenant_id = $1 AND dedup_key = $2 RETURNING id',
    { type: QueryTypes.SELECT, bind: [p.arrival.tenantId, p.dedupKey], transaction },
  );
  if (!first) throw new Error(`message ${p.dedupKey} was neither inserted nor found`);
  return first.id;
}

/** Commits a batch (all of it, or none); what it did not insert were re-deliveries. */
function commitBatch(deps: Deps, items: ClassifiedArrival[]): Promise<Committed[]> {
  return groupingTransaction(deps, items.map((i) => i.p.arrival.tenantId), async (transaction, grouping) => {
    const at = new Date(Math.min(...items.map((i) => i.p.receivedAt.getTime())));
    const rows = items.map((item, i) => inputRow(i, item));
    const { rows: made } = await runPrepared(transaction, statementFor(Object.keys(rows[0]!), rows.length), rows.flatMap((row) => Object.values(row)));
    await grouping.read(at, new Map(made.map((r) => [Number(r.version_of), versionsOf(r)])));
    const inserted = new Map(made.flatMap((r) => (r.ord === null ? [] : [[r.ord, Number(r.message_id)] as const])));
    for (const [i, { p, outcome }] of items.entries()) {
      const messageId = inserted.get(i);
      if (messageId === undefined) continue;
      grouping.place({ tenantId: p.arrival.tenantId, messageId, keys: groupingKeysOf(outcome, outcome.group), at: p.receivedAt, eventRow: messageEventColumns(p, outcome) });
    }
    const query = (sql: string, bind: unknown[]) => deps.db.sequelize.query<Record<string, unknown>>(sql, { type: QueryTypes.SELECT, bind, transaction });
    await grouping.write(postgresGroupingWriter(query));
    const placed = grouping.placements();
    const result: Committed[] = [];
    // Re-deliveries (rare) only count up the first copy.
    for (const [i, { p }] of items.entries()) {
      const messageId = inserted.get(i);
      if (messageId !== undefined) result.push({ messageId, duplicateOf: null, ...placed.get(messageId)! });
      else {
        const first = await countDelivery(deps, p, transaction);
        result.push({ messageId: first, duplicateOf: first, eventId: placed.get(first)?.eventId ?? (await eventIdOfMessage(deps, p.arrival.tenantId, first, transaction)) });
      }
    }
    return result;
  });
}

/** Stores classified messages with their events, exactly once; resolves after the commit. */
export function commitClassifiedOnPostgres(deps: Deps, items: ClassifiedArrival[]): Promise<Committed[]> {
  // Two statements at once: measured best (BENCHMARKS.md); a third waits and joins the next batch.
  return groupCommit(deps, 'postgres', 2, items, commitBatch);
}
