// STORE WHAT ARRIVED, EXACTLY ONCE. What can be worked out before touching the database
// (parsing, the dedup key) is prepared here; the commits (commit-postgres.ts, commit-sqlite.ts,
// or storeAlone below) store everything that arrived together in one transaction, and the
// caller acknowledges (SMTP 250, IMAP delete) only after that resolves.
import { readFile } from 'node:fs/promises';
import { UniqueConstraintError } from 'sequelize';
import { classificationColumns, type Outcome } from '../classification/classifier.js';
import type { Deps } from '../deps.js';
import { eventIdOfMessage } from '../events/events.js';
import type { Committed } from './commit-rows.js';
import { dedupKey, messageIdKey, sha256 } from './dedup.js';
import type { ParsedMessage } from './parse.js';
import { parseOffThread } from './parse-pool.js';

/** One message as it arrived for one tenant. */
export interface Arrival {
  tenantId: number;
  mailboxId: number | null;
  raw: Buffer;
  source: 'smtp' | 'import' | 'replay' | 'imap' | 'graph' | 'gmail';
  envelopeFrom?: string | null;
  envelopeTo?: string[];
  /** when it arrived; default: now. A replay delivers many messages at once, each at its own time. */
  receivedAt?: Date;
  /** the message parsed, when the caller had to parse it already (intake, to look for a reply) */
  parsed?: ParsedMessage;
}

/**
 * A message the SMTP listener received into a file because of its size (src/mailboxes/smtp/spool.ts):
 * the fence parses it from there, and its bytes are read into memory only to be committed. The
 * listener removes the file once the message is committed.
 */
export interface SpooledArrival extends Omit<Arrival, 'raw'> {
  raw: null;
  file: string;
  /** the message's first bytes (its header, usually), for a look without reading the file */
  head: Buffer;
}

export type Incoming = Arrival | SpooledArrival;

/** The arrival with its bytes in memory: a spooled one's file is read. */
export async function loadArrival(arrival: Incoming): Promise<Arrival> {
  if (arrival.raw !== null) return arrival;
  const { file, head: _head, ...rest } = arrival;
  return { ...rest, raw: await readFile(file) };
}

/** An arrival with what could be worked out before touching the database. */
export interface Prepared {
  arrival: Arrival;
  parsed: ParsedMessage;
  dedupKey: string;
  /** the Message-ID as a key (null without one): messages that share it are shown so */
  messageIdKey: string | null;
  contentHash: string;
  receivedAt: Date;
}

export interface Stored {
  tenantId: number;
  messageId: number;
  /** set when this delivery was a copy of a message already stored: the id of the first copy */
  duplicateOf: number | null;
}

export async function prepareArrival(incoming: Incoming, now: Date): Promise<Prepared> {
  const parsed = incoming.parsed ?? (await parseOffThread(incoming.raw ?? { file: incoming.file }));
  // A spooled message is read from its file only now, parsed, just before its commit.
  const arrival = await loadArrival(incoming);
  return {
    arrival,
    parsed,
    dedupKey: dedupKey(arrival.raw),
    messageIdKey: messageIdKey(parsed.messageIdHeader),
    contentHash: sha256(arrival.raw),
    receivedAt: arrival.receivedAt ?? now,
  };
}

/** A concurrent delivery of the same message can win the race for the unique key; then retry. */
const RACE_RETRIES = 3;

/**
 * Stores messages without classification (classified_at null), exactly once, in one transaction:
 * the path for messages whose processing failed. processPending() finishes them later.
 * With their outcomes, stores them classified but without an event: the path for mail that only
 * feeds a stream (DaTamer's own heartbeat, src/selfwatch/own-heartbeat.ts).
 */
export async function storeAlone(deps: Deps, prepared: Prepared[], outcomes?: readonly Outcome[]): Promise<Committed[]> {
  const { Message } = deps.db.models;
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.db.transaction(async (transaction) => {
        const stored: Committed[] = [];
        for (const p of prepared) {
          const { tenantId } = p.arrival;
          const existing = await Message.findOne({ where: { tenantId, dedupKey: p.dedupKey }, attributes: ['id'], transaction });
          if (existing) {
            await Message.increment('deliveries', { where: { id: existing.id, tenantId }, transaction });
            // A copy of a message we have belongs to the first copy's event.
            stored.push({ messageId: existing.id, duplicateOf: existing.id, eventId: await eventIdOfMessage(deps, tenantId, existing.id, transaction) });
            continue;
          }
          const { headers: _notStored, ...fields } = p.parsed;
          const row = await Message.create(
            {
              tenantId,
              mailboxId: p.arrival.mailboxId,
              dedupKey: p.dedupKey,
              messageIdKey: p.messageIdKey,
              ...fields,
              receivedAt: p.receivedAt,
              raw: p.arrival.raw,
              rawSize: p.arrival.raw.length,
              contentHash: p.contentHash,
              source: p.arrival.source,
              envelopeFrom: p.arrival.envelopeFrom ?? null,
              envelopeTo: p.arrival.envelopeTo ?? [],
              ...(outcomes ? classificationColumns(outcomes[prepared.indexOf(p)]!, p.receivedAt) : {}),
            },
            { transaction },
          );
          stored.push({ messageId: row.id, duplicateOf: null, eventId: null });
        }
        return stored;
      });
    } catch (err) {
      if (err instanceof UniqueConstraintError && attempt < RACE_RETRIES) continue;
      throw err;
    }
  }
}
