import type { Migration } from './types.js';

// The reports count a day's messages (and narrow them to an org pattern) from the index by tenant
// and arrival alone: it gets the org, severity and tool as included columns (docs/web.md, Reports;
// BENCHMARKS.md, Reports). Not the sender: an address has no length limit, and an index entry has.
const covered = ['org', 'severity', 'tool'];

export const migration: Migration = {
  async up({ context: qi }) {
    await qi.removeIndex('messages', 'messages_tenant_received');
    if (qi.sequelize.getDialect() === 'postgres') {
      await qi.sequelize.query(`CREATE INDEX messages_tenant_received ON messages (tenant_id, received_at) INCLUDE (${covered.join(', ')})`);
    } else {
      // SQLite has no INCLUDE: the columns go at the end of the key, which it reads as a covering index.
      await qi.addIndex('messages', ['tenant_id', 'received_at', ...covered], { name: 'messages_tenant_received' });
    }
  },
  async down({ context: qi }) {
    await qi.removeIndex('messages', 'messages_tenant_received');
    await qi.addIndex('messages', ['tenant_id', 'received_at'], { name: 'messages_tenant_received' });
  },
};
