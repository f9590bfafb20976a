import type { Deps } from '../deps.js';
import { listTenants } from './tenants.js';

export interface TenantCount {
  name: string;
  displayName: string;
  addresses: string[];
  messages: number;
  events: number;
}

/** One line per tenant: the operator's view, across tenants by design. */
export async function tenantCounts(deps: Deps): Promise<TenantCount[]> {
  const { Message, Event } = deps.db.models;
  const [tenants, messages, events] = await Promise.all([
    listTenants(deps),
    Message.count({ group: ['tenantId'] }),
    Event.count({ group: ['tenantId'] }),
  ]);
  const countOf = (rows: Array<{ tenantId?: unknown; count: number }>, tenantId: number) =>
    Number(rows.find((r) => Number(r.tenantId) === tenantId)?.count ?? 0);
  return tenants.map(({ tenant, addresses }) => ({
    name: tenant.name,
    displayName: tenant.displayName,
    addresses,
    messages: countOf(messages as never, tenant.id),
    events: countOf(events as never, tenant.id),
  }));
}
