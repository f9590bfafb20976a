import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

export const migration: Migration = {
  async up({ context: qi }) {
    await qi.createTable('messages', {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenant_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'tenants', key: 'id' }, onDelete: 'CASCADE' },
      mailbox_id: { type: DataTypes.INTEGER, allowNull: true, references: { model: 'mailboxes', key: 'id' }, onDelete: 'SET NULL' },
      dedup_key: { type: DataTypes.STRING(80), allowNull: false },
      message_id_header: { type: DataTypes.TEXT, allowNull: true },
      from_address: { type: DataTypes.TEXT, allowNull: true },
      to_addresses: { type: DataTypes.JSON, allowNull: false },
      subject: { type: DataTypes.TEXT, allowNull: true },
      sent_at: { type: DataTypes.DATE, allowNull: true },
      received_at: { type: DataTypes.DATE, allowNull: false },
      text: { type: DataTypes.TEXT, allowNull: true },
      html: { type: DataTypes.TEXT, allowNull: true },
      raw: { type: DataTypes.BLOB, allowNull: false },
      raw_size: { type: DataTypes.INTEGER, allowNull: false },
      content_hash: { type: DataTypes.STRING(64), allowNull: false },
      parse_error: { type: DataTypes.TEXT, allowNull: true },
      source: { type: DataTypes.STRING(16), allowNull: false },
      envelope_from: { type: DataTypes.TEXT, allowNull: true },
      envelope_to: { type: DataTypes.JSON, allowNull: false },
      deliveries: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
    });
    // The idempotency guarantee lives here: a second delivery cannot make a second row.
    await qi.addIndex('messages', ['tenant_id', 'dedup_key'], { unique: true, name: 'messages_tenant_dedup' });
    await qi.addIndex('messages', ['tenant_id', 'received_at'], { name: 'messages_tenant_received' });
  },
  async down({ context: qi }) {
    await qi.dropTable('messages');
  },
};
