import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

export const migration: Migration = {
  async up({ context: qi }) {
    // Until when a stream's past is history brought in by `datamer import` (docs/schedules.md):
    // no schedule alert is raised for a window that reaches into it.
    await qi.addColumn('streams', 'history_until', { type: DataTypes.DATE, allowNull: true });
  },
  async down({ context: qi }) {
    await qi.removeColumn('streams', 'history_until');
  },
};
