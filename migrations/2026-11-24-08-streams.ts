import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

export const migration: Migration = {
  async up({ context: qi }) {
    // Which stream a message counts in (null: it carries no schedule); the evaluator counts by it.
    await qi.addColumn('messages', 'stream_key', { type: DataTypes.STRING(600), allowNull: true });
    await qi.addIndex('messages', ['tenant_id', 'stream_key', 'received_at'], { name: 'messages_stream_time' });

    await qi.createTable('streams', {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenant_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'tenants', key: 'id' }, onDelete: 'CASCADE' },
      key: { type: DataTypes.STRING(600), allowNull: false },
      label: { type: DataTypes.STRING(200), allowNull: true },
      org: { type: DataTypes.STRING(300), allowNull: true },
      servers: { type: DataTypes.JSON, allowNull: false },
      from_address: { type: DataTypes.STRING(320), allowNull: false },
      period: { type: DataTypes.STRING(8), allowNull: false },
      n: { type: DataTypes.INTEGER, allowNull: false },
      v: { type: DataTypes.INTEGER, allowNull: false },
      missing_severity: { type: DataTypes.STRING(16), allowNull: false },
      grace_ms: { type: DataTypes.INTEGER, allowNull: true },
      muted: { type: DataTypes.BOOLEAN, allowNull: false },
      state: { type: DataTypes.STRING(16), allowNull: false },
      count: { type: DataTypes.INTEGER, allowNull: false },
      first_seen_at: { type: DataTypes.DATE, allowNull: false },
      last_seen_at: { type: DataTypes.DATE, allowNull: false },
      next_check_at: { type: DataTypes.DATE, allowNull: false },
      missing_event_id: { type: DataTypes.INTEGER, allowNull: true },
      excess_event_id: { type: DataTypes.INTEGER, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false },
    });
    await qi.addIndex('streams', ['tenant_id', 'key'], { unique: true, name: 'streams_tenant_key' });
    // The evaluation job asks "which streams are due?" every minute: never a scan of all of them.
    await qi.addIndex('streams', ['next_check_at'], { name: 'streams_due' });

    // A schedule alert is an event of a stream, with what was expected and what came.
    await qi.addColumn('events', 'stream_id', { type: DataTypes.INTEGER, allowNull: true });
    await qi.addColumn('events', 'detail', { type: DataTypes.JSON, allowNull: true });

    // Where incremental jobs stopped (message ids they have seen).
    await qi.createTable('job_cursors', {
      name: { type: DataTypes.STRING(64), primaryKey: true },
      position: { type: DataTypes.INTEGER, allowNull: false },
    });
  },
  async down({ context: qi }) {
    await qi.dropTable('job_cursors');
    await qi.removeColumn('events', 'detail');
    await qi.removeColumn('events', 'stream_id');
    await qi.dropTable('streams');
    await qi.removeIndex('messages', 'messages_stream_time');
    await qi.removeColumn('messages', 'stream_key');
  },
};
