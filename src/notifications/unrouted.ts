// Alerts that reached nobody: the event's org has no responders and the tenant's triage group
// has no members. The notifier logs each one and keeps it here, for `datamer alert unrouted`
// (and later the web console), so a routing gap is seen rather than discovered.
import type { Deps } from '../deps.js';

export interface UnroutedAlert {
  eventId: number;
  reason: string;
  severity: string | null;
  org: string | null;
  title: string;
  at: string;
  why: string;
}

export async function unroutedAlerts(deps: Deps, tenantId: number, limit = 100): Promise<UnroutedAlert[]> {
  const { Notice, Event } = deps.db.models;
  const notices = await Notice.findAll({ where: { tenantId, userId: null }, order: [['id', 'DESC']], limit });
  const events = new Map((await Event.findAll({ where: { tenantId, id: [...new Set(notices.map((n) => n.eventId))] } })).map((e) => [e.id, e]));
  return notices.map((n) => ({
    eventId: n.eventId, reason: n.reason, severity: n.severity, org: events.get(n.eventId)?.org ?? null, title: events.get(n.eventId)?.title ?? '',
    at: n.createdAt.toISOString(), why: n.dropped ?? '',
  }));
}
