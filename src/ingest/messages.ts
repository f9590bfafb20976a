// Reading stored messages back. Tenant first, always.
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
