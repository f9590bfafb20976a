// Schedules at scale, on PostgreSQL: one evaluation pass (a tick) with 100,000 daily streams,
// and what stream counting costs per incoming scheduled message. Target: a tick over 100,000
// streams in under a second of database time, without scanning all messages.
import { QueryTypes } from 'sequelize';
import { VirtualClock } from '../../src/clock.js';
import { openDb } from '../../src/db.js';
import { silentLogger } from '../../src/log.js';
import { migrate } from '../../src/migrate.js';
import { syncStreams } from '../../src/schedules/streams.js';
import { evaluateDue } from '../../src/schedules/tick.js';
import { addTenant } from '../../src/tenants/tenants.js';
import { createTestDatabase } from '../helpers/db.js';
import { table } from './stats.js';

const STREAMS = 100_000;
const T0 = Date.parse('2026-11-10T00:00:00Z');

export async function benchSchedules(): Promise<void> {
  const database = await createTestDatabase('postgres');
  const db = await openDb(database.url);
  try {
    await migrate(db);
    const clock = new VirtualClock(T0);
    const deps = { db, clock, log: silentLogger() };
    const tenantId = (await addTenant(deps, { name: 'bench', address: 'bench@bench.test' })).tenant.id;
    const q = (sql: string, bind: unknown[] = []) => db.sequelize.query(sql, { bind });

    // 100,000 daily streams, each with yesterday's run at its own minute of the day: their runs
    // leave the window spread over the day, so about 70 streams are due in any one minute.
    const started = performance.now();
    await q(
      `INSERT INTO messages (tenant_id, dedup_key, to_addresses, received_at, raw, raw_size, content_hash, source, envelope_to, deliveries, schedule, classified_at, stream_key)
       SELECT $1, 'b' || i, '[]', to_timestamp(($2::bigint - 86400000 + (i * 864)) / 1000.0), '\\x00'::bytea, 1, 'h', 'replay', '[]', 1,
              '{"period":"day","n":1,"v":0}', to_timestamp(($2::bigint - 86400000 + (i * 864)) / 1000.0),
              'org=bench.s' || i || '|svr=h' || i || '.bench.test|from=cron@h' || i || '.bench.test|per=day'
       FROM generate_series(0, $3::int - 1) AS i`,
      [tenantId, T0, STREAMS],
    );
    const setupMs = performance.now() - started;

    clock.set(new Date(T0));
    const sync0 = performance.now();
    await syncStreams(deps);
    const syncAllMs = performance.now() - sync0;
    // Evaluate everything once, as a running DaTamer would have; from then on only what is due.
    await q('UPDATE streams SET next_check_at = first_seen_at + interval \'1 day\', first_seen_at = first_seen_at - interval \'2 days\'');
    const [{ count }] = (await db.sequelize.query(`SELECT count(*)::int AS count FROM streams`, { type: QueryTypes.SELECT })) as Array<{ count: number }>;

    const rows: string[][] = [];
    for (const minute of [1, 2, 3]) {
      const now = new Date(T0 + minute * 60_000);
      clock.set(now);
      const t0 = performance.now();
      const report = await evaluateDue(deps, now);
      rows.push([`tick at +${minute} min over ${count} streams`, String(report.evaluated), String(report.raised.length), (performance.now() - t0).toFixed(0)]);
    }
    const idle = performance.now();
    await evaluateDue(deps, new Date(T0 + 3 * 60_000));
    rows.push(['tick with nothing due', '0', '0', (performance.now() - idle).toFixed(1)]);

    // Stream counting per incoming message: 5,000 new scheduled arrivals taken in by one sync.
    await q(
      `INSERT INTO messages (tenant_id, dedup_key, to_addresses, received_at, raw, raw_size, content_hash, source, envelope_to, deliveries, schedule, classified_at, stream_key)
       SELECT $1, 'n' || i, '[]', to_timestamp(($2::bigint + i * 10) / 1000.0), '\\x00'::bytea, 1, 'h', 'replay', '[]', 1,
              '{"period":"day","n":1,"v":0}', to_timestamp(($2::bigint + i * 10) / 1000.0),
              'org=bench.s' || i || '|svr=h' || i || '.bench.test|from=cron@h' || i || '.bench.test|per=day'
       FROM generate_series(0, 4999) AS i`,
      [tenantId, T0 + 4 * 60_000],
    );
    clock.set(new Date(T0 + 10 * 60_000));
    const s0 = performance.now();
    await syncStreams(deps);
    const perMessage = (performance.now() - s0) / 5000;

    console.log(`\nSchedules on PostgreSQL (${STREAMS} daily streams; setup ${(setupMs / 1000).toFixed(1)} s, first sync of all ${(syncAllMs / 1000).toFixed(1)} s):\n`);
    console.log(table(['pass', 'streams evaluated', 'alerts raised', 'ms'], rows));
    console.log(`\nstream counting: ${perMessage.toFixed(3)} ms per incoming scheduled message (5,000 taken in by one sync)`);
  } finally {
    await db.close();
    await database.drop();
  }
}
