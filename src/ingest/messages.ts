// Reading stored messages back. Tenant first, always.
import { fn, col, Op } from 'sequelize';
import type { Deps } from '../deps.js';
import type { Message } from '../../models/index.js';

/** Everything but the raw bytes, which only replay and reclassification need. */
const LISTED = { exclude: ['raw', 'html', 'text'] };

export function listMessages(deps: Deps, tenantId: number, options: { limit?: number } = {}): Promise<Message[]> {
  return deps.db.models.Message.findAll({
    where: { tenantId },
    attributes: LISTED,
    order: [['receivedAt', 'DESC'], ['id', 'DESC']],
    limit: options.limit ?? 100,
  });
}

export function findMessage(deps: Deps, tenantId: number, id: number): Promise<Message | null> {
  return deps.db.models.Message.findOne({ where: { tenantId, id } });
}

export function countMessages(deps: Deps, tenantId: number): Promise<number> {
  return deps.db.models.Message.count({ where: { tenantId } });
}

/**
 * Of these Message-ID keys, those that more than one stored message carries: messages with the
 * same Message-ID but different content are all kept (src/ingest/dedup.ts) and shown as sharing it.
 */
export async function sharedMessageIdKeys(deps: Deps, tenantId: number, keys: Array<string | null>): Promise<Set<string>> {
  const wanted = [...new Set(keys.filter((k): k is string => k !== null))];
  if (wanted.length === 0) return new Set();
  const rows = (await deps.db.models.Message.findAll({
    where: { tenantId, messageIdKey: { [Op.in]: wanted } },
    attributes: ['messageIdKey', [fn('COUNT', col('id')), 'n']],
    group: ['messageIdKey'],
    raw: true,
  })) as unknown as Array<{ messageIdKey: string; n: number | string }>;
  return new Set(rows.filter((r) => Number(r.n) > 1).map((r) => r.messageIdKey));
}
