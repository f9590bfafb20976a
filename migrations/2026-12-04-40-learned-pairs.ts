import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

// Kinds of mail that were rare together in one event, per tenant (docs/correlation.md, "What
// grouping remembers"), written by src/events/learned-pairs.ts. Grouping keeps them two weeks;
// the memberships it rebuilds the rest from are read back for one day only, so the pairs are
// kept here rather than worked out again from two weeks of memberships.
export const migration: Migration = {
  async up({ context: qi }) {
    await qi.createTable('learned_pairs', {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenant_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'tenants', key: 'id' }, onDelete: 'CASCADE' },
      // the two kinds, in sorted order (kind_a < kind_b)
      kind_a: { type: DataTypes.TEXT, allowNull: false },
      kind_b: { type: DataTypes.TEXT, allowNull: false },
      // the event they were last rare together in, and when
      event_id: { type: DataTypes.INTEGER, allowNull: false },
      at: { type: DataTypes.DATE, allowNull: false },
    });
    await qi.addIndex('learned_pairs', ['tenant_id', 'kind_a', 'kind_b'], { name: 'learned_pairs_tenant_kinds', unique: true });
    await qi.addIndex('learned_pairs', ['tenant_id', 'at'], { name: 'learned_pairs_tenant_at' });
  },
  async down({ context: qi }) {
    await qi.dropTable('learned_pairs');
  },
};
