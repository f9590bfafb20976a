import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

const id = { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true };
const tenantRef = { type: DataTypes.INTEGER, allowNull: false, references: { model: 'tenants', key: 'id' }, onDelete: 'CASCADE' };

export const migration: Migration = {
  async up({ context: qi }) {
    await qi.createTable('tenants', {
      id,
      name: { type: DataTypes.STRING(64), allowNull: false, unique: true },
      display_name: { type: DataTypes.STRING(200), allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
    });
    await qi.createTable('mailboxes', {
      id,
      tenant_id: tenantRef,
      kind: { type: DataTypes.STRING(16), allowNull: false },
      address: { type: DataTypes.STRING(320), allowNull: false },
      mode: { type: DataTypes.STRING(16), allowNull: false },
      settings: { type: DataTypes.JSON, allowNull: false },
      last_error: { type: DataTypes.TEXT, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false },
    });
    // One address, one owner: the SMTP listener must never have to guess the tenant.
    await qi.addIndex('mailboxes', ['kind', 'address'], { unique: true, name: 'mailboxes_kind_address' });
    await qi.addIndex('mailboxes', ['tenant_id'], { name: 'mailboxes_tenant' });
  },
  async down({ context: qi }) {
    await qi.dropTable('mailboxes');
    await qi.dropTable('tenants');
  },
};
