import type { QueryInterface } from 'sequelize';
import type { Migration } from './types.js';

// The reports' daily rollups on PostgreSQL, kept by triggers (docs/web.md, Reports), and what
// the reports read of the events now that an event merged into another counts nowhere:
// merged_into_id joins the covering index of the events by tenant and creation time.
//
// The rollups' one writer is the set of triggers defined here: every insert, update and delete
// of a message, an event or an event's message changes the rollup rows in the same transaction,
// whichever module wrote the row (ingest, classification, reclassify, labels, the event
// lifecycle, MERGE, SPLIT, a tenant's removal). So the rollups are exact at every commit, and
// nothing in Node writes them.
//
// - report_message_days: messages per UTC day, org, severity and tool;
// - report_sender_months: messages per UTC month, org and sender (a day has about as many
//   sender rows as messages; a month far fewer);
// - report_event_days: events per UTC day, kind, org, severity, status and whether someone was
//   ever assigned, with the messages in them, and the times to first assignment and to
//   completion as counts, sums and a histogram over DELAY_EDGES_S. An event merged into another
//   counts nowhere (its messages count in the event that took them).
// The exact medians, minima and maxima are read from the events themselves, from one histogram
// bucket each (src/reports/rollup-queries.ts), by the indexes on the times made here.
//
// Increments are upserts; decrements are plain updates of the row the increment made, so a
// tenant's removal (which cascades to its rows and to its rollups) never re-creates a row.
// SQLite has no rollups: a team small enough for it is reported from its rows (queries.ts).
//
// All of it is frozen here, as it was when this migration was first run: a migration must say
// the same thing for ever, whatever becomes of the code that reads its tables.

/**
 * The edges of the time histogram, in seconds: a value v falls in bucket i when edge i-1 <= v <
 * edge i (bucket 0: under the first edge; the last: from the last edge on). A frozen copy of
 * the report's DELAY_EDGES_S (src/reports/delay-edges.ts), which reads the columns by them
 * (test/unit/reports/delay-edges.test.ts checks they are the same): other edges need a new
 * migration that makes new columns.
 */
export const DELAY_EDGES_S = [
  1, 2, 5, 10, 20, 30, 60, 120, 180, 300, 420, 600, 900, 1200, 1800, 2400, 3600, 5400, 7200, 10_800, 14_400, 21_600, 28_800,
  43_200, 64_800, 86_400, 129_600, 172_800, 259_200, 345_600, 432_000, 604_800, 1_209_600, 2_592_000,
] as const;
const DELAY_BUCKET_COUNT = DELAY_EDGES_S.length + 1;

const EDGES_MS = `ARRAY[${DELAY_EDGES_S.map((s) => s * 1000).join(', ')}]::bigint[]`;
const buckets = (m: 'a' | 'c') => Array.from({ length: DELAY_BUCKET_COUNT }, (_, i) => `${m}_b${i}`);
const DAY = (t: string) => `(date_trunc('day', ${t} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;
const MONTH = (t: string) => `(date_trunc('month', ${t} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;
/** NULL is a value of its own in a rollup's key: the unique indexes and lookups compare this. */
const K = (c: string) => `coalesce(${c}, '')`;

const TABLES = `
CREATE TABLE report_message_days (
  tenant_id integer NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  day timestamptz NOT NULL,
  org varchar(300), severity varchar(16), tool varchar(64),
  n bigint NOT NULL
);
CREATE UNIQUE INDEX report_message_days_key ON report_message_days (tenant_id, day, ${K('org')}, ${K('severity')}, ${K('tool')});

CREATE TABLE report_sender_months (
  tenant_id integer NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  month timestamptz NOT NULL,
  org varchar(300), sender text,
  n bigint NOT NULL
);
-- A sender address has no length limit and an index entry has one: the key holds its md5.
CREATE UNIQUE INDEX report_sender_months_key ON report_sender_months (tenant_id, month, ${K('org')}, md5(${K('sender')}));

CREATE TABLE report_event_days (
  tenant_id integer NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  day timestamptz NOT NULL,
  kind varchar(32) NOT NULL, org varchar(300), severity varchar(16), status varchar(16) NOT NULL, assigned boolean NOT NULL,
  -- A day's count of one key fits an integer, and integers are summed the fastest (BENCHMARKS.md, Reports).
  n integer NOT NULL, messages integer NOT NULL,
  a_n integer NOT NULL, a_ms bigint NOT NULL, c_n integer NOT NULL, c_ms bigint NOT NULL,
  ${[...buckets('a'), ...buckets('c')].map((b) => `${b} integer NOT NULL`).join(', ')}
);
CREATE UNIQUE INDEX report_event_days_key ON report_event_days (tenant_id, day, kind, ${K('org')}, ${K('severity')}, status, assigned);

-- Milliseconds from an event's creation to its first assignment and to its completion.
ALTER TABLE events
  ADD COLUMN assign_ms bigint GENERATED ALWAYS AS ((extract(epoch FROM first_assigned_at - created_at) * 1000)::bigint) STORED,
  ADD COLUMN complete_ms bigint GENERATED ALWAYS AS ((extract(epoch FROM completed_at - created_at) * 1000)::bigint) STORED;
CREATE INDEX events_report_assign ON events (tenant_id, severity, assign_ms) INCLUDE (created_at, org, merged_into_id) WHERE assign_ms IS NOT NULL;
CREATE INDEX events_report_complete ON events (tenant_id, severity, complete_ms) INCLUDE (created_at, org, merged_into_id) WHERE complete_ms IS NOT NULL;
-- Schedule alerts are few among the events: their own index, so their table reads only them.
CREATE INDEX events_report_alerts ON events (tenant_id, created_at) INCLUDE (kind, status, severity, org, first_assigned_at, completed_at, merged_into_id)
  WHERE kind IN ('schedule-missing', 'schedule-excess');
`;

/**
 * The event rollup's values for one event row `e`, with its `msgs` messages, times `sign`; `ab`
 * and `cb` are the histogram buckets of its two times (null without the time).
 */
function eventValues(e: string, sign: string, msgs: string, ab: string, cb: string): string[] {
  const hist = (m: 'a' | 'c', b: string) => buckets(m).map((_, i) => `CASE WHEN ${b} = ${i} THEN ${sign} ELSE 0 END`);
  return [
    sign, `${sign} * ${msgs}`,
    `CASE WHEN ${e}.assign_ms IS NULL THEN 0 ELSE ${sign} END`, `${sign} * coalesce(${e}.assign_ms, 0)`,
    `CASE WHEN ${e}.complete_ms IS NULL THEN 0 ELSE ${sign} END`, `${sign} * coalesce(${e}.complete_ms, 0)`,
    ...hist('a', ab), ...hist('c', cb),
  ];
}
const bucketOf = (v: string) => `width_bucket(${v}, ${EDGES_MS})`;
const EVENT_SUMS = ['n', 'messages', 'a_n', 'a_ms', 'c_n', 'c_ms', ...buckets('a'), ...buckets('c')];

const eventKeyWhere = (e: string) =>
  `tenant_id = ${e}.tenant_id AND day = ${DAY(`${e}.created_at`)} AND kind = ${e}.kind AND ${K('org')} = ${K(`${e}.org`)}
   AND ${K('severity')} = ${K(`${e}.severity`)} AND status = ${e}.status AND assigned = (${e}.first_assigned_at IS NOT NULL)`;

const FUNCTIONS = `
CREATE FUNCTION report_messages_add(m messages, sign integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF sign > 0 THEN
    INSERT INTO report_message_days (tenant_id, day, org, severity, tool, n) VALUES (m.tenant_id, ${DAY('m.received_at')}, m.org, m.severity, m.tool, 1)
      ON CONFLICT (tenant_id, day, ${K('org')}, ${K('severity')}, ${K('tool')}) DO UPDATE SET n = report_message_days.n + 1;
    INSERT INTO report_sender_months (tenant_id, month, org, sender, n) VALUES (m.tenant_id, ${MONTH('m.received_at')}, m.org, m.from_address, 1)
      ON CONFLICT (tenant_id, month, ${K('org')}, md5(${K('sender')})) DO UPDATE SET n = report_sender_months.n + 1;
  ELSE
    UPDATE report_message_days SET n = n - 1
      WHERE tenant_id = m.tenant_id AND day = ${DAY('m.received_at')} AND ${K('org')} = ${K('m.org')} AND ${K('severity')} = ${K('m.severity')} AND ${K('tool')} = ${K('m.tool')};
    UPDATE report_sender_months SET n = n - 1
      WHERE tenant_id = m.tenant_id AND month = ${MONTH('m.received_at')} AND ${K('org')} = ${K('m.org')} AND md5(${K('sender')}) = md5(${K('m.from_address')});
  END IF;
END $$;

CREATE FUNCTION report_messages_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM report_messages_add(OLD, -1); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM report_messages_add(NEW, 1); END IF;
  RETURN NULL;
END $$;

-- An event's share of report_event_days: none once it is merged into another.
CREATE FUNCTION report_events_add(e events, sign integer, msgs bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  ab integer := ${bucketOf('e.assign_ms')};
  cb integer := ${bucketOf('e.complete_ms')};
BEGIN
  IF e.merged_into_id IS NOT NULL THEN RETURN; END IF;
  IF sign > 0 THEN
    INSERT INTO report_event_days (tenant_id, day, kind, org, severity, status, assigned, ${EVENT_SUMS.join(', ')})
      VALUES (e.tenant_id, ${DAY('e.created_at')}, e.kind, e.org, e.severity, e.status, e.first_assigned_at IS NOT NULL, ${eventValues('e', '1', 'msgs', 'ab', 'cb').join(', ')})
      ON CONFLICT (tenant_id, day, kind, ${K('org')}, ${K('severity')}, status, assigned)
      DO UPDATE SET ${EVENT_SUMS.map((c) => `${c} = report_event_days.${c} + EXCLUDED.${c}`).join(', ')};
  ELSE
    UPDATE report_event_days SET ${EVENT_SUMS.map((c, i) => `${c} = ${c} + (${eventValues('e', '-1', 'msgs', 'ab', 'cb')[i]})`).join(', ')}
      WHERE ${eventKeyWhere('e')};
  END IF;
END $$;

-- An event's own row counts its messages as they stand when it changes. A new event counts none:
-- its messages are counted as they join it (report_event_messages_add), in whichever order the
-- triggers of one statement that writes both (the grouping's) fire. An event's update and its
-- messages' moves are never one statement (src/events/), so the count read here is the event's.
CREATE FUNCTION report_events_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE msgs bigint := 0;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    SELECT count(*) INTO msgs FROM event_messages WHERE event_id = OLD.id;
    PERFORM report_events_add(OLD, -1, msgs);
  END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM report_events_add(NEW, 1, msgs); END IF;
  RETURN NULL;
END $$;

-- A message joining or leaving an event counts in the event's row as it stands now; joining
-- may come before the event's own row is made (one statement writes both): the upsert makes it.
CREATE FUNCTION report_event_messages_add(link_event_id integer, sign integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE e events;
BEGIN
  SELECT * INTO e FROM events WHERE id = link_event_id;
  IF NOT FOUND OR e.merged_into_id IS NOT NULL THEN RETURN; END IF;
  IF sign > 0 THEN
    INSERT INTO report_event_days (tenant_id, day, kind, org, severity, status, assigned, ${EVENT_SUMS.join(', ')})
      VALUES (e.tenant_id, ${DAY('e.created_at')}, e.kind, e.org, e.severity, e.status, e.first_assigned_at IS NOT NULL, 0, 1, ${EVENT_SUMS.slice(2).map(() => '0').join(', ')})
      ON CONFLICT (tenant_id, day, kind, ${K('org')}, ${K('severity')}, status, assigned) DO UPDATE SET messages = report_event_days.messages + 1;
  ELSE
    UPDATE report_event_days SET messages = messages - 1 WHERE ${eventKeyWhere('e')};
  END IF;
END $$;

CREATE FUNCTION report_event_messages_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM report_event_messages_add(OLD.event_id, -1); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM report_event_messages_add(NEW.event_id, 1); END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER report_messages_rollup AFTER INSERT OR DELETE ON messages FOR EACH ROW EXECUTE FUNCTION report_messages_rollup();
CREATE TRIGGER report_messages_rollup_update AFTER UPDATE OF tenant_id, received_at, org, severity, tool, from_address ON messages FOR EACH ROW
  WHEN ((OLD.tenant_id, OLD.received_at, OLD.org, OLD.severity, OLD.tool, OLD.from_address) IS DISTINCT FROM (NEW.tenant_id, NEW.received_at, NEW.org, NEW.severity, NEW.tool, NEW.from_address))
  EXECUTE FUNCTION report_messages_rollup();
CREATE TRIGGER report_events_rollup AFTER INSERT OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION report_events_rollup();
CREATE TRIGGER report_events_rollup_update AFTER UPDATE OF tenant_id, created_at, kind, org, severity, status, first_assigned_at, completed_at, merged_into_id ON events FOR EACH ROW
  WHEN ((OLD.tenant_id, OLD.created_at, OLD.kind, OLD.org, OLD.severity, OLD.status, OLD.first_assigned_at, OLD.completed_at, OLD.merged_into_id)
        IS DISTINCT FROM (NEW.tenant_id, NEW.created_at, NEW.kind, NEW.org, NEW.severity, NEW.status, NEW.first_assigned_at, NEW.completed_at, NEW.merged_into_id))
  EXECUTE FUNCTION report_events_rollup();
CREATE TRIGGER report_event_messages_rollup AFTER INSERT OR DELETE OR UPDATE OF event_id ON event_messages FOR EACH ROW EXECUTE FUNCTION report_event_messages_rollup();
`;

/** The rollups of what is stored already, summed once from the rows (the triggers keep them from then on). */
const FILL = `
INSERT INTO report_message_days (tenant_id, day, org, severity, tool, n)
  SELECT tenant_id, ${DAY('received_at')}, org, severity, tool, count(*) FROM messages GROUP BY 1, 2, 3, 4, 5;
INSERT INTO report_sender_months (tenant_id, month, org, sender, n)
  SELECT tenant_id, ${MONTH('received_at')}, org, from_address, count(*) FROM messages GROUP BY 1, 2, 3, 4;
INSERT INTO report_event_days (tenant_id, day, kind, org, severity, status, assigned, ${EVENT_SUMS.join(', ')})
  SELECT e.tenant_id, ${DAY('e.created_at')}, e.kind, e.org, e.severity, e.status, e.first_assigned_at IS NOT NULL,
         ${eventValues('e', '1', 'coalesce(l.n, 0)', bucketOf('e.assign_ms'), bucketOf('e.complete_ms')).map((v) => `sum(${v})`).join(', ')}
  FROM events e LEFT JOIN (SELECT event_id, count(*) AS n FROM event_messages GROUP BY event_id) l ON l.event_id = e.id
  WHERE e.merged_into_id IS NULL
  GROUP BY 1, 2, 3, 4, 5, 6, 7;
`;

async function createReportRollups(qi: QueryInterface): Promise<void> {
  if (qi.sequelize.getDialect() !== 'postgres') return;
  // One query string is one transaction on PostgreSQL: all of it is made, or none.
  await qi.sequelize.query(`${TABLES}\n${FUNCTIONS}\n${FILL}`);
}

/**
 * Sums the rollups again from the rows, for a database whose rows were loaded with the triggers
 * off (the reports bench loads a year in bulk so; test/bench/reports.ts). Empty rollups first.
 */
export async function refillReportRollups(qi: QueryInterface): Promise<void> {
  if (qi.sequelize.getDialect() !== 'postgres') return;
  await qi.sequelize.query(`TRUNCATE report_message_days, report_sender_months, report_event_days;\n${FILL}`);
}

async function dropReportRollups(qi: QueryInterface): Promise<void> {
  if (qi.sequelize.getDialect() !== 'postgres') return;
  await qi.sequelize.query(`
    DROP TRIGGER report_messages_rollup ON messages; DROP TRIGGER report_messages_rollup_update ON messages;
    DROP TRIGGER report_events_rollup ON events; DROP TRIGGER report_events_rollup_update ON events;
    DROP TRIGGER report_event_messages_rollup ON event_messages;
    DROP FUNCTION report_messages_rollup(); DROP FUNCTION report_messages_add(messages, integer);
    DROP FUNCTION report_events_rollup(); DROP FUNCTION report_events_add(events, integer, bigint);
    DROP FUNCTION report_event_messages_rollup(); DROP FUNCTION report_event_messages_add(integer, integer);
    DROP TABLE report_message_days; DROP TABLE report_sender_months; DROP TABLE report_event_days;
    DROP INDEX events_report_alerts;
    ALTER TABLE events DROP COLUMN assign_ms, DROP COLUMN complete_ms;
  `);
}

const covered = ['id', 'kind', 'status', 'severity', 'org', 'first_assigned_at', 'completed_at'];

async function coveringIndex(qi: Parameters<Migration['up']>[0]['context'], columns: string[]): Promise<void> {
  await qi.removeIndex('events', 'events_tenant_created');
  if (qi.sequelize.getDialect() === 'postgres') {
    await qi.sequelize.query(`CREATE INDEX events_tenant_created ON events (tenant_id, created_at) INCLUDE (${columns.join(', ')})`);
  } else {
    await qi.addIndex('events', ['tenant_id', 'created_at', ...columns.slice(1)], { name: 'events_tenant_created' });
  }
}

export const migration: Migration = {
  async up({ context: qi }) {
    await coveringIndex(qi, [...covered, 'merged_into_id']);
    await createReportRollups(qi);
  },
  async down({ context: qi }) {
    await dropReportRollups(qi);
    await coveringIndex(qi, covered);
  },
};
