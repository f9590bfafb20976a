import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

export const migration: Migration = {
  async up({ context: qi }) {
    // Why each message is in its event (docs/correlation.md, Grouping), and what it brought to
    // grouping (its signature, hosts, tool, check, state…), so that any process can rebuild a
    // tenant's open events from the memberships alone. Both written by src/events/create.ts.
    await qi.addColumn('event_messages', 'reason', { type: DataTypes.TEXT, allowNull: true });
    await qi.addColumn('event_messages', 'grouping_keys', { type: DataTypes.TEXT, allowNull: true });
    // A process reads the recent memberships of a tenant, and checks whether anyone else wrote any.
    await qi.addIndex('event_messages', ['tenant_id', 'created_at'], { name: 'event_messages_tenant_created' });
    await qi.addIndex('event_messages', ['tenant_id', 'id'], { name: 'event_messages_tenant_id' });
    await qi.addIndex('activities', ['tenant_id', 'id'], { name: 'activities_tenant_id' });
    // Whether a recovery that leaves no source of an unclaimed event in trouble completes it.
    await qi.addColumn('tenants', 'recovery_completes', { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true });
  },
  async down({ context: qi }) {
    await qi.removeColumn('tenants', 'recovery_completes');
    await qi.removeIndex('activities', 'activities_tenant_id');
    await qi.removeIndex('event_messages', 'event_messages_tenant_id');
    await qi.removeIndex('event_messages', 'event_messages_tenant_created');
    await qi.removeColumn('event_messages', 'grouping_keys');
    await qi.removeColumn('event_messages', 'reason');
  },
};
