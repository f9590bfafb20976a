import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

const tenantRef = { type: DataTypes.INTEGER, allowNull: false, references: { model: 'tenants', key: 'id' }, onDelete: 'CASCADE' };

export const migration: Migration = {
  async up({ context: qi }) {
    // How each user wants to be told (docs/notifications.md): warnings and criticals by mail,
    // the rest in the digest at 08:00 in their time zone, no quiet hours until they say so.
    await qi.addColumn('users', 'alert_severities', { type: DataTypes.JSON, allowNull: false, defaultValue: JSON.stringify(['warn', 'critical']) });
    await qi.addColumn('users', 'time_zone', { type: DataTypes.STRING(64), allowNull: false, defaultValue: 'UTC' });
    await qi.addColumn('users', 'quiet_hours', { type: DataTypes.STRING(11), allowNull: true });
    await qi.addColumn('users', 'digest_hour', { type: DataTypes.INTEGER, allowNull: true, defaultValue: 8 });

    // What each user is to be told about which event, and in which mail it went (src/notifications/).
    await qi.createTable('notices', {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenant_id: tenantRef,
      user_id: { type: DataTypes.INTEGER, allowNull: true },
      event_id: { type: DataTypes.INTEGER, allowNull: false },
      reason: { type: DataTypes.STRING(16), allowNull: false },
      severity: { type: DataTypes.STRING(16), allowNull: true },
      actor: { type: DataTypes.STRING(320), allowNull: true },
      due_at: { type: DataTypes.DATE, allowNull: false },
      outbox_id: { type: DataTypes.INTEGER, allowNull: true },
      dropped: { type: DataTypes.STRING(200), allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false },
    });
    await qi.addIndex('notices', ['outbox_id', 'due_at'], { name: 'notices_pending' });
    await qi.addIndex('notices', ['tenant_id', 'event_id'], { name: 'notices_tenant_event' });

    // The alert state of each event told about: the severity told and when to repeat.
    await qi.createTable('event_alerts', {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenant_id: tenantRef,
      event_id: { type: DataTypes.INTEGER, allowNull: false },
      told_severity: { type: DataTypes.STRING(16), allowNull: true },
      told_at: { type: DataTypes.DATE, allowNull: false },
      repeat_at: { type: DataTypes.DATE, allowNull: true },
    });
    await qi.addIndex('event_alerts', ['tenant_id', 'event_id'], { unique: true, name: 'event_alerts_tenant_event' });
    await qi.addIndex('event_alerts', ['repeat_at'], { name: 'event_alerts_repeat' });

    // Each user's next daily digest, from their local hour and time zone.
    await qi.createTable('digests', {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenant_id: tenantRef,
      user_id: { type: DataTypes.INTEGER, allowNull: false },
      next_at: { type: DataTypes.DATE, allowNull: false },
      hour: { type: DataTypes.INTEGER, allowNull: false },
      time_zone: { type: DataTypes.STRING(64), allowNull: false },
      last_sent_at: { type: DataTypes.DATE, allowNull: true },
    });
    await qi.addIndex('digests', ['tenant_id', 'user_id'], { unique: true, name: 'digests_tenant_user' });
    await qi.addIndex('digests', ['next_at'], { name: 'digests_next' });

    // Every tenant has a triage group: unclassified events and alerts nobody subscribes to go there.
    const tenants = (await qi.sequelize.query('SELECT id, created_at FROM tenants', { type: 'SELECT' })) as Array<{ id: number; created_at: Date }>;
    for (const t of tenants) {
      const [has] = (await qi.sequelize.query('SELECT id FROM groups WHERE tenant_id = ? AND name = ?', { replacements: [t.id, 'triage'], type: 'SELECT' })) as unknown[];
      if (!has) await qi.bulkInsert('groups', [{ tenant_id: t.id, name: 'triage', created_at: t.created_at }]);
    }
  },
  async down({ context: qi }) {
    await qi.dropTable('digests');
    await qi.dropTable('event_alerts');
    await qi.dropTable('notices');
    for (const column of ['digest_hour', 'quiet_hours', 'time_zone', 'alert_severities']) await qi.removeColumn('users', column);
  },
};
