import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

export const migration: Migration = {
  async up({ context: qi }) {
    // Every MERGE and SPLIT an engineer makes (docs/correlation.md, "Correcting the grouping"),
    // written by src/events/corrections.ts: which messages moved from which event to which, who,
    // how, when and why. They are what a learned grouping is trained on, so nothing is ever
    // updated or deleted here.
    await qi.createTable('event_corrections', {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenant_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'tenants', key: 'id' }, onDelete: 'CASCADE' },
      kind: { type: DataTypes.STRING(16), allowNull: false },
      from_event_id: { type: DataTypes.INTEGER, allowNull: false },
      to_event_id: { type: DataTypes.INTEGER, allowNull: false },
      message_ids: { type: DataTypes.JSON, allowNull: false },
      actor: { type: DataTypes.STRING(320), allowNull: false },
      via: { type: DataTypes.STRING(16), allowNull: false },
      reason: { type: DataTypes.TEXT, allowNull: true },
      detail: { type: DataTypes.JSON, allowNull: false },
      at: { type: DataTypes.DATE, allowNull: false },
    });
    await qi.addIndex('event_corrections', ['tenant_id', 'at'], { name: 'event_corrections_tenant_at' });
    // An event merged into another is completed and says into which (never deleted).
    await qi.addColumn('events', 'merged_into_id', { type: DataTypes.INTEGER, allowNull: true });
  },
  async down({ context: qi }) {
    await qi.removeColumn('events', 'merged_into_id');
    await qi.dropTable('event_corrections');
  },
};
