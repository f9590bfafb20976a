// On PostgreSQL, a classified message, its event, the link between them and its rule hits are
// written by ONE statement (data-modifying CTEs): one round trip before the SMTP 250 instead of
// six. Measured in BENCHMARKS.md; it is what keeps storing safely within half the speed of SMTP.
// The generic path (store.ts with its steps, used on SQLite) writes the same rows; the suite
// runs on both, so the two cannot drift apart unnoticed.
import { QueryTypes, type Transaction } from 'sequelize';
import type { Outcome } from '../classification/classifier.js';
import type { Deps } from '../deps.js';
import { eventIdOfMessage, messageEventRow } from '../events/events.js';
import type { Prepared } from './store.js';

const INSERT_WITH_EVENT = `
WITH m AS (
  INSERT INTO messages (tenant_id, mailbox_id, dedup_key, message_id_header, from_address, to_addresses, subject,
    sent_at, received_at, text, html, raw, raw_size, content_hash, parse_error, source, envelope_from, envelope_to,
    deliveries, severity, org, servers, schedule, classified_by, decided_by, tag_warnings, classified_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
    1, $19, $20, $21, $22, $23, $24, $25, $9)
  ON CONFLICT (tenant_id, dedup_key) DO NOTHING
  RETURNING id
), e AS (
  INSERT INTO events (tenant_id, kind, status, title, severity, org, servers, triage, created_at)
  SELECT $1, $26, $27, $28, $19, $20, $21, $29, $9 FROM m
  RETURNING id
), l AS (
  INSERT INTO event_messages (tenant_id, event_id, message_id, created_at)
  SELECT $1, e.id, m.id, $9 FROM e, m
), h AS (
  UPDATE rules SET hits = hits + 1, last_matched_at = $9
  WHERE tenant_id = $1 AND id = ANY($30::int[]) AND EXISTS (SELECT 1 FROM m)
)
SELECT (SELECT id FROM m) AS message_id, (SELECT id FROM e) AS event_id`;

const COUNT_DELIVERY = `UPDATE messages SET deliveries = deliveries + 1 WHERE tenant_id = $1 AND dedup_key = $2 RETURNING id`;

export interface Committed {
  messageId: number;
  duplicateOf: number | null;
  eventId: number | null;
}

async function commitOne(deps: Deps, p: Prepared, outcome: Outcome, transaction?: Transaction): Promise<Committed> {
  const { arrival, parsed } = p;
  const c = outcome.classification;
  const at = deps.clock.now();
  const event = messageEventRow({ tenantId: arrival.tenantId, subject: parsed.subject, classification: c, at });
  const json = JSON.stringify;
  const [row] = await deps.db.sequelize.query<{ message_id: number | null; event_id: number | null }>(INSERT_WITH_EVENT, {
    type: QueryTypes.SELECT,
    transaction,
    bind: [
      arrival.tenantId, arrival.mailboxId, p.dedupKey, parsed.messageIdHeader, parsed.fromAddress, json(parsed.toAddresses), parsed.subject,
      parsed.sentAt, at, parsed.text, parsed.html, arrival.raw, arrival.raw.length, p.contentHash, parsed.parseError, arrival.source,
      arrival.envelopeFrom ?? null, json(arrival.envelopeTo ?? []),
      c.severity, c.org, json(c.servers), json(c.schedule), c.by, json(c.decidedBy), json(outcome.tagWarnings),
      event.kind, event.status, event.title, event.triage, `{${outcome.matchedRuleIds.join(',')}}`,
    ],
  });
  if (row?.message_id != null) return { messageId: row.message_id, duplicateOf: null, eventId: row.event_id };

  // Already stored: count the delivery; the copy belongs to the first one's event.
  const [first] = await deps.db.sequelize.query<{ id: number }>(COUNT_DELIVERY, { type: QueryTypes.SELECT, transaction, bind: [arrival.tenantId, p.dedupKey] });
  if (!first) throw new Error(`message ${p.dedupKey} was neither inserted nor found`);
  return { messageId: first.id, duplicateOf: first.id, eventId: await eventIdOfMessage(deps, arrival.tenantId, first.id, transaction) };
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
