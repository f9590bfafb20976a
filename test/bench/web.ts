// The web site at scale, on PostgreSQL: a million messages (and their million events, of which
// 2,000 are open), and how long the dashboard and the event list take to answer a logged-in
// user over HTTP. Target: under 100 ms at the 95th percentile.
import { QueryTypes } from 'sequelize';
import type { Server } from 'node:http';
import { VirtualClock } from '../../src/clock.js';
import { openDb } from '../../src/db.js';
import { silentLogger } from '../../src/log.js';
import { migrate } from '../../src/migrate.js';
import { addGroup, addUser, joinGroup, subscribe } from '../../src/people/people.js';
import { setPassword } from '../../src/people/passwords.js';
import { addTenant } from '../../src/tenants/tenants.js';
import { createApp } from '../../src/web/app.js';
import { createTestDatabase } from '../helpers/db.js';
import { closeServer, logInOverHttp, serve } from '../helpers/site.js';
import { percentile, table, whole } from './stats.js';

const MESSAGES = whole('BENCH_WEB_MESSAGES', 1_000_000);
/** one event in this many is still open */
const OPEN_EVERY = whole('BENCH_WEB_OPEN_EVERY', 500);
const REQUESTS = whole('BENCH_WEB_REQUESTS', 200);
const T0 = Date.parse('2026-11-01T00:00:00Z');

export async function benchWeb(): Promise<void> {
  const database = await createTestDatabase('postgres');
  const db = await openDb(database.url);
  let server: Server | undefined;
  try {
    await migrate(db);
    const deps = { db, clock: new VirtualClock(T0 + 40 * 86_400_000), log: silentLogger() };
    const tenantId = (await addTenant(deps, { name: 'bench', address: 'bench@bench.test' })).tenant.id;
    const alice = await addUser(deps, tenantId, { email: 'alice@bench.test', handle: 'alice' });
    await setPassword(deps, tenantId, 'alice', 'bench password');
    await addGroup(deps, tenantId, 'dbas');
    await joinGroup(deps, tenantId, 'dbas', 'alice');
    await subscribe(deps, tenantId, 'dbas', 'bench.data.*', 'responder');
    await subscribe(deps, tenantId, 'dbas', 'bench.web.*', 'interested');
    const q = (sql: string, bind: unknown[] = []) => db.sequelize.query(sql, { bind });

    const started = performance.now();
    // Messages over 40 days; 50 orgs under bench.data and bench.web, one in ten without an org.
    await q(
      `INSERT INTO messages (tenant_id, dedup_key, to_addresses, received_at, raw, raw_size, content_hash, source, envelope_to, deliveries,
                             from_address, subject, severity, org, classified_at)
       SELECT $1, 'b' || i, '[]', to_timestamp(($2::bigint + i::bigint * 3456) / 1000.0), '\\x00'::bytea, 1, 'h', 'replay', '[]', 1,
              'cron@h' || (i % 1000) || '.bench.test', 'disk ' || (i % 97) || '% on h' || (i % 1000),
              (ARRAY['info','warn','critical',NULL])[1 + i % 4],
              CASE WHEN i % 10 = 0 THEN NULL ELSE (ARRAY['bench.data.','bench.web.'])[1 + i % 2] || 'o' || (i % 25) END,
              to_timestamp(($2::bigint + i::bigint * 3456) / 1000.0)
       FROM generate_series(1, $3::int) AS i`,
      [tenantId, T0, MESSAGES],
    );
    await q(
      `INSERT INTO events (tenant_id, kind, status, title, severity, org, servers, triage, assignee_id, created_at, assigned_at, completed_at)
       SELECT tenant_id, 'message',
              CASE WHEN id % $1 = 0 THEN (CASE WHEN id % 3 = 0 THEN 'assigned' ELSE 'open' END) ELSE 'completed' END,
              subject, severity, org, '[]', org IS NULL,
              CASE WHEN id % $1 <> 0 OR id % 3 = 0 THEN $2::int END, received_at,
              CASE WHEN id % $1 <> 0 OR id % 3 = 0 THEN received_at + interval '5 minutes' END,
              CASE WHEN id % $1 <> 0 THEN received_at + interval '1 hour' END
       FROM messages WHERE tenant_id = $3 ORDER BY id`,
      [OPEN_EVERY, alice.id, tenantId],
    );
    await q(`INSERT INTO event_messages (tenant_id, event_id, message_id, created_at) SELECT tenant_id, id, id, received_at FROM messages WHERE tenant_id = $1`, [tenantId]);
    await q('ANALYZE');
    const setupMs = performance.now() - started;
    const [{ open }] = (await db.sequelize.query(`SELECT count(*)::int AS open FROM events WHERE status <> 'completed'`, { type: QueryTypes.SELECT })) as Array<{ open: number }>;

    const served = await serve(createApp(deps));
    server = served.server;
    const cookie = await logInOverHttp(served.baseURL, 'bench', 'alice', 'bench password');
    const pages = ['/', '/events', '/events?filter=responder', '/events?filter=interested', '/events?severity=critical&assigned=no', '/events?q=disk%2042', '/events?status=completed'];
    // A page further on costs what the first does (keyset paging): the completed list's 3rd page.
    let later = '/events?status=completed';
    for (let i = 0; i < 2; i++) {
      const html = await (await fetch(`${served.baseURL}${later}`, { headers: { cookie } })).text();
      const next = /id="next-page" href="([^"]+)"/.exec(html);
      if (!next) throw new Error(`${later}: no next page`);
      later = next[1]!.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
    }
    pages.push(later);
    const rows: string[][] = [];
    for (const page of pages) {
      const times: number[] = [];
      for (let i = 0; i < REQUESTS + 10; i++) {
        const t0 = performance.now();
        const res = await fetch(`${served.baseURL}${page}`, { headers: { cookie } });
        await res.text();
        if (res.status !== 200) throw new Error(`${page}: ${res.status}`);
        if (i >= 10) times.push(performance.now() - t0);
      }
      rows.push([page, percentile(times, 0.5).toFixed(1), percentile(times, 0.95).toFixed(1), percentile(times, 0.99).toFixed(1)]);
    }
    process.stdout.write(
      [
        '',
        `## Web site: ${MESSAGES.toLocaleString('en')} messages, ${open.toLocaleString('en')} open events, PostgreSQL (loaded in ${(setupMs / 1000).toFixed(0)} s)`,
        '',
        table(['page (logged in, over HTTP)', 'p50 ms', 'p95 ms', 'p99 ms'], rows),
        '',
      ].join('\n'),
    );
  } finally {
    await closeServer(server);
    await db.close();
    await database.drop();
  }
}
