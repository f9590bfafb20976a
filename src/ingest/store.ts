// STORE WHAT ARRIVED, EXACTLY ONCE. Everything that arrives together is stored in one
// transaction; the caller acknowledges (SMTP 250, IMAP delete) only after this resolves.
import { UniqueConstraintError, type Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import type { MessageAttributes } from '../../models/index.js';
import { dedupKey, sha256 } from './dedup.js';
import { parseMessage, type ParsedMessage } from './parse.js';

/** One message as it arrived for one tenant. */
export interface Arrival {
  tenantId: number;
  mailboxId: number | null;
  raw: Buffer;
  source: 'smtp' | 'import' | 'replay' | 'imap' | 'graph' | 'gmail';
  envelopeFrom?: string | null;
  envelopeTo?: string[];
}

/** An arrival with what could be worked out before touching the database. */
export interface Prepared {
  arrival: Arrival;
  parsed: ParsedMessage;
  dedupKey: string;
  contentHash: string;
}

export interface Stored {
  tenantId: number;
  messageId: number;
  /** set when this delivery was a copy of a message already stored: the id of the first copy */
  duplicateOf: number | null;
}

/** What the caller adds to the same transaction: more columns for a new message, and follow-up rows. */
export interface StoreSteps<R> {
  columns?(p: Prepared): Partial<MessageAttributes>;
  /** after a new message is inserted */
  afterInsert(messageId: number, p: Prepared, transaction: Transaction): Promise<R>;
  /** after a copy of a stored message is counted */
  afterDuplicate(firstId: number, p: Prepared, transaction: Transaction): Promise<R>;
}

export async function prepareArrival(arrival: Arrival): Promise<Prepared> {
  const parsed = await parseMessage(arrival.raw);
  return { arrival, parsed, dedupKey: dedupKey(arrival.raw, parsed.messageIdHeader), contentHash: sha256(arrival.raw) };
}

/** A concurrent delivery of the same message can win the race for the unique key; then retry. */
const RACE_RETRIES = 3;

export async function storePrepared<R>(deps: Deps, prepared: Prepared[], steps: StoreSteps<R>): Promise<Array<Stored & { result: R }>> {
  const { Message } = deps.db.models;
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.db.transaction(async (transaction) => {
        const stored: Array<Stored & { result: R }> = [];
        for (const p of prepared) {
          const { tenantId } = p.arrival;
          const existing = await Message.findOne({ where: { tenantId, dedupKey: p.dedupKey }, attributes: ['id'], transaction });
          if (existing) {
            await Message.increment('deliveries', { where: { id: existing.id, tenantId }, transaction });
            stored.push({ tenantId, messageId: existing.id, duplicateOf: existing.id, result: await steps.afterDuplicate(existing.id, p, transaction) });
            continue;
          }
          const { headers: _notStored, ...fields } = p.parsed;
          const row = await Message.create(
            {
              tenantId,
              mailboxId: p.arrival.mailboxId,
              dedupKey: p.dedupKey,
              ...fields,
              receivedAt: deps.clock.now(),
              raw: p.arrival.raw,
              rawSize: p.arrival.raw.length,
              contentHash: p.contentHash,
              source: p.arrival.source,
              envelopeFrom: p.arrival.envelopeFrom ?? null,
              envelopeTo: p.arrival.envelopeTo ?? [],
              ...steps.columns?.(p),
            },
            // Only what is written: no reading the row back, no hooks, no model validation.
            { transaction, returning: ['id'], hooks: false, validate: false },
          );
          stored.push({ tenantId, messageId: row.id, duplicateOf: null, result: await steps.afterInsert(row.id, p, transaction) });
        }
        return stored;
      });
    } catch (err) {
      if (err instanceof UniqueConstraintError && attempt < RACE_RETRIES) continue;
      throw err;
    }
  }
}
