// Notifications at scale, on PostgreSQL: the notifier taking 10,000 events opened for 1,000 users
// (10 each) into notices and mailing each user one grouped alert; and the daily digests of 1,000
// users with 50 open events each. Each as a ratio against rendering the same mails' templates
// alone (the floor: what the mails cost without the database), measured side by side in one run.
import { VirtualClock } from '../../src/clock.js';
import { openDb } from '../../src/db.js';
import { silentLogger } from '../../src/log.js';
import { migrate } from '../../src/migrate.js';
import { sendDueAlerts } from '../../src/notifications/alert-mail.js';
import { DEFAULT_ALERTS } from '../../src/notifications/defaults.js';
import { sendDueDigests } from '../../src/notifications/digest.js';
import { notifyTransitions } from '../../src/notifications/notifier.js';
import { renderMail } from '../../src/notifications/templates.js';
import { linkKey } from '../../src/notifications/unsubscribe-link.js';
import { addTenant } from '../../src/tenants/tenants.js';
import { createTestDatabase } from '../helpers/db.js';
import { table } from './stats.js';

const USERS = 1000;
const ALERTS_PER_USER = 10;
const DIGEST_EVENTS_PER_USER = 50;
const T0 = Date.parse('2026-11-10T07:00:00Z');

async function world(name: string) {
  const database = await createTestDatabase('postgres');
  const db = await openDb(database.url);
  await migrate(db);
  const clock = new VirtualClock(T0);
  const deps = { db, clock, log: silentLogger() };
  const tenantId = (await addTenant(deps, { name, address: `${name}@bench.test` })).tenant.id;
  const q = (sql: string, bind: unknown[] = []) => db.sequelize.query(sql, { bind });
  // One user, one group, one org each: user i responds to bench.u<i>.
  await q(`INSERT INTO users (tenant_id, email, display_name, handle, command_token, created_at)
           SELECT $1, 'u' || i || '@bench.test', 'User ' || i, 'u' || i, lpad(i::text, 20, 'a'), now() FROM generate_series(1, $2::int) AS i`, [tenantId, USERS]);
  await q(`INSERT INTO groups (tenant_id, name, created_at) SELECT $1, 'g' || i, now() FROM generate_series(1, $2::int) AS i`, [tenantId, USERS]);
  await q(`INSERT INTO memberships (tenant_id, group_id, user_id, created_at)
           SELECT $1, g.id, u.id, now() FROM groups g JOIN users u ON u.handle = 'u' || substr(g.name, 2) AND u.tenant_id = g.tenant_id WHERE g.tenant_id = $1`, [tenantId]);
  await q(`INSERT INTO subscriptions (tenant_id, group_id, org_pattern, level, created_at)
           SELECT $1, id, 'bench.u' || substr(name, 2), 'responder', now() FROM groups WHERE tenant_id = $1 AND name LIKE 'g%'`, [tenantId]);
  const events = (perUser: number, severity: string) =>
    q(`INSERT INTO events (tenant_id, kind, status, title, severity, org, servers, triage, created_at)
       SELECT $1, 'message', 'open', 'disk ' || (80 + j) || '% on host' || j || '.u' || i || '.bench.test', $4, 'bench.u' || i, '[]', false, to_timestamp($3::bigint / 1000.0)
       FROM generate_series(1, $2::int) AS i, generate_series(1, $5::int) AS j ORDER BY i, j`, [tenantId, USERS, T0, severity, perUser]);
  return { db, clock, deps, tenantId, events, drop: async () => { await db.close(); await database.drop(); } };
}

const ms = (t0: number) => performance.now() - t0;

/** The alert mails' templates alone: one mail per user listing their events, as alert-mail.ts builds it. */
function renderAlertsAlone(): number {
  const t0 = performance.now();
  for (let i = 1; i <= USERS; i++) {
    const items = Array.from({ length: ALERTS_PER_USER }, (_, j) => ({
      id: i * 100 + j, severity: 'WARNING', state: 'open', title: `disk ${80 + j}% on host${j}.u${i}.bench.test`, org: `bench.u${i}`, servers: [],
      createdAt: new Date(T0).toISOString(), messages: null, detail: [], replyAddress: `bench+k${'a'.repeat(20)}-e${i * 100 + j}@bench.test`, tagEncoded: '%5BDaTamer%5D',
    }));
    renderMail('alert', { name: `User ${i}`, several: true, items, severity: 'WARNING', state: 'open', title: items[0]!.title, count: 'and 9 more events', tag: '[DaTamer]' });
  }
  return ms(t0);
}

function renderDigestsAlone(): number {
  const t0 = performance.now();
  for (let i = 1; i <= USERS; i++) {
    const lines = Array.from({ length: DIGEST_EVENTS_PER_USER }, (_, j) => ({
      id: i * 100 + j, severity: 'WARNING', state: 'open', title: `disk ${80 + j}% on host${j}.u${i}.bench.test`, org: `bench.u${i}`, assignee: null,
      replyAddress: `bench+k${'a'.repeat(20)}-e${i * 100 + j}@bench.test`,
    }));
    renderMail('digest', {
      name: `User ${i}`, total: lines.length, eventsWord: 'events', counts: [{ severity: 'WARNING', count: lines.length }],
      responding: { lines, more: 0 }, interested: { lines: [], more: 0 }, scheduleAlerts: [], unsubscribe: 'https://datamer.bench.test/digest/unsubscribe?token=1.1.x',
    });
  }
  return ms(t0);
}

export async function benchNotifications(): Promise<void> {
  const rows: string[][] = [];

  const a = await world('alerts');
  try {
    await a.events(ALERTS_PER_USER, 'warn');
    a.clock.set(new Date(T0 + 31_000));
    const t0 = performance.now();
    const read = await notifyTransitions(a.deps, DEFAULT_ALERTS);
    const readMs = ms(t0);
    const t1 = performance.now();
    const sent = await sendDueAlerts(a.deps);
    const sendMs = ms(t1);
    const alone = renderAlertsAlone();
    rows.push([`notifier: ${read.read} events opened → ${read.notices} notices`, readMs.toFixed(0), '', '']);
    rows.push([`alert mail: ${sent.mails} mails of ${ALERTS_PER_USER} events`, sendMs.toFixed(0), alone.toFixed(0), ((readMs + sendMs) / alone).toFixed(1)]);
  } finally {
    await a.drop();
  }

  const d = await world('digests');
  try {
    await d.events(DIGEST_EVENTS_PER_USER, 'warn');
    const options = { linkKey: linkKey(Buffer.alloc(32, 1)), publicUrl: 'https://datamer.bench.test' };
    await sendDueDigests(d.deps, options); // schedules everyone's 08:00
    d.clock.set(new Date(T0 + 60 * 60_000));
    const t0 = performance.now();
    const report = await sendDueDigests(d.deps, options);
    const digestMs = ms(t0);
    const alone = renderDigestsAlone();
    rows.push([`digests: ${report.sent} users × ${DIGEST_EVENTS_PER_USER} open events`, digestMs.toFixed(0), alone.toFixed(0), (digestMs / alone).toFixed(1)]);
  } finally {
    await d.drop();
  }

  process.stdout.write('\nNotifications (PostgreSQL): DaTamer next to rendering the same templates alone\n');
  process.stdout.write(`${table(['what', 'ms', 'templates alone, ms', 'ratio'], rows)}\n`);
}
