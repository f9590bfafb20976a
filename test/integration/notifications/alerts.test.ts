// Alerts per event, end to end: MSEs go in through DaTamer's own SMTP listener, alerts come out
// of the outbox to a real SMTP server (the suite's sink), on the real database: who is told,
// once, grouped, louder when the event gets louder, again while nobody takes it, quiet at night,
// and never across tenants (docs/notifications.md).
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import { addRule } from '../../../src/classification/rule-store.js';
import { reclassify } from '../../../src/classification/reclassify.js';
import { changeEvent } from '../../../src/events/change.js';
import { deliverDue } from '../../../src/notifications/outbox.js';
import { importSources, planImport } from '../../../src/cli/import.js';
import { addGroup, addUser, joinGroup, subscribe } from '../../../src/people/people.js';
import { setPreferences } from '../../../src/people/preferences.js';
import { loadConfig } from '../../../src/config.js';
import { createSmtpListener, type SmtpListener } from '../../../src/mailboxes/smtp/listener.js';
import { syncStreams } from '../../../src/schedules/streams.js';
import { evaluateDue } from '../../../src/schedules/tick.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { inProcess } from '../../helpers/cli.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { freePort } from '../../helpers/net.js';
import { notifyNow } from '../../helpers/notify.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';

const SECOND = 1000;
const HOUR = 3600 * SECOND;

describe('alerts: one per event to its responders', () => {
  let t: TestDb;
  let sink: SmtpSink;
  let listener: SmtpListener;
  let monitor: Transporter;
  let acme: number;
  let counter = 0;

  beforeEach(async () => {
    t = await openTestDb('2026-11-23T08:00:00Z');
    sink = await startSmtpSink();
    const port = await freePort();
    listener = createSmtpListener(t.deps, { ...loadConfig({}).smtp, host: '127.0.0.1', port });
    await listener.listen();
    monitor = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    acme = (await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' })).tenant.id;
    for (const handle of ['alice', 'bob', 'carol']) await addUser(t.deps, acme, { email: `${handle}@acme.test`, handle });
    await addGroup(t.deps, acme, 'dbas');
    await joinGroup(t.deps, acme, 'dbas', 'alice');
    await joinGroup(t.deps, acme, 'dbas', 'bob');
    await subscribe(t.deps, acme, 'dbas', 'infra.db.*', 'responder');
  });
  afterEach(async () => {
    monitor.close();
    await listener.close();
    await sink.close();
    await t.dispose();
  });

  /** A monitoring mail to the tenant's address, as a monitor sends it; answers its event once the 250 came. */
  const mse = async (tenantId: number, subject: string, messageId = `<m${++counter}@monitor>`) => {
    const to = tenantId === acme ? 'alerts@acme.test' : 'alerts@globex.test';
    const raw = Buffer.from(`From: nagios@monitor.test\r\nTo: ${to}\r\nMessage-ID: ${messageId}\r\nSubject: ${subject}\r\n\r\nbody\r\n`);
    await monitor.sendMail({ raw, envelope: { from: 'nagios@monitor.test', to: [to] } });
    // A 250 means stored with its event (docs/architecture.md): no waiting.
    const message = await t.db.models.Message.findOne({ where: { tenantId, messageIdHeader: messageId } });
    const link = await t.db.models.EventMessage.findOne({ where: { tenantId, messageId: message!.id } });
    return [{ eventId: link!.eventId, deliveries: message!.deliveries }];
  };
  const eventOf = async (tenantId: number, subject: string) => (await mse(tenantId, subject))[0]!.eventId!;
  /** The notifier and the outbox, as their jobs run them; answers what reached the server this time. */
  const run = async () => {
    const before = sink.mails.length;
    await notifyNow(t.deps);
    await deliverDue(t.deps, nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true }), 'test');
    return sink.mails.slice(before);
  };
  const to = (mails: SmtpSink['mails']) => mails.map((m) => m.envelope.to.join(',')).sort();

  it('a burst of 30 MSEs within the group wait is one mail to each responder, listing all 30', async () => {
    for (let i = 1; i <= 30; i++) {
      await mse(acme, `:${i % 3 === 0 ? 'critical' : 'warn'}: :org:infra.db.pg: replication lag on pg${i}`);
      t.clock.advance(SECOND / 2);
    }
    // Within the wait: nothing yet.
    expect(await run()).to.deep.equal([]);
    t.clock.advance(16 * SECOND);
    const mails = await run();
    expect(to(mails)).to.deep.equal(['alice@acme.test', 'bob@acme.test']);
    for (const mail of mails) {
      expect(mail.parsed.subject).to.match(/^CRITICAL open: replication lag on pg\d+ \(and 29 more events\) \[DaTamer\]$/);
      expect((mail.parsed.text!.match(/^#\d+ (CRITICAL|WARNING) open: /gm) ?? []).length).to.equal(30);
    }
    // Nothing more, however often the jobs run.
    t.clock.advance(60 * SECOND);
    expect(await run()).to.deep.equal([]);
  });

  it('one event: its reply address and tag, so that ASSIGN by reply works on it; a re-delivery of its mail sends nothing', async () => {
    const raw = ':critical: :org:infra.db.pg: replication broken on pg1';
    const [first] = await mse(acme, raw, '<once@monitor>');
    t.clock.advance(31 * SECOND);
    const mails = await run();
    expect(to(mails)).to.deep.equal(['alice@acme.test', 'bob@acme.test']);
    const alice = mails.find((m) => m.envelope.to[0] === 'alice@acme.test')!;
    expect(alice.parsed.subject).to.equal(`CRITICAL open: replication broken on pg1 [DaTamer #${first!.eventId}]`);
    expect(alice.parsed.replyTo?.text).to.match(new RegExp(`^alerts\\+k[a-z2-7]{20}-e${first!.eventId}@acme\\.test$`));

    const [again] = await mse(acme, raw, '<once@monitor>');
    expect(again).to.deep.equal({ eventId: first!.eventId, deliveries: 2 });
    t.clock.advance(60 * SECOND);
    expect(await run()).to.deep.equal([]);
  });

  it('tells once more when the severity rises, and not when it stays or falls', async () => {
    const eventId = await eventOf(acme, ':warn: :org:infra.db.pg: disk 85% on pg1');
    t.clock.advance(31 * SECOND);
    expect((await run()).map((m) => m.parsed.subject)).to.deep.equal([`WARNING open: disk 85% on pg1 [DaTamer #${eventId}]`, `WARNING open: disk 85% on pg1 [DaTamer #${eventId}]`]);

    // A rule makes disk mail critical; reclassifying the stored mail raises the event.
    await addRule(t.deps, acme, { name: 'disk is critical', conditions: [{ field: 'subject', pattern: 'disk \\d+%' }], actions: { severity: 'critical' }, override: true }, 'carol');
    await reclassify(t.deps, acme);
    t.clock.advance(31 * SECOND);
    const raised = await run();
    expect(to(raised)).to.deep.equal(['alice@acme.test', 'bob@acme.test']);
    expect(raised[0]!.parsed.subject).to.equal(`CRITICAL raised: disk 85% on pg1 [DaTamer #${eventId}]`);

    // Back to warn: quieter is no news.
    await addRule(t.deps, acme, { name: 'disk is a warning', conditions: [{ field: 'subject', pattern: 'disk \\d+%' }], actions: { severity: 'warn' }, override: true, position: 1 }, 'carol');
    await reclassify(t.deps, acme);
    t.clock.advance(31 * SECOND);
    expect(await run()).to.deep.equal([]);
  });

  it('tells again every repeat interval while nobody takes the event, and never after a claim', async () => {
    const eventId = await eventOf(acme, ':critical: :org:infra.db.pg: pg1 down');
    t.clock.advance(31 * SECOND);
    expect(await run()).to.have.length(2);
    t.clock.advance(4 * HOUR);
    const repeat = await run();
    expect(to(repeat)).to.deep.equal(['alice@acme.test', 'bob@acme.test']);
    expect(repeat[0]!.parsed.subject).to.equal(`CRITICAL still open: pg1 down [DaTamer #${eventId}]`);
    t.clock.advance(HOUR);
    expect(await run()).to.deep.equal([]);

    await changeEvent(t.deps, acme, eventId, { command: 'assign', handle: 'bob', actor: 'bob', via: 'email' });
    for (let i = 0; i < 3; i++) {
      t.clock.advance(4 * HOUR);
      expect(await run(), `repeat ${i + 1} after the claim`).to.deep.equal([]);
    }
  });

  it('does not tell responders about an event someone took during the wait; tells the assignee when someone else assigns it', async () => {
    const eventId = await eventOf(acme, ':critical: :org:infra.db.pg: pg2 down');
    await changeEvent(t.deps, acme, eventId, { command: 'assign', handle: 'alice', actor: 'carol', via: 'cli' });
    t.clock.advance(31 * SECOND);
    const mails = await run();
    expect(to(mails)).to.deep.equal(['alice@acme.test']);
    expect(mails[0]!.parsed.subject).to.equal(`[DaTamer #${eventId}] Assigned to you: :critical: :org:infra.db.pg: pg2 down`);
  });

  it('holds a warning back in quiet hours and lets a critical through; the warning goes when they end', async () => {
    const set = await inProcess({ ...process.env, DATABASE_URL: t.url }, 'user', 'set', 'alice', '--timezone', 'Europe/Berlin', '--quiet', '22:00-07:00', '--tenant', 'acme');
    expect(set.stdout).to.equal('alice: alerts for warn, critical, quiet 22:00-07:00 (critical only), digest at 08:00, time zone Europe/Berlin\n');
    const wrong = await inProcess({ ...process.env, DATABASE_URL: t.url }, 'user', 'set', 'alice', '--timezone', 'Mars/Olympus', '--tenant', 'acme');
    expect(wrong.stderr).to.equal('datamer: time zone "Mars/Olympus": use an IANA name such as Europe/Berlin or UTC\n');
    await setPreferences(t.deps, acme, 'bob', { alerts: 'critical' });
    t.clock.set(new Date('2026-11-23T22:30:00Z')); // 23:30 in Berlin
    const warning = await eventOf(acme, ':warn: :org:infra.db.pg: slow queries on pg3');
    const critical = await eventOf(acme, ':critical: :org:infra.db.pg: pg3 down');
    t.clock.advance(31 * SECOND);
    const night = await run();
    expect(night.map((m) => [m.envelope.to[0], m.parsed.subject])).to.have.deep.members([
      ['alice@acme.test', `CRITICAL open: pg3 down [DaTamer #${critical}]`],
      ['bob@acme.test', `CRITICAL open: pg3 down [DaTamer #${critical}]`],
    ]);
    await changeEvent(t.deps, acme, critical, { command: 'assign', handle: 'bob', actor: 'bob', via: 'email' });
    // 07:00 in Berlin is 06:00 UTC.
    t.clock.set(new Date('2026-11-24T05:59:00Z'));
    expect(await run()).to.deep.equal([]);
    t.clock.set(new Date('2026-11-24T06:00:00Z'));
    const morning = await run();
    expect(morning.map((m) => [m.envelope.to[0], m.parsed.subject])).to.deep.equal([['alice@acme.test', `WARNING open: slow queries on pg3 [DaTamer #${warning}]`]]);
  });

  it('sends unclassified events to the triage group, and keeps an alert that reaches nobody visible', async () => {
    const nobody = await eventOf(acme, 'something happened on a box nobody knows');
    t.clock.advance(31 * SECOND);
    expect(await run()).to.deep.equal([]);
    const cli = await inProcess({ ...process.env, DATABASE_URL: t.url }, 'alert', 'unrouted', '--tenant', 'acme');
    expect(cli.stdout).to.contain(`#${nobody}`).and.contain('unclassified').and.contain('datamer group join triage');

    await joinGroup(t.deps, acme, 'triage', 'carol');
    const triaged = await eventOf(acme, ':critical: no org on this one');
    t.clock.advance(31 * SECOND);
    const mails = await run();
    expect(mails.map((m) => [m.envelope.to[0], m.parsed.subject])).to.deep.equal([['carol@acme.test', `CRITICAL open: no org on this one [DaTamer #${triaged}]`]]);
  });

  it('never tells a user of another tenant, whatever the org', async () => {
    const globex = (await addTenant(t.deps, { name: 'globex', address: 'alerts@globex.test' })).tenant.id;
    await addUser(t.deps, globex, { email: 'gina@globex.test', handle: 'gina' });
    await addGroup(t.deps, globex, 'everyone');
    await joinGroup(t.deps, globex, 'everyone', 'gina');
    await subscribe(t.deps, globex, 'everyone', '*', 'responder');
    await joinGroup(t.deps, globex, 'triage', 'gina');
    await eventOf(acme, ':critical: :org:infra.db.pg: pg4 down');
    await eventOf(acme, ':critical: unclassified at acme');
    t.clock.advance(31 * SECOND);
    const mails = await run();
    expect(mails.every((m) => m.envelope.to.every((a) => a.endsWith('@acme.test')))).to.equal(true);
    expect(mails.every((m) => m.envelope.from === 'alerts@acme.test')).to.equal(true);
    const gina = await eventOf(globex, ':critical: :org:infra.db.pg: pg4 down at globex');
    t.clock.advance(31 * SECOND);
    expect((await run()).map((m) => [m.envelope.to[0], m.parsed.subject])).to.deep.equal([['gina@globex.test', `CRITICAL open: pg4 down at globex [DaTamer #${gina}]`]]);
  });

  it('after a stop, tells once what is still open and untaken, marked late, and not what was taken or completed meanwhile', async () => {
    // DaTamer took the mail in, but its notifier did not run for five hours (a backlog, a stop).
    const open1 = await eventOf(acme, ':critical: :org:infra.db.pg: pg6 down');
    const open2 = await eventOf(acme, ':warn: :org:infra.db.pg: slow queries on pg6');
    const taken = await eventOf(acme, ':critical: :org:infra.db.pg: pg7 down');
    const over = await eventOf(acme, ':critical: :org:infra.db.pg: pg8 down');
    await changeEvent(t.deps, acme, taken, { command: 'assign', handle: 'bob', actor: 'bob', via: 'email' });
    await changeEvent(t.deps, acme, over, { command: 'complete', actor: 'alice', via: 'email' });
    t.clock.advance(5 * HOUR);

    // One mail each, a group wait after the notifier saw them, listing only the two still open.
    expect(await run()).to.deep.equal([]);
    t.clock.advance(31 * SECOND);
    const late = await run();
    expect(to(late)).to.deep.equal(['alice@acme.test', 'bob@acme.test']);
    for (const mail of late) {
      expect(mail.parsed.subject).to.equal(`CRITICAL open (late): pg6 down (and 1 more event) [DaTamer]`);
      expect(mail.parsed.text).to.contain(`#${open1} CRITICAL open (late): `).and.contain(`#${open2} WARNING open (late): `);
      expect(mail.parsed.text).to.contain('Told late: it opened 2026-11-23T08:00').and.not.contain(`#${taken} `).and.not.contain(`#${over} `);
    }
    // Told once, then repeated once per interval like any other: no burst of the missed repeats.
    t.clock.advance(HOUR);
    expect(await run()).to.deep.equal([]);
    t.clock.advance(3 * HOUR);
    const repeat = await run();
    expect(to(repeat)).to.deep.equal(['alice@acme.test', 'bob@acme.test']);
    expect(repeat[0]!.parsed.subject).to.equal('CRITICAL still open: pg6 down (and 1 more event) [DaTamer]');
  });

  it('pages nobody about history brought in by datamer import, events or schedules, and still tells what happens after it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'datamer-history-'));
    try {
      // A week of the nightly backup (which stopped three days ago), and criticals of two days and of one hour ago.
      const mail = (date: string, subject: string, id: string) =>
        `From nagios@monitor.test ${new Date(date).toUTCString()}\nFrom: nagios@monitor.test\nTo: alerts@acme.test\nDate: ${new Date(date).toUTCString()}\nMessage-ID: <${id}@monitor>\nSubject: ${subject}\n\nbody\n\n`;
      const backups = [14, 15, 16, 17, 18, 19, 20].map((d) => mail(`2026-11-${d}T02:00:00Z`, ':info: :org:infra.db.backup: nightly backup of db1 finished :sched-perday-1:', `backup-${d}`));
      const history = [
        ...backups,
        mail('2026-11-21T09:00:00Z', ':critical: :org:infra.db.pg: pg9 down', 'old-critical'),
        mail('2026-11-23T07:00:00Z', ':critical: :org:infra.db.pg: pg10 down', 'recent-critical'),
      ];
      const file = path.join(dir, 'history.mbox');
      writeFileSync(file, history.join(''));
      const tally = await importSources(t.deps, { tenantId: acme, mailboxId: null, maxBytes: 1 << 20 }, await planImport([file]));
      expect(tally.stored).to.equal(9);

      // The jobs run as they do in the service, for the next few hours: nobody is told anything.
      const jobs = async () => {
        await syncStreams(t.deps);
        await evaluateDue(t.deps);
        return run();
      };
      for (const step of [0, 31 * SECOND, HOUR, 5 * HOUR]) {
        t.clock.advance(step);
        expect(await jobs(), `${step / 1000} s after the import`).to.deep.equal([]);
      }
      expect(await t.db.models.Event.count({ where: { tenantId: acme, kind: 'schedule-missing' } }), 'schedule alerts about the past').to.equal(0);
      expect(await t.db.models.Notice.count(), 'notices about history').to.equal(0);

      // Live mail after the import is news as ever.
      const live = await eventOf(acme, ':critical: :org:infra.db.pg: pg11 down');
      t.clock.advance(31 * SECOND);
      expect((await jobs()).map((m) => m.parsed.subject)).to.deep.equal([`CRITICAL open: pg11 down [DaTamer #${live}]`, `CRITICAL open: pg11 down [DaTamer #${live}]`]);
      await changeEvent(t.deps, acme, live, { command: 'assign', handle: 'bob', actor: 'bob', via: 'email' });
      // The backup still has not come a full window after the import: that is news now, told once.
      t.clock.set(new Date('2026-11-24T08:01:00Z'));
      const missing = await jobs();
      t.clock.advance(31 * SECOND);
      missing.push(...(await jobs()));
      expect(to(missing)).to.deep.equal(['alice@acme.test', 'bob@acme.test']);
      expect(missing[0]!.parsed.subject).to.match(/^WARNING open: Missing: org=infra\.db\.backup\|.* \[DaTamer #\d+\]$/);
      expect(missing[0]!.parsed.text).to.contain('Came: 0').and.contain('Last seen: 2026-11-20T02:00:00.000Z');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
