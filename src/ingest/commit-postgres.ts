// On PostgreSQL, classified messages, their events, the links between them and the rule hits are
// written by ONE statement (data-modifying CTEs), prepared once per connection: one round trip
// before the SMTP 250 instead of six, and messages that arrive together share it (group-commit.ts).
// Measured in BENCHMARKS.md.
import { createHash } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import type { Outcome } from '../classification/classifier.js';
import type { Deps } from '../deps.js';
import { messageEventCtes } from '../events/create.js';
import { eventIdOfMessage } from '../events/events.js';
import { classifiedMessageRow, messageEventColumns, type Committed, type Row } from './commit-rows.js';
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

/** One input row: its position, the message's columns, the event's (prefixed e_) and the rules it hit. */
function inputRow(ord: number, { p, outcome }: ClassifiedArrival): Row {
  const event = Object.fromEntries(Object.entries(messageEventColumns(p, outcome)).map(([k, v]) => [`e_${k}`, v]));
  return { ord, ...classifiedMessageRow(p, outcome), ...event, hits: `{${outcome.matchedRuleIds.join(',')}}` };
}

function statement(columns: string[], rows: number): string {
  const values = Array.from({ length: rows }, (_, r) => `(${columns.map((c, i) => `$${r * columns.length + i + 1}::${typeOf(c)}`).join(', ')})`);
  const messageColumns = columns.filter((c) => c !== 'ord' && c !== 'hits' && !c.startsWith('e_'));
  const eventColumns = columns.filter((c) => c.startsWith('e_'));
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
  SELECT first.*, m.id AS message_id, nextval(pg_get_serial_sequence('events', 'id')) AS event_id
  FROM m JOIN (SELECT DISTINCT ON (tenant_id, dedup_key) * FROM input ORDER BY tenant_id, dedup_key, ord) first
    USING (tenant_id, dedup_key)
), ${messageEventCtes(eventColumns, 'x')}, h AS (
  UPDATE rules r SET hits = r.hits + c.n, last_matched_at = c.at
  FROM (SELECT tenant_id, rule_id, count(*) AS n, max(received_at) AS at FROM x, unnest(x.hits) AS rule_id GROUP BY tenant_id, rule_id) c
  WHERE r.tenant_id = c.tenant_id AND r.id = c.rule_id
)
SELECT ord, message_id, event_id FROM x`;
}

/** A pg client, as sequelize's connection manager hands it out. */
interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: Array<{ ord: number; message_id: number; event_id: string | number }> }>;
}
interface ConnectionManager {
  getConnection(options: { type: 'write' }): Promise<PgClient>;
  releaseConnection(client: PgClient): Promise<void>;
}

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
 * Runs the statement as a named prepared statement: each connection parses and plans it once
 * per batch size, not per message. Sequelize cannot name statements; this is the one place
 * DaTamer talks to pg directly, on a connection sequelize manages.
 */
async function runPrepared(deps: Deps, { name, text }: NamedStatement, values: unknown[]) {
  const manager = deps.db.sequelize.connectionManager as unknown as ConnectionManager;
  const client = await manager.getConnection({ type: 'write' });
  try {
    return await client.query({ name, text, values });
  } finally {
    await manager.releaseConnection(client);
  }
}

/** A message that was already stored: count the delivery; it belongs to the first copy's event. */
async function countDelivery(deps: Deps, p: Prepared): Promise<Committed> {
  const [first] = await deps.db.sequelize.query<{ id: number }>(
    'UPDATE messages SET deliveries = deliveries + 1 WHERE tenant_id = $1 AND dedup_key = $2 RETURNING id',
    { type: QueryTypes.SELECT, bind: [p.arrival.tenantId, p.dedupKey] },
  );
  if (!first) throw new Error(`message ${p.dedupKey} was neither inserted nor found`);
  return { messageId: first.id, duplicateOf: first.id, eventId: await eventIdOfMessage(deps, p.arrival.tenantId, first.id) };
}

/** Commits a batch in one statement (all of it, or none); what it did not insert were re-deliveries. */
async function commitBatch(deps: Deps, items: ClassifiedArrival[]): Promise<Committed[]> {
  const rows = items.map((item, i) => inputRow(i, item));
  const { rows: made } = await runPrepared(deps, statementFor(Object.keys(rows[0]!), rows.length), rows.flatMap((row) => Object.values(row)));
  const byOrd = new Map(made.map((r) => [r.ord, { messageId: Number(r.message_id), duplicateOf: null, eventId: Number(r.event_id) }]));
  const out: Committed[] = [];
  // Re-deliveries (rare) only count up the first copy, after the batch is committed.
  for (const [i, { p }] of items.entries()) out.push(byOrd.get(i) ?? (await countDelivery(deps, p)));
  return out;
}

/** Stores classified messages with their events, exactly once; resolves after the commit. */
export function commitClassifiedOnPostgres(deps: Deps, items: ClassifiedArrival[]): Promise<Committed[]> {
  // Two statements at once: measured best (BENCHMARKS.md); a third waits and joins the next batch.
  return groupCommit(deps, 'postgres', 2, items, commitBatch);
}
