import { Op } from 'sequelize';
import type { Migration } from './types.js';

export const migration: Migration = {
  async up({ context: qi }) {
    // The site's dashboard and event list read the open events of a tenant, newest first, among
    // a million that are completed (BENCHMARKS.md, Web site): a partial index holds only the
    // open ones, so those pages do not grow with the history.
    await qi.addIndex('events', ['tenant_id', 'created_at'], { name: 'events_tenant_open_created', where: { status: { [Op.ne]: 'completed' } } });
  },
  async down({ context: qi }) {
    await qi.removeIndex('events', 'events_tenant_open_created');
  },
};
