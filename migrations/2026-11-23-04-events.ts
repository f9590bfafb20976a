import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

const id = { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true };
const ref = (table: string) => ({ type: DataTypes.INTEGER, allowNull: false, references: { model: table, key: 'id' }, onDelete: 'CASCADE' });

export const migration: Migration = {
  async up({ context: qi }) {
    await qi.createTable('events', {
      id,
      tenant_id: ref('tenants'),
      kind: { type: DataTypes.STRING(32), allowNull: false },
      status: { type: DataTypes.STRING(16), allowNull: false },
      title: { type: DataTypes.TEXT, allowNull: false },
      severity: { type: DataTypes.STRING(16), allowNull: true },
      org: { type: DataTypes.STRING(300), allowNull: true },
      servers: { type: DataTypes.JSON, allowNull: false },
      triage: { type: DataTypes.BOOLEAN, allowNull: false },
      assignee_id: { type: DataTypes.INTEGER, allowNull: true, references: { model: 'users', key: 'id' }, onDelete: 'SET NULL' },
      created_at: { type: DataTypes.DATE, allowNull: false },
      assigned_at: { type: DataTypes.DATE, allowNull: true },
      completed_at: { type: DataTypes.DATE, allowNull: true },
    });
    await qi.addIndex('events', ['tenant_id', 'status'], { name: 'events_tenant_status' });

    await qi.createTable('event_messages', {
      id,
      tenant_id: ref('tenants'),
      event_id: ref('events'),
      message_id: ref('messages'),
      created_at: { type: DataTypes.DATE, allowNull: false },
    });
    await qi.addIndex('event_messages', ['message_id'], { unique: true, name: 'event_messages_message' });
    await qi.addIndex('event_messages', ['event_id'], { name: 'event_messages_event' });

    await qi.createTable('activities', {
      id,
      tenant_id: ref('tenants'),
      event_id: { type: DataTypes.INTEGER, allowNull: true, references: { model: 'events', key: 'id' }, onDelete: 'CASCADE' },
      action: { type: DataTypes.STRING(64), allowNull: false },
      actor: { type: DataTypes.STRING(320), allowNull: false },
      via: { type: DataTypes.STRING(16), allowNull: false },
      detail: { type: DataTypes.JSON, allowNull: false },
      at: { type: DataTypes.DATE, allowNull: false },
    });
    await qi.addIndex('activities', ['tenant_id', 'event_id'], { name: 'activities_tenant_event' });
  },
  async down({ context: qi }) {
    for (const table of ['activities', 'event_messages', 'events']) await qi.dropTable(table);
  },
};
