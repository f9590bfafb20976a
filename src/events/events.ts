// WHAT DO WE ACT ON: reading events. They are made in create.ts and changed in change.ts, the
// only writers of the events and activities tables (docs/architecture.md, Events).
import { Op, type Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import { DatamerError } from '../errors.js';
import type { Event } from '../../models/index.js';

/** The actor of what DaTamer does by itself (a schedule alert resolving, a reclassification). */
export const SYSTEM_ACTOR = 'datamer';

export async function eventIdOfMessage(deps: Deps, tenantId: number, messageId: number, transaction?: Transaction): Promise<number | null> {
  const link = await deps.db.models.EventMessage.findOne({ where: { tenantId, messageId }, attributes: ['eventId'], transaction });
  return link?.eventId ?? null;
}

export async function findEvent(deps: Deps, tenantId: number, id: number, transaction?: Transaction): Promise<Event> {
  const event = await deps.db.models.Event.findOne({ where: { tenantId, id }, transaction });
  if (!event) throw new DatamerError('NOT_FOUND', `no event #${id}`);
  return event;
}

export function listEvents(deps: Deps, tenantId: number, options: { open?: boolean; limit?: number } = {}): Promise<Event[]> {
  return deps.db.models.Event.findAll({
    where: { tenantId, ...(options.open ? { status: { [Op.ne]: 'completed' } } : {}) },
    order: [['createdAt', 'DESC'], ['id', 'DESC']],
    limit: options.limit ?? 100,
  });
}
