// The rows a classified message is committed as: the message with its classification, and its
// event (whose columns src/events/create.ts decides). Both dialects' commits (commit-postgres.ts,
// commit-sqlite.ts) insert exactly these columns, built here once, so they cannot drift apart.
import type { Outcome } from '../classification/classifier.js';
import { messageEventColumns as eventColumns, type SqlValue } from '../events/create.js';
import type { Prepared } from './store.js';

export type Row = Record<string, SqlValue>;

const json = (value: unknown) => JSON.stringify(value);

export function classifiedMessageRow(p: Prepared, outcome: Outcome): Row {
  const { arrival, parsed } = p;
  const c = outcome.classification;
  return {
    tenant_id: arrival.tenantId,
    mailbox_id: arrival.mailboxId,
    dedup_key: p.dedupKey,
    message_id_header: parsed.messageIdHeader,
    message_id_key: p.messageIdKey,
    from_address: parsed.fromAddress,
    to_addresses: json(parsed.toAddresses),
    subject: parsed.subject,
    sent_at: parsed.sentAt,
    received_at: p.receivedAt,
    text: parsed.text,
    html: parsed.html,
    raw: arrival.raw,
    raw_size: arrival.raw.length,
    content_hash: p.contentHash,
    parse_error: parsed.parseError,
    source: arrival.source,
    envelope_from: arrival.envelopeFrom ?? null,
    envelope_to: json(arrival.envelopeTo ?? []),
    deliveries: 1,
    severity: c.severity,
    org: c.org,
    servers: json(c.servers),
    schedule: json(c.schedule),
    classified_by: c.by,
    decided_by: json(c.decidedBy),
    tag_warnings: json(outcome.tagWarnings),
    classification_note: outcome.note,
    classified_at: p.receivedAt,
    stream_key: outcome.stream,
    signature_id: outcome.signatureId,
    tool: outcome.tool?.tool ?? null,
  };
}

/** The event row of a message. */
export function messageEventColumns(p: Prepared, outcome: Outcome): Row {
  return eventColumns({ tenantId: p.arrival.tenantId, subject: p.parsed.subject, classification: outcome.classification, at: p.receivedAt });
}

export interface Committed {
  messageId: number;
  duplicateOf: number | null;
  eventId: number | null;
  /** why the message is in its event (docs/correlation.md); null for a re-delivery or a message stored alone */
  reason?: string | null;
  /** the message opened its event (it did not join one) */
  opened?: boolean;
}
