// Maintenance windows against the real database: a job that stops during maintenance raises no
// alert then, nor for one window after; if it is still missing then, it alerts. An open alert is
// left alone by maintenance, and ending a window early makes its streams alert sooner.
import { expect } from 'chai';
import { receive } from '../../../src/pipeline.js';
import { addMaintenance, endMaintenance } from '../../../src/schedules/maintenance.js';
import { streamSummaries } from '../../../src/schedules/stream-admin.js';
import { syncStreams } from '../../../src/schedules/streams.js';
import { evaluateDue } from '../../../src/schedules/tick.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { inProcess } from '../../helpers/cli.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';

const KEY = 'org=datamer.data.db.olap|svr=db1.example.test|from=cron@db1.example.test|per=day';
const at = (iso: string) => new Date(iso);

describe('maintenance windows', () => {
  let t: TestDb;
  let tenantId: number;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    t = await openTestDb();
    env = { ...process.env, DATABASE_URL: t.url, DATAMER_LOG_LEVEL: 'silent' };
    tenantId = (await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' })).tenant.id;
  });
  afterEach(() => t.dispose());

  /** db1's nightly backup report at 02:00 on a day of December. */
  const deliver = (day: number) => {
    const raw = Buffer.from(
      `From: cron@db1.example.test\r\nMessage-ID: <backup-${day}@db1>\r\nSubject: :info: :org:datamer.data.db.olap: backup of db1 finished :sched-perday-1:\r\n\r\n:svr:db1.example.test\r\n`,
    );
    return receive(t.deps, [{ tenantId, mailboxId: null, raw, source: 'smtp', receivedAt: at(`2026-12-${String(day).padStart(2, '0')}T02:00:00Z`) }]);
  };
  const tickAt = async (iso: string) => {
    t.clock.set(at(iso));
    await syncStreams(t.deps);
    return evaluateDue(t.deps, at(iso));
  };
  const raisedAt = (report: Awaited<ReturnType<typeof evaluateDue>>) => report.raised.map((r) => [r.condition, r.at.toISOString()]);
  const plan = (scope: string, from: string, until: string) =>
    addMaintenance(t.deps, tenantId, { scope, startsAt: at(from), endsAt: at(until), reason: 'db1 upgrade', createdBy: 'dba' });
  const stream = () => t.db.models.Stream.findOne({ where: { tenantId, key: KEY } });

  it('raises nothing for a stream that stops during maintenance, and alerts one window after it if still missing', async () => {
    for (const day of [1, 2, 3, 4]) await deliver(day);
    await tickAt('2026-12-04T12:00:00Z');
    t.clock.set(at('2026-12-04T12:00:00Z'));
    const { streams } = await plan('datamer.data.*', '2026-12-04T22:00:00Z', '2026-12-05T06:00:00Z');
    expect(streams).to.equal(1);

    // Without maintenance the missing alert would come at 04:00 on the 5th.
    expect(raisedAt(await tickAt('2026-12-05T04:30:00Z'))).to.deep.equal([]);
    const [during] = await streamSummaries(t.deps, tenantId);
    expect(during).to.deep.include({ state: 'learning', quietUntil: '2026-12-06T06:00:00.000Z' });
    // Maintenance over at 06:00, but its window still holds the disturbed night: quiet for 24 h.
    expect(raisedAt(await tickAt('2026-12-06T05:59:00Z'))).to.deep.equal([]);
    expect(raisedAt(await tickAt('2026-12-06T06:05:00Z'))).to.deep.equal([['missing', '2026-12-06T06:00:00.000Z']]);
    expect(raisedAt(await tickAt('2026-12-07T12:00:00Z'))).to.deep.equal([]);
  });

  it('raises nothing at all when the job resumes after the maintenance', async () => {
    for (const day of [1, 2, 3, 4]) await deliver(day);
    await plan('*', '2026-12-04T22:00:00Z', '2026-12-05T06:00:00Z');
    // The night of the 5th was skipped during maintenance; the job runs again on the 6th.
    for (const iso of ['2026-12-05T04:30:00Z', '2026-12-05T23:00:00Z']) expect(raisedAt(await tickAt(iso)), iso).to.deep.equal([]);
    await deliver(6);
    await deliver(7);
    for (const iso of ['2026-12-06T06:30:00Z', '2026-12-07T12:00:00Z']) expect(raisedAt(await tickAt(iso)), iso).to.deep.equal([]);
    expect((await stream())!.state).to.equal('ok');
  });

  it('covers only the streams its scope names', async () => {
    for (const day of [1, 2, 3, 4]) await deliver(day);
    expect((await plan('datamer.web.*', '2026-12-04T22:00:00Z', '2026-12-05T06:00:00Z')).streams).to.equal(0);
    expect(raisedAt(await tickAt('2026-12-05T04:30:00Z'))).to.deep.equal([['missing', '2026-12-05T04:00:00.000Z']]);
  });

  it('can name one stream by its key', async () => {
    for (const day of [1, 2, 3, 4]) await deliver(day);
    await tickAt('2026-12-04T12:00:00Z');
    expect((await plan(KEY, '2026-12-04T22:00:00Z', '2026-12-05T06:00:00Z')).streams).to.equal(1);
    expect(raisedAt(await tickAt('2026-12-05T04:30:00Z'))).to.deep.equal([]);
  });

  it('leaves an open alert open, and it resolves when the job is back', async () => {
    for (const day of [1, 2, 3, 4]) await deliver(day);
    const alert = (await tickAt('2026-12-05T04:30:00Z')).raised[0]!;
    t.clock.set(at('2026-12-05T05:00:00Z'));
    await plan('datamer.data.*', '2026-12-05T05:00:00Z', '2026-12-05T08:00:00Z');
    const during = await tickAt('2026-12-05T09:00:00Z');
    expect(during.resolved).to.deep.equal([]);
    expect(await t.db.models.Event.findByPk(alert.eventId)).to.deep.include({ status: 'open' });
    await deliver(6);
    const back = await tickAt('2026-12-06T02:05:00Z');
    expect(back.resolved.map((r) => [r.eventId, r.at.toISOString()])).to.deep.equal([[alert.eventId, '2026-12-06T02:00:00.000Z']]);
  });

  it('makes the streams alert sooner when it is ended early', async () => {
    for (const day of [1, 2, 3, 4]) await deliver(day);
    await tickAt('2026-12-04T12:00:00Z');
    const { window } = await plan('datamer.data.*', '2026-12-04T22:00:00Z', '2026-12-07T22:00:00Z');
    await tickAt('2026-12-05T04:30:00Z');
    // Quiet until a day after the planned end: the evaluator would not look again before then.
    expect((await stream())!.nextCheckAt.toISOString()).to.equal('2026-12-08T22:00:00.000Z');

    t.clock.set(at('2026-12-05T05:00:00Z'));
    expect((await endMaintenance(t.deps, tenantId, window.id)).streams).to.equal(1);
    expect((await stream())!.nextCheckAt.toISOString()).to.equal('2026-12-05T05:00:00.000Z');
    expect(raisedAt(await tickAt('2026-12-06T04:59:00Z'))).to.deep.equal([]);
    expect(raisedAt(await tickAt('2026-12-06T05:01:00Z'))).to.deep.equal([['missing', '2026-12-06T05:00:00.000Z']]);
  });

  it('is added, listed and ended on the command line, with clear errors', async () => {
    // --as names a user of the tenant.
    expect((await inProcess(env, 'user', 'add', 'dba@acme.test', '--handle', 'dba', '--tenant', 'acme')).code).to.equal(0);
    const added = await inProcess(env, 'maintenance', 'add', '--scope', 'Datamer.Data.*', '--from', '2000-01-01T00:00Z', '--until', '2099-01-01T00:00Z', '--reason', 'rack move', '--tenant', 'acme', '--as', 'dba');
    expect(added).to.deep.include({ code: 0, stderr: '' });
    expect(added.stdout).to.equal('maintenance window 1 for datamer.data.*: 2000-01-01T00:00:00.000Z to 2099-01-01T00:00:00.000Z; it covers 0 streams now\n');
    await inProcess(env, 'maintenance', 'add', '--scope', '*', '--from', '2099-02-01T00:00Z', '--until', '2099-02-02T00:00Z', '--reason', 'later', '--tenant', 'acme');

    const listed = JSON.parse((await inProcess(env, 'maintenance', 'list', '--tenant', 'acme', '--json')).stdout);
    expect(listed.map((w: { id: number; scope: string; status: string }) => [w.id, w.scope, w.status])).to.deep.equal([[2, '*', 'upcoming'], [1, 'datamer.data.*', 'active']]);
    expect(listed[1]).to.deep.include({ reason: 'rack move', createdBy: 'dba', endedAt: null });

    const ended = await inProcess(env, 'maintenance', 'end', '1', '--tenant', 'acme');
    expect(ended.stdout).to.match(/^maintenance window 1 ended at \S+; 0 streams will be looked at again\n$/);
    const table = (await inProcess(env, 'maintenance', 'list', '--tenant', 'acme')).stdout.split('\n');
    expect(table[0]).to.match(/^ID\s+SCOPE\s+FROM\s+UNTIL\s+STATUS\s+BY\s+REASON$/);
    expect(table[2]).to.contain('ended early').and.contain('rack move');

    const again = await inProcess(env, 'maintenance', 'end', '1', '--tenant', 'acme');
    expect(again).to.deep.include({ code: 1, stderr: 'datamer: maintenance window 1 is already ended early\n' });
    const badScope = await inProcess(env, 'maintenance', 'add', '--scope', 'db1!', '--until', '2099-01-01T00:00Z', '--reason', 'x', '--tenant', 'acme');
    expect(badScope.stderr).to.equal('datamer: scope "db1!" is neither an org pattern (a.b.c, a.b.*, *) nor a stream key (org=…|svr=…|from=…|per=…)\n');
    const badTime = await inProcess(env, 'maintenance', 'add', '--scope', '*', '--until', 'tomorrow', '--reason', 'x', '--tenant', 'acme');
    expect(badTime.stderr).to.equal('datamer: --until "tomorrow" is not an ISO 8601 time, e.g. 2026-11-24T22:00Z\n');
    const backwards = await inProcess(env, 'maintenance', 'add', '--scope', '*', '--from', '2099-01-02T00:00Z', '--until', '2099-01-01T00:00Z', '--reason', 'x', '--tenant', 'acme');
    expect(backwards.code).to.equal(1);
    expect(backwards.stderr).to.match(/^datamer: a maintenance window must end after it starts/);
    const noStream = await inProcess(env, 'maintenance', 'add', '--scope', 'org=x|svr=|from=a@b|per=day', '--until', '2099-01-01T00:00Z', '--reason', 'x', '--tenant', 'acme');
    expect(noStream.stderr).to.equal('datamer: scope "org=x|svr=|from=a@b|per=day": no stream has that key (see: datamer stream list)\n');
  });
});
