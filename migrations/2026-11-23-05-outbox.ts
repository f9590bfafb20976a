import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

const id = { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true };
const tenantRef = { type: DataTypes.INTEGER, allowNull: false, references: { model: 'tenants', key: 'id' }, onDelete: 'CASCADE' };

export const migration: Migration = {
  async up({ context: qi }) {
    await qi.createTable('outbox', {
      id,
      tenant_id: tenantRef,
      kind: { type: DataTypes.STRING(32), allowNull: false },
      from_address: { type: DataTypes.STRING(320), allowNull: false },
      to_addresses: { type: DataTypes.JSON, allowNull: false },
      subject: { type: DataTypes.TEXT, allowNull: false },
      text: { type: DataTypes.TEXT, allowNull: false },
      html: { type: DataTypes.TEXT, allowNull: true },
      headers: { type: DataTypes.JSON, allowNull: false },
      message_id_header: { type: DataTypes.STRING(255), allowNull: false },
      status: { type: DataTypes.STRING(16), allowNull: false },
      attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      next_attempt_at: { type: DataTypes.DATE, allowNull: false },
      claimed_by: { type: DataTypes.STRING(100), allowNull: true },
      claimed_at: { type: DataTypes.DATE, allowNull: true },
      last_error: { type: DataTypes.TEXT, allowNull: true },
      sent_at: { type: DataTypes.DATE, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false },
    });
    // The delivery job asks "what is due?" every few seconds.
    await qi.addIndex('outbox', ['status', 'next_attempt_at'], { name: 'outbox_due' });

    await qi.createTable('outbox_attempts', {
      id,
      tenant_id: tenantRef,
      outbox_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'outbox', key: 'id' }, onDelete: 'CASCADE' },
      worker: { type: DataTypes.STRING(100), allowNull: false },
      outcome: { type: DataTypes.STRING(16), allowNull: false },
      response: { type: DataTypes.TEXT, allowNull: true },
      at: { type: DataTypes.DATE, allowNull: false },
    });
    await qi.addIndex('outbox_attempts', ['outbox_id'], { name: 'outbox_attempts_outbox' });
  },
  async down({ context: qi }) {
    await qi.dropTable('outbox_attempts');
    await qi.dropTable('outbox');
  },
};
