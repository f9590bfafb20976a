import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

export const migration: Migration = {
  async up({ context: qi }) {
    // Why a message's classification is partial or missing (its HTML cut short, its
    // classification stopped by the fence); null when it is whole (docs/operations.md).
    await qi.addColumn('messages', 'classification_note', { type: DataTypes.TEXT, allowNull: true });
    // How many times process-pending tried to finish a message: it stops after a few.
    await qi.addColumn('messages', 'classify_attempts', { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 });
  },
  async down({ context: qi }) {
    await qi.removeColumn('messages', 'classify_attempts');
    await qi.removeColumn('messages', 'classification_note');
  },
};
