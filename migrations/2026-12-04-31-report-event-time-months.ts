import type { QueryInterface } from 'sequelize';
import { refillReportRollups as refillDays } from './2026-12-04-20-report-rollups.js';
import type { Migration } from './types.js';

// The times of a year's report (count, sum and histogram of the delays to first assignment and
// to completion, by severity) summed 70 columns over every row of report_event_days in the
// range: 50,000 rows a year for a busy tenant, the largest part of the report's time
// (BENCHMARKS.md, Reports). report_event_time_months holds the same sums per UTC month, org and
// severity only: a thousand rows a year. Its one writer is a trigger on report_event_days (whose
// own writers are the triggers of migration 2026-12-04-20): every change to a day's times
// changes its month's by the same amount, in the same transaction, so both are exact at every
// commit. A change of a day's MSE count alone (an MSE joining an event) does not touch it.
// PostgreSQL only, as the rollups are. Frozen here as first run: a migration must not change.

/** The delay histogram's buckets: the edges of migration 2026-12-04-20, and one bucket past the last. */
const BUCKETS = 35;
const buckets = (m: 'a' | 'c') => Array.from({ length: BUCKETS }, (_, i) => `${m}_b${i}`);
const SUMS = ['a_n', 'a_ms', 'c_n', 'c_ms', ...buckets('a'), ...buckets('c')];
const MONTH = (t: string) => `(date_trunc('month', ${t} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;
const K = (c: string) => `coalesce(${c}, '')`;

const CREATE = `
CREATE TABLE report_event_time_months (
  tenant_id integer NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  month timestamptz NOT NULL,
  org varchar(300), severity varchar(16),
  a_n bigint NOT NULL, a_ms bigint NOT NULL, c_n bigint NOT NULL, c_ms bigint NOT NULL,
  ${[...buckets('a'), ...buckets('c')].map((b) => `${b} bigint NOT NULL`).join(', ')}
);
CREATE UNIQUE INDEX report_event_time_months_key ON report_event_time_months (tenant_id, month, ${K('org')}, ${K('severity')});

-- A day row's times added to its month's row, or taken from it. Taking is a plain update of the
-- row the adding made, as in migration 2026-12-04-20: a tenant's removal, which cascades to both
-- rollups, never makes a row again.
CREATE FUNCTION report_event_time_months_add(d report_event_days, sign integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF sign > 0 THEN
    INSERT INTO report_event_time_months (tenant_id, month, org, severity, ${SUMS.join(', ')})
      VALUES (d.tenant_id, ${MONTH('d.day')}, d.org, d.severity, ${SUMS.map((c) => `d.${c}`).join(', ')})
      ON CONFLICT (tenant_id, month, ${K('org')}, ${K('severity')})
      DO UPDATE SET ${SUMS.map((c) => `${c} = report_event_time_months.${c} + EXCLUDED.${c}`).join(', ')};
  ELSE
    UPDATE report_event_time_months SET ${SUMS.map((c) => `${c} = ${c} - d.${c}`).join(', ')}
      WHERE tenant_id = d.tenant_id AND month = ${MONTH('d.day')} AND ${K('org')} = ${K('d.org')} AND ${K('severity')} = ${K('d.severity')};
  END IF;
END $$;

CREATE FUNCTION report_event_time_months_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM report_event_time_months_add(OLD, -1); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM report_event_time_months_add(NEW, 1); END IF;
  RETURN NULL;
END $$;

-- Every change of a day's times changes its count (an event leaves or joins the row), so the
-- counts tell when the times changed.
CREATE TRIGGER report_event_time_months_rollup AFTER INSERT OR DELETE ON report_event_days FOR EACH ROW EXECUTE FUNCTION report_event_time_months_rollup();
CREATE TRIGGER report_event_time_months_rollup_update AFTER UPDATE OF a_n, c_n ON report_event_days FOR EACH ROW
  WHEN ((OLD.a_n, OLD.c_n, OLD.a_ms, OLD.c_ms) IS DISTINCT FROM (NEW.a_n, NEW.c_n, NEW.a_ms, NEW.c_ms))
  EXECUTE FUNCTION report_event_time_months_rollup();
`;

const FILL = `
INSERT INTO report_event_time_months (tenant_id, month, org, severity, ${SUMS.join(', ')})
  SELECT tenant_id, ${MONTH('day')}, org, severity, ${SUMS.map((c) => `sum(${c})`).join(', ')} FROM report_event_days GROUP BY 1, 2, 3, 4;
`;

/**
 * Sums every rollup again from the rows (the reports bench loads its year with the triggers off;
 * test/bench/reports.ts): the days from the rows, with this table's trigger off, then the months
 * from the days.
 */
export async function refillReportRollups(qi: QueryInterface): Promise<void> {
  if (qi.sequelize.getDialect() !== 'postgres') return;
  await qi.sequelize.query('ALTER TABLE report_event_days DISABLE TRIGGER USER; TRUNCATE report_event_time_months');
  await refillDays(qi);
  await qi.sequelize.query(`ALTER TABLE report_event_days ENABLE TRIGGER USER; ${FILL}`);
}

export const migration: Migration = {
  async up({ context: qi }) {
    if (qi.sequelize.getDialect() !== 'postgres') return;
    // One query string is one transaction on PostgreSQL: all of it is made, or none.
    await qi.sequelize.query(`${CREATE}\n${FILL}`);
  },
  async down({ context: qi }) {
    if (qi.sequelize.getDialect() !== 'postgres') return;
    await qi.sequelize.query(`
      DROP TRIGGER report_event_time_months_rollup ON report_event_days; DROP TRIGGER report_event_time_months_rollup_update ON report_event_days;
      DROP FUNCTION report_event_time_months_rollup(); DROP FUNCTION report_event_time_months_add(report_event_days, integer);
      DROP TABLE report_event_time_months;
    `);
  },
};
