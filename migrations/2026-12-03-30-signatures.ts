import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

export const migration: Migration = {
  async up({ context: qi }) {
    // Each tenant's message templates (docs/correlation.md), written by src/correlation/signature-store.ts.
    await qi.createTable('signatures', {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenant_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'tenants', key: 'id' }, onDelete: 'CASCADE' },
      template: { type: DataTypes.TEXT, allowNull: false },
      token_count: { type: DataTypes.INTEGER, allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
      updated_at: { type: DataTypes.DATE, allowNull: false },
    });
    // A process restores a tenant's templates, then reads what changed since.
    await qi.addIndex('signatures', ['tenant_id', 'updated_at'], { name: 'signatures_tenant_updated' });
    // The signature a message carries; grouping will look messages up by it.
    await qi.addColumn('messages', 'signature_id', { type: DataTypes.INTEGER, allowNull: true });
    await qi.addIndex('messages', ['tenant_id', 'signature_id', 'received_at'], { name: 'messages_signature_time' });
  },
  async down({ context: qi }) {
    await qi.removeIndex('messages', 'messages_signature_time');
    await qi.removeColumn('messages', 'signature_id');
    await qi.dropTable('signatures');
  },
};
