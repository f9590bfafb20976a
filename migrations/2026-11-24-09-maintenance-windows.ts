import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

export const migration: Migration = {
  async up({ context: qi }) {
    // A time when a part of the estate is worked on: its streams raise no schedule alerts then,
    // nor for one window after it (src/schedules/maintenance.ts).
    await qi.createTable('maintenance_windows', {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenant_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'tenants', key: 'id' }, onDelete: 'CASCADE' },
      // an org pattern (`a.b.*`, `*`) or a stream key
      scope: { type: DataTypes.STRING(600), allowNull: false },
      starts_at: { type: DataTypes.DATE, allowNull: false },
      ends_at: { type: DataTypes.DATE, allowNull: false },
      reason: { type: DataTypes.STRING(500), allowNull: false },
      created_by: { type: DataTypes.STRING(320), allowNull: false },
      ended_at: { type: DataTypes.DATE, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false },
    });
    // The evaluator reads the windows that have not long ended.
    await qi.addIndex('maintenance_windows', ['tenant_id', 'ends_at'], { name: 'maintenance_windows_tenant_end' });
  },
  async down({ context: qi }) {
    await qi.dropTable('maintenance_windows');
  },
};
