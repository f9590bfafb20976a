import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

export const migration: Migration = {
  async up({ context: qi }) {
    // Where DaTamer mails its own MSEs (heartbeat, critical self-reports) for a tenant; null:
    // it does not watch itself for this tenant. Usually one of the tenant's own DaTamer
    // addresses, so the mail comes back in through ingest and is counted like any other.
    await qi.addColumn('tenants', 'self_address', { type: DataTypes.STRING(320), allowNull: true });
    // The self-watch asks "is any of this tenant's mail stuck in the queue?" every few minutes.
    await qi.addIndex('outbox', ['tenant_id', 'status', 'created_at'], { name: 'outbox_tenant_status_created' });
    await qi.addIndex('outbox_attempts', ['tenant_id', 'at'], { name: 'outbox_attempts_tenant_at' });
  },
  async down({ context: qi }) {
    await qi.removeIndex('outbox_attempts', 'outbox_attempts_tenant_at');
    await qi.removeIndex('outbox', 'outbox_tenant_status_created');
    await qi.removeColumn('tenants', 'self_address');
  },
};
