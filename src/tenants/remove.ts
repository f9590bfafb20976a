// Removing a tenant and everything it holds. The one place that deletes from every table at once,
// by design: the tenant's rows in each table, leaves first, then the tenant, in one transaction
// (SQLite does not enforce the foreign keys' ON DELETE CASCADE unless asked, so nothing is left to
// it). `datamer tenant remove` shows the counts first and removes only when told to.
import type { ModelStatic, Model } from 'sequelize';
import type { Deps } from '../deps.js';
import type { Tenant } from '../../models/index.js';
import { findTenant } from './tenants.js';

/** Every table that carries tenant rows, the ones that point at others first. */
const ORDER = [
  'OutboxAttempt', 'OutboxMail', 'MessagePlacement', 'LabelledExample', 'MailboxFolder', 'EventCorrection', 'LearnedPair', 'EventMessage', 'Activity', 'CommandMail',
  'Event', 'Stream', 'MaintenanceWindow', 'ReclassificationRun', 'Rule', 'Subscription', 'Membership', 'Group', 'User', 'Message', 'Mailbox',
] as const;

export interface TenantRemoval {
  tenant: Tenant;
  /** rows per table, by table name (only tables with rows) */
  counts: Record<string, number>;
}

type AnyModel = ModelStatic<Model>;
const modelOf = (deps: Deps, name: (typeof ORDER)[number]) => deps.db.models[name] as unknown as AnyModel;

export async function tenantRemoval(deps: Deps, name: string): Promise<TenantRemoval> {
  const tenant = await findTenant(deps, name);
  const counts: Record<string, number> = {};
  for (const m of ORDER) {
    const model = modelOf(deps, m);
    const n = await model.count({ where: { tenantId: tenant.id } });
    if (n > 0) counts[model.getTableName() as string] = n;
  }
  return { tenant, counts };
}

export async function removeTenant(deps: Deps, name: string): Promise<TenantRemoval> {
  const removal = await tenantRemoval(deps, name);
  const tenantId = removal.tenant.id;
  await deps.db.transaction(async (transaction) => {
    for (const m of ORDER) await modelOf(deps, m).destroy({ where: { tenantId }, transaction });
    await deps.db.models.Tenant.destroy({ where: { id: tenantId }, transaction });
  });
  return removal;
}
