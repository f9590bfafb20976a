import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

// A suggested rule that an engineer dismissed stays, disabled and marked dismissed, so that filing
// another message of the same shape by hand does not propose it again (docs/web.md, Rules).
export const migration: Migration = {
  async up({ context: qi }) {
    await qi.addColumn('rules', 'dismissed_at', { type: DataTypes.DATE, allowNull: true });
    await qi.addColumn('rules', 'dismissed_by', { type: DataTypes.STRING(320), allowNull: true });
  },
  async down({ context: qi }) {
    await qi.removeColumn('rules', 'dismissed_by');
    await qi.removeColumn('rules', 'dismissed_at');
  },
};
