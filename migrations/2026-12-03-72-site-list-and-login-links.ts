import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

const tenantRef = { type: DataTypes.INTEGER, allowNull: false, references: { model: 'tenants', key: 'id' }, onDelete: 'CASCADE' };

/**
 * The event list's order (src/events/site-queries.ts, docs/web.md) as index keys: severity rank,
 * unassigned first, newest first. The list's ORDER BY uses these very expressions, so the
 * database reads a page off the index instead of sorting every matching event.
 */
export const LIST_KEY =
  "tenant_id, (CASE severity WHEN 'critical' THEN 3 WHEN 'warn' THEN 2 WHEN 'info' THEN 1 ELSE 0 END), (CASE WHEN assignee_id IS NULL THEN 1 ELSE 0 END), created_at, id";

export const migration: Migration = {
  async up({ context: qi }) {
    // The open events (a few thousand among a million, BENCHMARKS.md "Web site"), and all of
    // them (the completed list and "open or completed").
    await qi.sequelize.query(`CREATE INDEX events_list_open ON events (${LIST_KEY}) WHERE status <> 'completed'`);
    await qi.sequelize.query(`CREATE INDEX events_list ON events (${LIST_KEY})`);

    // The site's login links by mail (src/web/login-links.ts): only a hash of the token is
    // kept, so the table read by someone else logs nobody in.
    await qi.createTable('login_links', {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenant_id: tenantRef,
      user_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'users', key: 'id' }, onDelete: 'CASCADE' },
      token_hash: { type: DataTypes.STRING(64), allowNull: false, unique: true },
      expires_at: { type: DataTypes.DATE, allowNull: false },
      used_at: { type: DataTypes.DATE, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false },
    });
    await qi.addIndex('login_links', ['user_id', 'created_at'], { name: 'login_links_user_created' });
  },
  async down({ context: qi }) {
    await qi.dropTable('login_links');
    await qi.removeIndex('events', 'events_list');
    await qi.removeIndex('events', 'events_list_open');
  },
};
