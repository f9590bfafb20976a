// The reports at scale, on PostgreSQL: a year of a million messages from 2,000 senders under 50
// orgs, folded into 700,000 events (three messages in ten join the event before them), most of
// them assigned and completed, and 5,000 schedule alerts; then how long a logged-in manager waits
// for a report over HTTP: the whole year, one month, the year under an org pattern, one CSV.
// Target: under a second. BENCH_REPORT_WITHOUT=<index,…> measures the pages without those
// indexes too, side by side; BENCH_REPORT_KEEP=1 keeps the database to read the plans.
import type { Server } from 'node:http';
import { QueryTypes } from 'sequelize';
import { VirtualClock } from '../../src/clock.js';
import { openDb } from '../../src/db.js';
import { silentLogger } from '../../src/log.js';
import { migrate } from '../../src/migrate.js';
import { addUser } from '../../src/people/people.js';
import { setPassword } from '../../src/people/passwords.js';
import { refillReportRollups } from '../../migrations/2026-12-04-31-report-event-time-months.js';
import { addTenant } from '../../src/tenants/tenants.js';
import { createApp } from '../../src/web/app.js';
import { createTestDatabase } from '../helpers/db.js';
import { closeServer, serve } from '../helpers/site.js';
import { percentile, table, whole } from './stats.js';

const MESSAGES = whole('BENCH_REPORT_MESSAGES', 1_000_000);
const REQUESTS = whole('BENCH_REPORT_REQUESTS', 10);
/** BENCH_REPORT_KEEP=1: the database stays, its URL printed, to read the queries' plans against it (EXPLAIN ANALYZE). */
const KEEP = process.env.BENCH_REPORT_KEEP === '1';
/** The year: 1 December 2025 to 30 November 2026 (UTC), the clock on 1 December 2026. */
const T0 = Date.parse('2025-12-01T00:00:00Z');
const YEAR_MS = 365 * 86_400_000;

async function logIn(baseURL: string): Promise<string> {
  const form = await fetch(`${baseURL}/login`);
  const cookie = form.headers.get('set-cookie')!.split(';')[0]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const body = new URLSearchParams({ _csrf: token, tenant: 'bench', login: 'mia', password: 'bench password', next: '/' });
  const res = await fetch(`${baseURL}/login`, { method: 'POST', body, headers: { cookie }, redirect: 'manual' });
  if (res.status !== 303) throw new Error(`login failed: ${res.status}`);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

export async function benchReports(): Promise<void> {
  const database = await createTestDatabase('postgres');
  const db = await openDb(database.url);
  let server: Server | undefined;
  try {
    await migrate(db);
    const deps = { db, clock: new VirtualClock(T0 + YEAR_MS + 3_600_000), log: silentLogger() };
    const tenantId = (await addTenant(deps, { name: 'bench', address: 'bench@bench.test' })).tenant.id;
    // A second tenant with the same amount of mail: the report must not read it.
    const otherId = (await addTenant(deps, { name: 'other', address: 'other@bench.test' })).tenant.id;
    await addUser(deps, tenantId, { email: 'mia@bench.test', handle: 'mia' });
    await setPassword(deps, tenantId, 'mia', 'bench password');
    const q = (sql: string, bind: unknown[] = []) => db.sequelize.query(sql, { bind });

    const started = performance.now();
    // Loaded in bulk with the rollups' triggers off, then summed once as the migration does for
    // a database that already holds a year: a year of single-row trigger calls in a few bulk
    // statements takes half an hour here, and leaves the rollups bloated as a year of ordinary
    // arrivals (each its own transaction, vacuumed along the way) would not.
    const triggered = ['messages', 'events', 'event_messages'];
    for (const table of triggered) await q(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
    for (const tenant of [tenantId, otherId]) {
      await q(
        `INSERT INTO messages (tenant_id, dedup_key, to_addresses, received_at, raw, raw_size, content_hash, source, envelope_to, deliveries,
                               from_address, subject, severity, org, tool, classified_at)
         SELECT $1, 'b' || i, '[]', to_timestamp(($2::bigint + i::bigint * ($4::bigint / $3::bigint)) / 1000.0), '\\x00'::bytea, 1, 'h', 'replay', '[]', 1,
                'monitor@h' || (i::bigint * 7919 % 2000) || '.bench.test', 'disk ' || (i % 97) || '% on h' || (i % 1000),
                (ARRAY['info','warn','critical',NULL])[1 + i % 4],
                CASE WHEN i % 10 = 0 THEN NULL ELSE (ARRAY['bench.data.','bench.web.'])[1 + i % 2] || 'o' || (i % 25) END,
                (ARRAY['nagios','zabbix','cron','alertmanager',NULL])[1 + i % 5],
                to_timestamp(($2::bigint + i::bigint * ($4::bigint / $3::bigint)) / 1000.0)
         FROM generate_series(1, $3::int) AS i`,
        [tenant, T0, MESSAGES, YEAR_MS],
      );
    }
    // Events: messages whose id ends in 3, 6 or 9 join the event of the message before them.
    await q(
      `INSERT INTO events (id, tenant_id, kind, status, title, severity, org, servers, triage, assignee_id, created_at, assigned_at, first_assigned_at, completed_at)
       SELECT id, tenant_id, 'message',
              CASE WHEN id % 50 = 0 THEN 'open' WHEN id % 50 = 1 THEN 'assigned' ELSE 'completed' END,
              subject, severity, org, '[]', org IS NULL, NULL, received_at,
              CASE WHEN id % 7 = 0 OR id % 50 = 0 THEN NULL ELSE received_at + ((id * 37) % 7200) * interval '1 second' END,
              CASE WHEN id % 7 = 0 OR id % 50 = 0 THEN NULL ELSE received_at + ((id * 37) % 7200) * interval '1 second' END,
              CASE WHEN id % 50 IN (0, 1) THEN NULL ELSE received_at + ((id * 101) % 200000) * interval '1 second' END
       FROM messages WHERE id % 10 NOT IN (3, 6, 9) ORDER BY id`,
    );
    await q(
      `INSERT INTO event_messages (tenant_id, event_id, message_id, created_at)
       SELECT tenant_id, CASE WHEN id % 10 IN (3, 6, 9) THEN id - 1 ELSE id END, id, received_at FROM messages`,
    );
    await q(`SELECT setval(pg_get_serial_sequence('events', 'id'), (SELECT max(id) FROM events))`);
    await q(
      `INSERT INTO events (tenant_id, kind, status, title, severity, org, servers, triage, created_at, completed_at)
       SELECT $1, (ARRAY['schedule-missing','schedule-excess'])[1 + i % 2], CASE WHEN i % 20 = 0 THEN 'open' ELSE 'completed' END,
              'stream ' || i, 'warn', 'bench.data.o' || (i % 25), '[]', false,
              to_timestamp(($2::bigint + i::bigint * ($4::bigint / $3::bigint)) / 1000.0),
              CASE WHEN i % 20 = 0 THEN NULL ELSE to_timestamp(($2::bigint + i::bigint * ($4::bigint / $3::bigint)) / 1000.0) + (i % 3000) * interval '1 minute' END
       FROM generate_series(1, $3::int) AS i`,
      [tenantId, T0, 5000, YEAR_MS],
    );
    for (const table of triggered) await q(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
    await refillReportRollups(db.sequelize.getQueryInterface());
    // A year-old table has been vacuumed by autovacuum many times over: so is this one.
    await q('VACUUM ANALYZE');
    const setupMs = performance.now() - started;

    const served = await serve(createApp(deps));
    server = served.server;
    const cookie = await logIn(served.baseURL);
    const pages = [
      '/reports?from=2025-12-01&to=2026-11-30',
      '/reports?range=last-month',
      '/reports?from=2025-12-01&to=2026-11-30&org=bench.data.*',
      '/reports/time-to-completion.csv?from=2025-12-01&to=2026-11-30',
    ];
    const rows: string[][] = [];
    // The floor, side by side: the database counting the year's messages and events once, in SQL,
    // without any grouping; the year's report cannot take less than reading them.
    const floor: number[] = [];
    for (let i = 0; i < REQUESTS + 2; i++) {
      const t0 = performance.now();
      for (const [table, time] of [['messages', 'received_at'], ['events', 'created_at']]) {
        await q(`SELECT count(*) FROM ${table} WHERE tenant_id = $1 AND ${time} >= $2 AND ${time} < $3`, [tenantId, new Date(T0), new Date(T0 + YEAR_MS)]);
      }
      if (i >= 2) floor.push(performance.now() - t0);
    }
    rows.push(['floor: count the year\'s messages and events (SQL, no HTTP)', percentile(floor, 0.5).toFixed(0), percentile(floor, 0.95).toFixed(0), Math.max(...floor).toFixed(0)]);
    // BENCH_REPORT_WITHOUT=<index,…>: the same pages without these indexes, side by side: each
    // round asks every page with them, drops them, asks every page again, and makes them again,
    // so both see the same load (the machine is shared: BENCHMARKS.md says under what load).
    const without = (process.env.BENCH_REPORT_WITHOUT ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const definitions = without.length === 0 ? [] : ((await db.sequelize.query(
      'SELECT indexdef FROM pg_indexes WHERE indexname = ANY($1)', { bind: [without], type: QueryTypes.SELECT },
    )) as Array<{ indexdef: string }>).map((r) => r.indexdef);
    if (definitions.length !== without.length) throw new Error(`BENCH_REPORT_WITHOUT: not all of ${without.join(', ')} exist`);
    const times = new Map<string, number[]>();
    const ask = async (label: string, page: string, keep: boolean) => {
      const t0 = performance.now();
      const res = await fetch(`${served.baseURL}${page}`, { headers: { cookie } });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${page}: ${res.status} ${text.slice(0, 300)}`);
      if (keep) times.set(label, [...(times.get(label) ?? []), performance.now() - t0]);
    };
    for (let i = 0; i < REQUESTS + 2; i++) {
      for (const page of pages) await ask(page, page, i >= 2);
      if (without.length === 0) continue;
      for (const name of without) await q(`DROP INDEX ${name}`);
      for (const page of pages) await ask(`${page} (without ${without.join(', ')})`, page, i >= 2);
      for (const definition of definitions) await q(definition);
    }
    for (const [label, t] of times) rows.push([label, percentile(t, 0.5).toFixed(0), percentile(t, 0.95).toFixed(0), Math.max(...t).toFixed(0)]);
    process.stdout.write(
      [
        '',
        `## Reports: ${MESSAGES.toLocaleString('en')} messages over a year per tenant, two tenants, PostgreSQL (loaded in ${(setupMs / 1000).toFixed(0)} s)`,
        '',
        table(['report (logged in, over HTTP)', 'p50 ms', 'p95 ms', 'max ms'], rows),
        '',
      ].join('\n'),
    );
  } finally {
    await closeServer(server);
    await db.close();
    if (KEEP) process.stdout.write(`kept: ${database.url}\n`);
    else await database.drop();
  }
}
