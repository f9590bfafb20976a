// What a team does with its streams, against the real database: a stream built from tagged mail
// received through the pipeline, looked at, labelled, muted, made louder and deleted, and the
// evaluator taking each change into account at its next pass.
import { expect } from 'chai';
import { receive } from '../../../src/pipeline.js';
import {
  deleteStream, renameStream, setMissingSeverity, setStreamMuted, streamDetail, streamSummaries,
} from '../../../src/schedules/stream-admin.js';
import { syncStreams } from '../../../src/schedules/streams.js';
import { evaluateDue } from '../../../src/schedules/tick.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { inProcess } from '../../helpers/cli.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { addDbaResponder } from '../../helpers/people.js';

const KEY = 'org=datamer.data.db.olap|svr=db1.example.test|from=cron@db1.example.test|per=day';
const CLI = { actor: 'cli', via: 'cli' } as const;

describe('streams on the command line and in the data functions', () => {
  let t: TestDb;
  let tenantId: number;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    t = await openTestDb();
    env = { ...process.env, DATABASE_URL: t.url, DATAMER_LOG_LEVEL: 'silent' };
    tenantId = (await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' })).tenant.id;
    await addDbaResponder(t.deps, tenantId);
  });
  afterEach(() => t.dispose());

  /** The nightly backup report of db1 (a FAILED one on odd days: same stream), at 02:00 on a day of December. */
  const deliver = (day: number) => {
    const dd = String(day).padStart(2, '0');
    const subject = day % 2 ? `:critical: :org:datamer.data.db.olap: backup of db1 FAILED :sched-perday-1:` : `:info: :org:datamer.data.db.olap: backup of db1 finished :sched-perday-1:`;
    const raw = Buffer.from(
      `From: cron@db1.example.test\r\nMessage-ID: <backup-${day}@db1>\r\nDate: Mon, ${day} Dec 2026 02:00:00 +0000\r\nSubject: ${subject}\r\n\r\n:svr:db1.example.test\r\n`,
    );
    return receive(t.deps, [{ tenantId, mailboxId: null, raw, source: 'smtp', receivedAt: new Date(`2026-12-${dd}T02:00:00Z`) }]);
  };
  const tickAt = async (iso: string) => {
    t.clock.set(new Date(iso));
    await syncStreams(t.deps);
    return evaluateDue(t.deps, new Date(iso));
  };
  const stream = () => t.db.models.Stream.findOne({ where: { tenantId, key: KEY } });

  it('lists a stream with its expected count, the count now, last seen, state and open alerts; show lists the window', async () => {
    for (const day of [1, 2, 3, 4]) await deliver(day);
    await tickAt('2026-12-04T12:00:00Z');
    const [ok] = await streamSummaries(t.deps, tenantId);
    // Success and failure mails of the same job count together: one stream.
    expect(await t.db.models.Stream.count({ where: { tenantId } })).to.equal(1);
    expect(ok).to.deep.include({ key: KEY, label: null, period: 'day', n: 1, v: 0, count: 1, state: 'ok', lastSeenAt: '2026-12-04T02:00:00.000Z', openAlerts: [], quietUntil: null });
    const detail = await streamDetail(t.deps, tenantId, KEY);
    expect(detail.messages.map((m) => [m.messageId, m.receivedAt])).to.deep.equal([['<backup-4@db1>', '2026-12-04T02:00:00.000Z']]);
    expect(detail.messages[0]!.subject).to.contain('backup of db1 finished');

    const raised = await tickAt('2026-12-05T04:30:00Z');
    const [missing] = await streamSummaries(t.deps, tenantId);
    expect(missing).to.deep.include({ count: 0, state: 'missing' });
    expect(missing!.openAlerts).to.deep.equal([{ eventId: raised.raised[0]!.eventId, condition: 'missing' }]);
  });

  it('names a stream by id, key or label, and refuses a label another stream has', async () => {
    await deliver(1);
    await tickAt('2026-12-01T03:00:00Z');
    const renamed = await inProcess(env, 'stream', 'rename', KEY, 'db1 nightly backup', '--tenant', 'acme');
    expect(renamed).to.deep.include({ code: 0, stderr: '' });
    expect((await stream())!.label).to.equal('db1 nightly backup');

    const byLabel = await inProcess(env, 'stream', 'show', 'db1 nightly backup', '--tenant', 'acme', '--json');
    expect(JSON.parse(byLabel.stdout)).to.deep.include({ key: KEY, label: 'db1 nightly backup' });
    const byId = await inProcess(env, 'stream', 'show', String((await stream())!.id), '--tenant', 'acme');
    expect(byId.stdout).to.contain(`"db1 nightly backup": ${KEY}`).and.contain('messages in the window:');
    const listed = await inProcess(env, 'stream', 'list', '--tenant', 'acme');
    expect(listed.stdout.split('\n')[1]).to.contain('db1 nightly backup').and.contain('1/day').and.contain(KEY);

    // A second stream (another sender) may not take the same label.
    const other = Buffer.from('From: cron@db2.example.test\r\nMessage-ID: <b2@db2>\r\nSubject: :sched-perday-1: db2 backup\r\n\r\nok\r\n');
    await receive(t.deps, [{ tenantId, mailboxId: null, raw: other, source: 'smtp', receivedAt: new Date('2026-12-01T02:30:00Z') }]);
    await tickAt('2026-12-01T04:00:00Z');
    const clash = await inProcess(env, 'stream', 'rename', 'org=|svr=|from=cron@db2.example.test|per=day', 'db1 nightly backup', '--tenant', 'acme');
    expect(clash.code).to.equal(1);
    expect(clash.stderr).to.equal(`datamer: stream ${(await stream())!.id} is already labelled "db1 nightly backup"\n`);

    const unknown = await inProcess(env, 'stream', 'mute', 'nope', '--tenant', 'acme');
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.match(/^datamer: no stream "nope" \(name a stream by its id, key or label; see: datamer stream list\)\n$/);
  });

  it('raises nothing for a muted stream, and alerts at the next pass once unmuted', async () => {
    for (const day of [1, 2, 3, 4]) await deliver(day);
    await tickAt('2026-12-04T12:00:00Z');
    t.clock.set(new Date('2026-12-04T12:00:00Z'));
    await setStreamMuted(t.deps, tenantId, KEY, true);
    expect((await stream())!.nextCheckAt.toISOString()).to.equal('2026-12-04T12:00:00.000Z');

    expect((await tickAt('2026-12-05T09:00:00Z')).raised).to.deep.equal([]);
    expect((await stream())!.state).to.equal('muted');

    t.clock.set(new Date('2026-12-05T09:00:00Z'));
    await setStreamMuted(t.deps, tenantId, KEY, false);
    expect((await stream())!.nextCheckAt.toISOString()).to.equal('2026-12-05T09:00:00.000Z');
    const report = await tickAt('2026-12-05T09:01:00Z');
    expect(report.raised.map((r) => [r.condition, r.at.toISOString()])).to.deep.equal([['missing', '2026-12-05T09:00:00.000Z']]);
  });

  it('mutes and unmutes through the CLI', async () => {
    await deliver(1);
    await tickAt('2026-12-01T03:00:00Z');
    const muted = await inProcess(env, 'stream', 'mute', KEY, '--tenant', 'acme');
    expect(muted).to.deep.include({ code: 0, stdout: `stream ${(await stream())!.id} muted\n` });
    expect((await stream())!.muted).to.equal(true);
    const listed = JSON.parse((await inProcess(env, 'stream', 'list', '--tenant', 'acme', '--json')).stdout);
    expect(listed[0]).to.deep.include({ key: KEY, state: 'muted', muted: true });
    await inProcess(env, 'stream', 'unmute', KEY, '--tenant', 'acme');
    expect((await stream())!.muted).to.equal(false);
  });

  it('raises missing alerts with the severity chosen for the stream, and changes the open one too', async () => {
    for (const day of [1, 2, 3, 4]) await deliver(day);
    await tickAt('2026-12-04T12:00:00Z');
    const set = await inProcess(env, 'stream', 'severity', KEY, 'critical', '--tenant', 'acme');
    expect(set).to.deep.include({ code: 0, stdout: `stream ${(await stream())!.id}: missing alerts are now critical\n` });
    const first = (await tickAt('2026-12-05T04:30:00Z')).raised[0]!;
    expect(first.severity).to.equal('critical');
    expect(await t.db.models.Event.findByPk(first.eventId)).to.deep.include({ severity: 'critical' });

    t.clock.set(new Date('2026-12-05T05:00:00Z'));
    await setMissingSeverity(t.deps, tenantId, KEY, 'info', { actor: 'dba', via: 'cli' });
    expect(await t.db.models.Event.findByPk(first.eventId)).to.deep.include({ severity: 'info' });
    const activity = await t.db.models.Activity.findOne({ where: { eventId: first.eventId, action: 'severity-changed' } });
    expect(activity).to.deep.include({ actor: 'dba', via: 'cli' });
    expect(activity!.detail).to.deep.equal({ from: 'critical', to: 'info' });

    const wrong = await inProcess(env, 'stream', 'severity', KEY, 'loud', '--tenant', 'acme');
    expect(wrong).to.deep.include({ code: 1, stderr: 'datamer: severity "loud": choose info, warn or critical\n' });
  });

  it('deletes a stream and completes its open alert, and a new mail of the job starts it again, learning', async () => {
    for (const day of [1, 2, 3, 4]) await deliver(day);
    const alert = (await tickAt('2026-12-05T04:30:00Z')).raised[0]!;
    const id = (await stream())!.id;
    const deleted = await inProcess(env, 'stream', 'delete', String(id), '--tenant', 'acme', '--as', 'dba');
    expect(deleted).to.deep.include({ code: 0, stdout: `stream ${id} deleted; completed its open alerts #${alert.eventId}\n` });
    expect(await stream()).to.equal(null);
    expect(await t.db.models.Event.findByPk(alert.eventId)).to.deep.include({ status: 'completed' });
    const activity = await t.db.models.Activity.findOne({ where: { eventId: alert.eventId, action: 'completed' } });
    expect(activity).to.deep.include({ actor: 'dba', via: 'cli' });
    expect(activity!.detail).to.deep.include({ from: 'open', to: 'completed', note: `stream ${KEY} deleted` });

    // Nothing left to evaluate: no alert later.
    expect((await tickAt('2026-12-06T12:00:00Z')).raised).to.deep.equal([]);
    await deliver(7);
    await tickAt('2026-12-07T03:00:00Z');
    expect(await stream()).to.deep.include({ state: 'learning', missingEventId: null });
    expect((await stream())!.firstSeenAt.toISOString()).to.equal('2026-12-07T02:00:00.000Z');
  });

  it('deletes through the data function too, leaving a completed alert alone', async () => {
    for (const day of [1, 2, 3, 4]) await deliver(day);
    const alert = (await tickAt('2026-12-05T04:30:00Z')).raised[0]!;
    await inProcess(env, 'event', 'complete', String(alert.eventId), '--tenant', 'acme');
    t.clock.set(new Date('2026-12-05T06:00:00Z'));
    const { closed } = await deleteStream(t.deps, tenantId, KEY, CLI);
    expect(closed).to.deep.equal([]);
    expect(await t.db.models.Activity.count({ where: { eventId: alert.eventId, action: 'completed' } })).to.equal(1);
    await expectNoStream(renameStream(t.deps, tenantId, KEY, 'gone'));
  });

  const expectNoStream = async (p: Promise<unknown>) => {
    const err = await p.then(() => null, (e: Error) => e);
    expect(err?.message).to.equal(`no stream "${KEY}" (name a stream by its id, key or label; see: datamer stream list)`);
  };
});
