import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

export const migration: Migration = {
  async up({ context: qi }) {
    await qi.createTable('rules', {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenant_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'tenants', key: 'id' }, onDelete: 'CASCADE' },
      name: { type: DataTypes.STRING(200), allowNull: false },
      position: { type: DataTypes.INTEGER, allowNull: false },
      enabled: { type: DataTypes.BOOLEAN, allowNull: false },
      conditions: { type: DataTypes.JSON, allowNull: false },
      actions: { type: DataTypes.JSON, allowNull: false },
      continue: { type: DataTypes.BOOLEAN, allowNull: false },
      override: { type: DataTypes.BOOLEAN, allowNull: false },
      hits: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      last_matched_at: { type: DataTypes.DATE, allowNull: true },
      created_by: { type: DataTypes.STRING(320), allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
      updated_at: { type: DataTypes.DATE, allowNull: false },
    });
    await qi.addIndex('rules', ['tenant_id', 'name'], { unique: true, name: 'rules_tenant_name' });
    // Bumped with every rule change, so each process knows when its compiled rules are stale.
    await qi.addColumn('tenants', 'rules_revision', { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 });

    await qi.createTable('reclassification_runs', {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenant_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'tenants', key: 'id' }, onDelete: 'CASCADE' },
      cursor: { type: DataTypes.INTEGER, allowNull: false },
      scanned: { type: DataTypes.INTEGER, allowNull: false },
      changed_count: { type: DataTypes.INTEGER, allowNull: false },
      started_at: { type: DataTypes.DATE, allowNull: false },
      finished_at: { type: DataTypes.DATE, allowNull: true },
    });
    await qi.addIndex('reclassification_runs', ['tenant_id', 'finished_at'], { name: 'reclassification_runs_tenant' });
  },
  async down({ context: qi }) {
    await qi.dropTable('reclassification_runs');
    await qi.removeColumn('tenants', 'rules_revision');
    await qi.dropTable('rules');
  },
};
