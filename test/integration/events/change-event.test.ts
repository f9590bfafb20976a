import { expect } from 'chai';
import { changeEvent } from '../../../src/events/change.js';
import { listEvents } from '../../../src/events/events.js';
import { isDatamerError } from '../../../src/errors.js';
import { addUser } from '../../../src/people/people.js';
import { receive } from '../../../src/pipeline.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { notifyNow } from '../../helpers/notify.js';

async function refusal(work: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await work;
  } catch (err) {
    if (isDatamerError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('working an event: assign, unassign, complete, reopen', () => {
  let t: TestDb;
  let acme: number;
  let eventId: number;

  beforeEach(async () => {
    t = await openTestDb();
    acme = (await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' })).tenant.id;
    await addUser(t.deps, acme, { email: 'alice@acme.test', handle: 'alice', displayName: 'Alice Adams' });
    await addUser(t.deps, acme, { email: 'bob@acme.test', handle: 'bob' });
    const raw = Buffer.from('From: cron@db1\r\nMessage-ID: <e1@test>\r\nSubject: :critical: db1 replication broken :org:ops.db:\r\n\r\nlag 900 s\r\n');
    eventId = (await receive(t.deps, [{ tenantId: acme, mailboxId: null, raw, source: 'import' }]))[0]!.eventId!;
  });
  afterEach(() => t.dispose());

  const change = (request: Parameters<typeof changeEvent>[3]) => changeEvent(t.deps, acme, eventId, request);

  it('records who took it, when and how, and tells the assignee by mail', async () => {
    t.clock.advance(5 * 60_000);
    const e = await change({ command: 'assign', handle: 'alice', actor: 'bob', via: 'cli' });
    expect(e).to.deep.include({ status: 'assigned' });
    expect(e.assignedAt?.toISOString()).to.equal(t.clock.now().toISOString());
    const log = await t.db.models.Activity.findAll({ where: { eventId }, order: [['id', 'ASC']] });
    expect(log.map((a) => [a.action, a.actor, a.via])).to.deep.equal([['assigned', 'bob', 'cli']]);
    expect(log[0]!.detail).to.deep.equal({ from: 'open', to: 'assigned', assignee: 'alice' });

    await notifyNow(t.deps);
    const [notice] = await t.db.models.OutboxMail.findAll({ where: { tenantId: acme } });
    expect(notice).to.deep.include({ kind: 'assignment', fromAddress: 'alerts@acme.test', status: 'queued' });
    expect(notice!.toAddresses).to.deep.equal(['alice@acme.test']);
    expect(notice!.subject).to.equal(`[DaTamer #${eventId}] Assigned to you: :critical: db1 replication broken :org:ops.db:`);
    expect(notice!.text).to.contain('Hello Alice Adams,').and.contain('bob assigned event').and.contain('org:      ops.db');
    expect(notice!.html).to.contain('<strong>#');
  });

  it('goes open → assigned → completed → reopened, with timestamps and a note', async () => {
    await change({ command: 'assign', handle: 'alice', actor: 'alice', via: 'email' });
    t.clock.advance(3_600_000);
    const done = await change({ command: 'complete', note: 'restarted replica', actor: 'alice', via: 'mailbox' });
    expect(done.status).to.equal('completed');
    expect(done.completedAt?.toISOString()).to.equal(t.clock.now().toISOString());
    const reopened = await change({ command: 'reopen', actor: 'bob', via: 'web' });
    expect(reopened).to.deep.include({ status: 'assigned', completedAt: null });
    const unassigned = await change({ command: 'unassign', actor: 'alice', via: 'cli' });
    expect(unassigned).to.deep.include({ status: 'open', assigneeId: null, assignedAt: null });
    const log = await t.db.models.Activity.findAll({ where: { eventId }, order: [['id', 'ASC']] });
    expect(log.map((a) => a.action)).to.deep.equal(['assigned', 'completed', 'reopened', 'unassigned']);
    expect(log[1]!.detail).to.deep.include({ note: 'restarted replica' });
    expect((await listEvents(t.deps, acme, { open: true })).map((e) => e.id)).to.deep.equal([eventId]);
  });

  it('refuses what the state machine refuses, and changes nothing', async () => {
    await change({ command: 'complete', actor: 'alice', via: 'cli' });
    expect(await refusal(change({ command: 'assign', handle: 'bob', actor: 'bob', via: 'cli' }))).to.deep.equal({
      code: 'CONFLICT',
      message: `event #${eventId} cannot be assigned: it is completed; reopen it first`,
    });
    expect(await refusal(change({ command: 'complete', actor: 'bob', via: 'cli' }))).to.have.property('message').that.contains('already completed');
    expect(await t.db.models.Activity.count({ where: { eventId } })).to.equal(1);
    expect(await listEvents(t.deps, acme, { open: true })).to.deep.equal([]);
  });

  it('does not let another tenant touch the event, or assign to an unknown handle', async () => {
    const globex = (await addTenant(t.deps, { name: 'globex', address: 'ops@globex.test' })).tenant.id;
    await addUser(t.deps, globex, { email: 'alice@globex.test', handle: 'alice' });
    expect(await refusal(changeEvent(t.deps, globex, eventId, { command: 'assign', handle: 'alice', actor: 'alice', via: 'cli' }))).to.deep.equal({
      code: 'NOT_FOUND',
      message: `no event #${eventId}`,
    });
    expect((await refusal(change({ command: 'assign', handle: 'carol', actor: 'bob', via: 'cli' }))).code).to.equal('NOT_FOUND');
    expect(await listEvents(t.deps, globex)).to.deep.equal([]);
  });
});
