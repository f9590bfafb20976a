import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

// What the reports read (docs/web.md, Reports), so that a year of mail is summed by the database
// from indexes rather than from the whole tables:
// - messages.tool: the tool pack that recognised the message (docs/tool-packs.md), null when none did;
// - events.first_assigned_at: when someone was first assigned (assigned_at moves with every
//   reassignment and is cleared by an unassignment, but the time to a first response does not);
// - events by tenant and creation time, with what reports read of them: every event created in a
//   range, open or not.
export const migration: Migration = {
  async up({ context: qi }) {
    await qi.addColumn('messages', 'tool', { type: DataTypes.STRING(64), allowNull: true });
    // Messages classified before the column existed: the tool pack is known where it decided a
    // field (decided_by says `tool:<tool>`); the others count as recognised by none.
    const decided = (field: string) => (qi.sequelize.getDialect() === 'postgres' ? `(decided_by->>'${field}')` : `json_extract(decided_by, '$.${field}')`);
    await qi.sequelize.query(
      `UPDATE messages SET tool = substr(CASE WHEN ${decided('severity')} LIKE 'tool:%' THEN ${decided('severity')} ELSE ${decided('servers')} END, 6)
       WHERE ${decided('severity')} LIKE 'tool:%' OR ${decided('servers')} LIKE 'tool:%'`,
    );
    await qi.addColumn('events', 'first_assigned_at', { type: DataTypes.DATE, allowNull: true });
    // Events assigned before the column existed: their first assignment is in the activity trail.
    await qi.sequelize.query(
      `UPDATE events SET first_assigned_at = (SELECT min(a.at) FROM activities a WHERE a.event_id = events.id AND a.action IN ('assigned', 'reassigned'))
       WHERE EXISTS (SELECT 1 FROM activities a WHERE a.event_id = events.id AND a.action IN ('assigned', 'reassigned'))`,
    );
    // Every column a report reads of the events is in the index, so PostgreSQL scans the index
    // alone (an index-only scan) and SQLite uses it as a covering index: a year of events without
    // reading their titles, servers and details. All bounded in size (an index entry has a limit).
    const covered = ['id', 'kind', 'status', 'severity', 'org', 'first_assigned_at', 'completed_at'];
    if (qi.sequelize.getDialect() === 'postgres') {
      await qi.sequelize.query(`CREATE INDEX events_tenant_created ON events (tenant_id, created_at) INCLUDE (${covered.join(', ')})`);
    } else {
      await qi.addIndex('events', ['tenant_id', 'created_at', ...covered.slice(1)], { name: 'events_tenant_created' });
    }
  },
  async down({ context: qi }) {
    await qi.removeIndex('events', 'events_tenant_created');
    await qi.removeColumn('events', 'first_assigned_at');
    await qi.removeColumn('messages', 'tool');
  },
};
