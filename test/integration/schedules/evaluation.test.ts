// Schedules against the real database: streams taken in from what arrived, alerts raised once at
// the end of their grace, mailed to the responders through the outbox to a real SMTP server,
// resolved when the job comes back; and several evaluators at once raise each alert once.
import { expect } from 'chai';
import nodemailer from 'nodemailer';
import { openDb } from '../../../src/db.js';
import { deliverDue } from '../../../src/notifications/outbox.js';
import { receive } from '../../../src/pipeline.js';
import { syncStreams } from '../../../src/schedules/streams.js';
import { evaluateDue } from '../../../src/schedules/tick.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { inProcess } from '../../helpers/cli.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { notifyNow } from '../../helpers/notify.js';
import { addDbaResponder } from '../../helpers/people.js';
import { startSmtpSink } from '../../helpers/smtp-sink.js';

const KEY = 'org=datamer.data.db.olap|svr=db1.example.test|from=cron@db1.example.test|per=day';

describe('schedules: the email that did not come', () => {
  let t: TestDb;
  let tenantId: number;

  beforeEach(async () => {
    // The clock starts with the month, so the alerts below are news when they are raised.
    t = await openTestDb('2026-11-01T00:00:00Z');
    tenantId = (await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' })).tenant.id;
    await addDbaResponder(t.deps, tenantId);
  });
  afterEach(() => t.dispose());

  /** The nightly backup report of db1, on the given day of November at 02:00. */
  const backup = (day: number) =>
    Buffer.from(
      `From: cron@db1.example.test\r\nMessage-ID: <backup-${day}@db1>\r\nDate: Mon, ${day} Nov 2026 02:00:00 +0000\r\n` +
        `Subject: :info: :org:datamer.data.db.olap: backup of db1 finished :sched-perday-1:\r\n\r\n:svr:db1.example.test\r\n`,
    );
  const deliver = (day: number) => receive(t.deps, [{ tenantId, mailboxId: null, raw: backup(day), source: 'smtp', receivedAt: new Date(`2026-11-${String(day).padStart(2, '0')}T02:00:00Z`) }]);
  const tickAt = async (iso: string) => {
    t.clock.set(new Date(iso));
    await syncStreams(t.deps);
    return evaluateDue(t.deps, new Date(iso));
  };

  it('takes a stream in from the first tagged mail, learning until it has seen a full window', async () => {
    await deliver(1);
    await tickAt('2026-11-01T03:00:00Z');
    const stream = await t.db.models.Stream.findOne({ where: { tenantId, key: KEY } });
    expect(stream).to.deep.include({ period: 'day', n: 1, v: 0, state: 'learning', count: 1, org: 'datamer.data.db.olap', fromAddress: 'cron@db1.example.test' });
    expect(stream!.servers).to.deep.equal(['db1.example.test']);
    expect((await t.db.models.Message.findOne({ where: { tenantId } }))!.streamKey).to.equal(KEY);
  });

  it('raises one missing alert when the grace ends, mails the responders, and resolves when the job is back', async () => {
    for (const day of [1, 2, 3, 4]) await deliver(day);
    expect((await tickAt('2026-11-05T03:59:00Z')).raised).to.deep.equal([]);

    // The 5th's report never came: out of range from 02:00, alerted at 04:00 (2 h grace), whenever the pass runs.
    const report = await tickAt('2026-11-05T04:07:00Z');
    // The notifier job runs every few seconds: it queues the alert now.
    await notifyNow(t.deps);
    expect(report.raised.map((r) => [r.condition, r.at.toISOString()])).to.deep.equal([['missing', '2026-11-05T04:00:00.000Z']]);
    const event = await t.db.models.Event.findByPk(report.raised[0]!.eventId);
    expect(event).to.deep.include({ kind: 'schedule-missing', status: 'open', severity: 'warn', org: 'datamer.data.db.olap', triage: false });
    expect(event!.title).to.equal(`Missing: ${KEY}: 0 of 1 in 24 hours`);
    expect(event!.detail).to.deep.include({ stream: KEY, count: 0, outSince: '2026-11-05T02:00:00.000Z', lastSeenAt: '2026-11-04T02:00:00.000Z' });

    // Not repeated by later passes.
    expect((await tickAt('2026-11-05T09:00:00Z')).raised).to.deep.equal([]);
    expect((await tickAt('2026-11-06T09:00:00Z')).raised).to.deep.equal([]);
    expect((await t.db.models.Stream.findOne({ where: { key: KEY } }))!.state).to.equal('missing');

    // The mail reaches a real SMTP server through the outbox.
    const sink = await startSmtpSink();
    try {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true });
      await deliverDue(t.deps, transport, 'test');
      expect(sink.mails).to.have.length(1);
      expect(sink.mails[0]!.envelope.to).to.deep.equal(['dba@acme.test']);
      // Severity and state first, a short title, the event's tag (docs/notifications.md).
      expect(sink.mails[0]!.parsed.subject).to.match(new RegExp(`^WARNING open: Missing: org=datamer\\.data\\.db\\.olap\\|.*… \\[DaTamer #${event!.id}\\]$`));
      expect(sink.mails[0]!.parsed.text).to.contain(`Missing: ${KEY}: 0 of 1 in 24 hours`).and.contain('Expected: 1 in 24 hours');
      // A reply to the alert commands the event as its reader (docs/commands.md).
      expect(sink.mails[0]!.parsed.replyTo?.text).to.match(new RegExp(`\\+k[a-z2-7]{20}-e${event!.id}@`));
      expect(sink.mails[0]!.parsed.text).to.contain('Last seen: 2026-11-04T02:00:00.000Z');

      // The job is back on the 7th: resolved at that instant, the event completed, and that is mailed too.
      await deliver(7);
      const back = await tickAt('2026-11-07T02:01:00Z');
      expect(back.resolved.map((r) => r.at.toISOString())).to.deep.equal(['2026-11-07T02:00:00.000Z']);
      expect(await t.db.models.Event.findByPk(event!.id)).to.deep.include({ status: 'completed' });
      const activity = await t.db.models.Activity.findOne({ where: { eventId: event!.id, action: 'resolved' } });
      expect(activity).to.deep.include({ actor: 'datamer', via: 'system' });
      await notifyNow(t.deps);
      await deliverDue(t.deps, transport, 'test');
      expect(sink.mails).to.have.length(2);
      expect(sink.mails[1]!.parsed.subject).to.match(/^WARNING resolved: Missing: .* \[DaTamer #\d+\]$/);
      expect(sink.mails[1]!.parsed.text).to.contain('Resolved: the count is back in range.');
    } finally {
      await sink.close();
    }
  });

  it('raises excess for a job that doubles up, and none for one that runs 30 minutes late', async () => {
    for (const day of [1, 2, 3, 4]) await deliver(day);
    // Late on the 5th (02:30), on time on the 6th: in range again within the grace.
    await receive(t.deps, [{ tenantId, mailboxId: null, raw: backup(5), source: 'smtp', receivedAt: new Date('2026-11-05T02:30:00Z') }]);
    await deliver(6);
    expect((await tickAt('2026-11-06T12:00:00Z')).raised).to.deep.equal([]);
    // A second run on the 6th at 09:00 (a retry): two in the window, excess after the grace.
    const retry = Buffer.from(backup(6).toString().replace('<backup-6@db1>', '<backup-6-retry@db1>'));
    await receive(t.deps, [{ tenantId, mailboxId: null, raw: retry, source: 'smtp', receivedAt: new Date('2026-11-06T09:00:00Z') }]);
    const report = await tickAt('2026-11-06T12:00:00Z');
    expect(report.raised.map((r) => [r.condition, r.at.toISOString()])).to.deep.equal([['excess', '2026-11-06T11:00:00.000Z']]);
  });

  it('raises one excess alert and resolves it once for a job that ran twice per slot for a day', async () => {
    // Twice a day (07:10 and 19:10); on the 4th every run came twice (07:10 and 07:40, 19:10 and
    // 19:40); on the 5th it ran once per slot again, but a little after the day-old second runs
    // left the 24-hour window (07:45 after 07:40, 19:15 after 19:10).
    const run = (iso: string) => {
      const raw = Buffer.from(
        `From: cron@db1.example.test\r\nMessage-ID: <vacuum-${iso}@db1>\r\nDate: Mon, 2 Nov 2026 07:10:00 +0000\r\n` +
          `Subject: :info: :org:datamer.data.db.olap: vacuum of db1 done :sched-perday-2:\r\n\r\n:svr:db1.example.test\r\n`,
      );
      return receive(t.deps, [{ tenantId, mailboxId: null, raw, source: 'smtp', receivedAt: new Date(iso) }]);
    };
    const times = [
      ...[1, 2, 3].flatMap((d) => [`2026-11-0${d}T07:10:00Z`, `2026-11-0${d}T19:10:00Z`]),
      '2026-11-04T07:10:00Z', '2026-11-04T07:40:00Z', '2026-11-04T19:10:00Z', '2026-11-04T19:40:00Z',
      '2026-11-05T07:45:00Z', '2026-11-05T19:15:00Z', '2026-11-06T07:10:00Z', '2026-11-06T19:10:00Z',
    ];
    const raised: string[] = [];
    const resolved: string[] = [];
    // A pass every hour, with the mail delivered as it came.
    let next = 0;
    for (let at = Date.parse('2026-11-01T07:00:00Z'); at <= Date.parse('2026-11-07T00:00:00Z'); at += 60 * 60_000) {
      while (next < times.length && Date.parse(times[next]!) <= at) await run(times[next++]!);
      const report = await tickAt(new Date(at).toISOString());
      raised.push(...report.raised.map((r) => `${r.condition} ${r.at.toISOString()}`));
      resolved.push(...report.resolved.map((r) => r.at.toISOString()));
    }
    expect(raised).to.deep.equal(['excess 2026-11-04T09:40:00.000Z']);
    // Back in range for good at 19:40 on the 5th (the 4th's 19:40 left); resolved after the 2 h grace.
    expect(resolved).to.deep.equal(['2026-11-05T21:40:00.000Z']);
    expect(await t.db.models.Event.count({ where: { tenantId, kind: 'schedule-excess' } })).to.equal(1);
  });

  it('alerts after the configured grace of the period, or the stream\'s own', async () => {
    for (const day of [1, 2, 3, 4]) await deliver(day);
    await tickAt('2026-11-04T03:00:00Z');
    const report = await evaluateDue(t.deps, new Date('2026-11-05T02:40:00Z'), { hour: 600_000, day: 30 * 60_000, month: 86_400_000 });
    expect(report.raised.map((r) => r.at.toISOString())).to.deep.equal(['2026-11-05T02:30:00.000Z']);
  });

  it('alerts after a stream\'s own grace, set on the command line', async () => {
    for (const day of [1, 2, 3, 4]) await deliver(day);
    await tickAt('2026-11-04T03:00:00Z');
    const set = await inProcess({ ...process.env, DATABASE_URL: t.url }, 'stream', 'grace', KEY, '10m', '--tenant', 'acme');
    expect(set.stdout).to.match(/^stream \d+: grace 10m\n$/);
    const bad = await inProcess({ ...process.env, DATABASE_URL: t.url }, 'stream', 'grace', KEY, 'soon', '--tenant', 'acme');
    expect(bad.stderr).to.equal('datamer: grace "soon": write a duration such as 10m, 2h or 1d, or default\n');
    const report = await tickAt('2026-11-05T02:15:00Z');
    expect(report.raised.map((r) => r.at.toISOString())).to.deep.equal(['2026-11-05T02:10:00.000Z']);
  });

  it('raises an alert once when two evaluators run at the same time', async () => {
    for (const day of [1, 2, 3, 4]) await deliver(day);
    await tickAt('2026-11-04T03:00:00Z');
    const other = await openDb(t.url);
    try {
      const now = new Date('2026-11-05T05:00:00Z');
      const [a, b] = await Promise.all([evaluateDue(t.deps, now), evaluateDue({ ...t.deps, db: other }, now)]);
      expect(a.raised.length + b.raised.length).to.equal(1);
      expect(await t.db.models.Event.count({ where: { kind: 'schedule-missing' } })).to.equal(1);
    } finally {
      await other.close();
    }
  });
});
