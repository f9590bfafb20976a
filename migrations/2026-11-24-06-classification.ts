import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

// Every message gets a classification and remembers who decided it. `classified_at` null means
// "stored but not processed yet": the pipeline picks such messages up again after a crash.
export const migration: Migration = {
  async up({ context: qi }) {
    await qi.addColumn('messages', 'severity', { type: DataTypes.STRING(16), allowNull: true });
    await qi.addColumn('messages', 'org', { type: DataTypes.STRING(300), allowNull: true });
    await qi.addColumn('messages', 'servers', { type: DataTypes.JSON, allowNull: true });
    await qi.addColumn('messages', 'schedule', { type: DataTypes.JSON, allowNull: true });
    await qi.addColumn('messages', 'classified_by', { type: DataTypes.STRING(64), allowNull: true });
    await qi.addColumn('messages', 'decided_by', { type: DataTypes.JSON, allowNull: true });
    await qi.addColumn('messages', 'tag_warnings', { type: DataTypes.JSON, allowNull: true });
    await qi.addColumn('messages', 'classified_at', { type: DataTypes.DATE, allowNull: true });
    await qi.addIndex('messages', ['tenant_id', 'classified_at'], { name: 'messages_tenant_classified' });
  },
  async down({ context: qi }) {
    await qi.removeIndex('messages', 'messages_tenant_classified');
    for (const column of ['severity', 'org', 'servers', 'schedule', 'classified_by', 'decided_by', 'tag_warnings', 'classified_at']) {
      await qi.removeColumn('messages', column);
    }
  },
};
