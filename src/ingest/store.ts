// STORE WHAT ARRIVED, EXACTLY ONCE. Everything that arrives together is stored in one
// transaction; the caller acknowledges (SMTP 250, IMAP delete) only after this resolves.
import { UniqueConstraintError } from 'sequelize';
import type { Deps } from '../deps.js';
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

export interface Stored {
  tenantId: number;
  messageId: number;
  /** set when this delivery was a copy of a message already stored: the id of the first copy */
  duplicateOf: number | null;
}

export interface StoredParsed extends Stored {
  /** what was parsed from the bytes; processing goes on from here without parsing again */
  parsed: ParsedMessage;
  receivedAt: Date;
}

/** A concurrent delivery of the same message can win the race for the unique key; then retry. */
const RACE_RETRIES = 3;

export async function storeArrivals(deps: Deps, arrivals: Arrival[]): Promise<StoredParsed[]> {
  const prepared = await Promise.all(
    arrivals.map(async (arrival) => {
      const parsed = await parseMessage(arrival.raw);
      return { arrival, parsed, key: dedupKey(arrival.raw, parsed.messageIdHeader), hash: sha256(arrival.raw) };
    }),
  );
  const { Message } = deps.db.models;

  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.db.transaction(async (transaction) => {
        const stored: StoredParsed[] = [];
        for (const { arrival, parsed, key, hash } of prepared) {
          const existing = await Message.findOne({
            where: { tenantId: arrival.tenantId, dedupKey: key },
            attributes: ['id'],
            transaction,
          });
          if (existing) {
            await Message.increment('deliveries', { where: { id: existing.id, tenantId: arrival.tenantId }, transaction });
            stored.push({ tenantId: arrival.tenantId, messageId: existing.id, duplicateOf: existing.id, parsed, receivedAt: deps.clock.now() });
            continue;
          }
          const { headers: _headers, ...fields } = parsed;
          const receivedAt = deps.clock.now();
          const row = await Message.create(
            {
              tenantId: arrival.tenantId,
              mailboxId: arrival.mailboxId,
              dedupKey: key,
              ...fields,
              receivedAt,
              raw: arrival.raw,
              rawSize: arrival.raw.length,
              contentHash: hash,
              source: arrival.source,
              envelopeFrom: arrival.envelopeFrom ?? null,
              envelopeTo: arrival.envelopeTo ?? [],
            },
            { transaction },
          );
          stored.push({ tenantId: arrival.tenantId, messageId: row.id, duplicateOf: null, parsed, receivedAt });
        }
        return stored;
      });
    } catch (err) {
      if (err instanceof UniqueConstraintError && attempt < RACE_RETRIES) continue;
      throw err;
    }
  }
}
