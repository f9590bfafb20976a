// Migration 70 on rows written before it: a message's tool pack is taken from what decided its
// fields, and an event's first assignment from its activity trail.
import { expect } from 'chai';
import { openDb, type Db } from '../../../src/db.js';
import { sqliteDate } from '../../../src/ingest/commit-sqlite.js';
import { migrate } from '../../../src/migrate.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';

describe('the reports migration', () => {
  let database: TestDatabase;
  let db: Db;
  before(async () => {
    database = await createTestDatabase();
    db = await openDb(database.url);
  });
  after(async () => {
    await db?.close();
    await database?.drop();
  });

  it("fills in the tool pack of older messages where it decided a field, and each event's first assignment from its activity", async () => {
    await migrate(db, { to: '2026-12-03-50-notifications' });
    const at = (iso: string) => (db.dialect === 'sqlite' ? sqliteDate(new Date(iso)) : new Date(iso));
    // Rows as the schema of migration 50 has them: today's models know columns it lacks.
    await db.sequelize.query(`INSERT INTO tenants (name, display_name, created_at) VALUES ('acme', 'acme', $1)`, { bind: [at('2026-11-23T08:00:00Z')] });
    const [[{ id: tenantId }]] = (await db.sequelize.query(`SELECT id FROM tenants WHERE name = 'acme'`)) as [Array<{ id: number }>, unknown];
    const q = (sql: string, bind: unknown[]) => db.sequelize.query(sql, { bind });
    const decided = [{ severity: 'tool:nagios', servers: 'tool:nagios' }, { severity: 'tag', servers: 'tool:zabbix' }, { severity: 'tag', org: 'rule:3' }, {}];
    for (const [i, d] of decided.entries()) {
      await q(
        `INSERT INTO messages (tenant_id, dedup_key, to_addresses, received_at, raw, raw_size, content_hash, source, envelope_to, deliveries, decided_by)
         VALUES ($1, $2, '[]', $3, $4, 1, 'h', 'smtp', '[]', 1, $5)`,
        [tenantId, `k${i}`, at('2026-11-23T08:00:00Z'), Buffer.from('x'), JSON.stringify(d)],
      );
    }
    const event = async (assignedAt: string | null) => {
      await q(`INSERT INTO events (tenant_id, kind, status, title, servers, triage, created_at, assigned_at) VALUES ($1, 'message', $2, 't', '[]', false, $3, $4)`, [
        tenantId, assignedAt ? 'assigned' : 'open', at('2026-11-23T08:00:00Z'), assignedAt ? at(assignedAt) : null,
      ]);
      const [[row]] = (await db.sequelize.query('SELECT max(id) AS id FROM events')) as [Array<{ id: number }>, unknown];
      return Number(row!.id);
    };
    const activity = (eventId: number, action: string, when: string) =>
      q(`INSERT INTO activities (tenant_id, event_id, action, actor, via, detail, at) VALUES ($1, $2, $3, 'bob', 'cli', '{}', $4)`, [tenantId, eventId, action, at(when)]);
    // Assigned at 08:10, handed on at 09:00, given back, assigned again at 10:00: first at 08:10.
    const handedOn = await event('2026-11-23T10:00:00Z');
    await activity(handedOn, 'assigned', '2026-11-23T08:10:00Z');
    await activity(handedOn, 'reassigned', '2026-11-23T09:00:00Z');
    await activity(handedOn, 'unassigned', '2026-11-23T09:30:00Z');
    await activity(handedOn, 'assigned', '2026-11-23T10:00:00Z');
    // Assigned, then given back: still open, but it was assigned once.
    const givenBack = await event(null);
    await activity(givenBack, 'assigned', '2026-11-23T08:20:00Z');
    await activity(givenBack, 'unassigned', '2026-11-23T08:25:00Z');
    const never = await event(null);

    await migrate(db);
    const tools = (await db.models.Message.findAll({ where: { tenantId }, order: [['id', 'ASC']] })).map((m) => m.tool);
    expect(tools).to.deep.equal(['nagios', 'zabbix', null, null]);
    const first = async (id: number) => (await db.models.Event.findByPk(id))!.firstAssignedAt?.toISOString() ?? null;
    expect([await first(handedOn), await first(givenBack), await first(never)]).to.deep.equal(['2026-11-23T08:10:00.000Z', '2026-11-23T08:20:00.000Z', null]);
  });
});
