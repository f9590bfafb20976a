import type { Migration } from './types.js';

// Most of what a report reads of report_event_days is narrow: the counts by status, org,
// severity and kind, the events per day, the messages in them. The table's rows are wide (the
// delay histograms' 70 columns), so reading those few columns from the table read all of it: a
// year's rows of a tenant, a third of a second each time (BENCHMARKS.md, Reports). This index
// holds just them, in the order a range reads them. PostgreSQL only, as the rollups are.
export const migration: Migration = {
  async up({ context: qi }) {
    if (qi.sequelize.getDialect() !== 'postgres') return;
    await qi.sequelize.query(
      'CREATE INDEX report_event_days_counts ON report_event_days (tenant_id, day) INCLUDE (kind, org, severity, status, assigned, n, messages)',
    );
  },
  async down({ context: qi }) {
    if (qi.sequelize.getDialect() !== 'postgres') return;
    await qi.sequelize.query('DROP INDEX report_event_days_counts');
  },
};
