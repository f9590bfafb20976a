// WHAT DO WE ACT ON: reading events. They are made in create.ts and changed in change.ts, the
// only writers of the events and activities tables (docs/architecture.md, Events).
import { Op, type Transaction, type WhereOptions } from 'sequelize';
import type { Deps } from '../deps.js';
import { DatamerError } from '../errors.js';
import type { Event, EventStatus } from '../../models/index.js';

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

export interface EventFilter {
  /** only events not completed */
  open?: boolean;
  limit?: number;
  status?: EventStatus[];
  severity?: string[];
  /** an org pattern: a.b.c, a.b.* (a.b and everything under it) or * */
  org?: string;
  /** only events without an org (the triage pile) */
  unclassified?: boolean;
  /** the assignee's user id; null: nobody assigned */
  assigneeId?: number | null;
  /** created at or after */
  since?: Date;
}

/** An org pattern as a condition: under `a.b.*` are a.b and the paths that start `a.b.` ('/' sorts right after '.'). */
function orgCondition(pattern: string): WhereOptions<Event> {
  const p = pattern.toLowerCase();
  if (p === '*') return { org: { [Op.ne]: null } };
  if (!p.endsWith('.*')) return { org: p };
  const base = p.slice(0, -2);
  return { [Op.or]: [{ org: base }, { org: { [Op.gte]: `${base}.`, [Op.lt]: `${base}/` } }] };
}

export function listEvents(deps: Deps, tenantId: number, filter: EventFilter = {}): Promise<Event[]> {
  const conditions: Array<WhereOptions<Event>> = [{ tenantId }];
  if (filter.open) conditions.push({ status: { [Op.ne]: 'completed' } });
  if (filter.status?.length) conditions.push({ status: filter.status });
  if (filter.severity?.length) conditions.push({ severity: filter.severity });
  if (filter.org !== undefined) conditions.push(orgCondition(filter.org));
  if (filter.unclassified) conditions.push({ triage: true });
  if (filter.assigneeId !== undefined) conditions.push({ assigneeId: filter.assigneeId });
  if (filter.since) conditions.push({ createdAt: { [Op.gte]: filter.since } });
  return deps.db.models.Event.findAll({
    where: { [Op.and]: conditions },
    order: [['createdAt', 'DESC'], ['id', 'DESC']],
    limit: filter.limit ?? 100,
  });
}
