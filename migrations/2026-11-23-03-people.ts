import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

const id = { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true };
const ref = (table: string) => ({ type: DataTypes.INTEGER, allowNull: false, references: { model: table, key: 'id' }, onDelete: 'CASCADE' });
const createdAt = { type: DataTypes.DATE, allowNull: false };

export const migration: Migration = {
  async up({ context: qi }) {
    await qi.createTable('users', {
      id,
      tenant_id: ref('tenants'),
      email: { type: DataTypes.STRING(320), allowNull: false },
      display_name: { type: DataTypes.STRING(200), allowNull: false },
      handle: { type: DataTypes.STRING(64), allowNull: false },
      created_at: createdAt,
    });
    await qi.addIndex('users', ['tenant_id', 'handle'], { unique: true, name: 'users_tenant_handle' });
    await qi.addIndex('users', ['tenant_id', 'email'], { unique: true, name: 'users_tenant_email' });

    await qi.createTable('groups', {
      id,
      tenant_id: ref('tenants'),
      name: { type: DataTypes.STRING(100), allowNull: false },
      created_at: createdAt,
    });
    await qi.addIndex('groups', ['tenant_id', 'name'], { unique: true, name: 'groups_tenant_name' });

    await qi.createTable('memberships', {
      id,
      tenant_id: ref('tenants'),
      group_id: ref('groups'),
      user_id: ref('users'),
      created_at: createdAt,
    });
    await qi.addIndex('memberships', ['group_id', 'user_id'], { unique: true, name: 'memberships_group_user' });

    await qi.createTable('subscriptions', {
      id,
      tenant_id: ref('tenants'),
      group_id: ref('groups'),
      org_pattern: { type: DataTypes.STRING(300), allowNull: false },
      level: { type: DataTypes.STRING(16), allowNull: false },
      created_at: createdAt,
    });
    await qi.addIndex('subscriptions', ['group_id', 'org_pattern'], { unique: true, name: 'subscriptions_group_pattern' });
  },
  async down({ context: qi }) {
    for (const table of ['subscriptions', 'memberships', 'groups', 'users']) await qi.dropTable(table);
  },
};
