// Grouping in the pipeline (docs/correlation.md, Grouping), on the real database: a storm of mail
// becomes one event with a reason per message, the event is as loud as its loudest message, a
// recovery of every source completes it, routine mail stays apart, and two DaTamer processes
// storing one storm at once make one event of it and lose nothing.
import { expect } from 'chai';
import nodemailer from 'nodemailer';
import { addRule } from '../../../src/classification/rule-store.js';
import { loadConfig } from '../../../src/config.js';
import { openDb } from '../../../src/db.js';
import type { Deps } from '../../../src/deps.js';
import { silentLogger } from '../../../src/log.js';
import { createSmtpListener } from '../../../src/mailboxes/smtp/listener.js';
import { deliverDue } from '../../../src/notifications/outbox.js';
import { addGroup, addUser, joinGroup, subscribe } from '../../../src/people/people.js';
import { receive } from '../../../src/pipeline.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { inProcess } from '../../helpers/cli.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { freePort } from '../../helpers/net.js';
import { notifyNow } from '../../helpers/notify.js';
import { startSmtpSink } from '../../helpers/smtp-sink.js';

const SECOND = 1000;

/** A Nagios service notification, as Nagios mails it. */
function nagios(host: string, state: 'PROBLEM' | 'RECOVERY', level: 'CRITICAL' | 'WARNING' | 'OK', at: Date, service = 'NFS mount /mnt/shared'): Buffer {
  const date = at.toUTCString().replace('GMT', '+0000');
  return Buffer.from(
    [
      `Subject: ** ${state} Service Alert: ${host}/${service} is ${level} **`,
      'From: nagios@mon1.example.test (Nagios Monitoring)',
      'To: oncall@example.test',
      `Message-Id: <${state}-${host}-${at.getTime()}-${service.length}@mon1.example.test>`,
      `Date: ${date}`,
      '',
      '***** Nagios *****',
      '',
      `Notification Type: ${state}`,
      '',
      `Service: ${service}`,
      `Host: ${host}`,
      'Address: 192.0.2.21',
      `State: ${level}`,
      '',
      'Additional Info:',
      '',
      level === 'OK' ? 'OK - /mnt/shared is mounted and readable' : `${level} - /mnt/shared: Stale file handle`,
      '',
    ].join('\r\n'),
  );
}

/** A Monit alert, as Monit mails it: the client's side of an NFS glitch. */
function monit(host: string, at: Date): Buffer {
  return Buffer.from(
    [
      `Subject: monit alert --  Timestamp failed shared_mount`,
      `From: monit@${host}.example.test`,
      'To: oncall@example.test',
      `Message-Id: <monit-${host}-${at.getTime()}@${host}.example.test>`,
      `Date: ${at.toUTCString().replace('GMT', '+0000')}`,
      '',
      'Timestamp failed Service shared_mount',
      '',
      `\tDate:        ${at.toUTCString()}`,
      '\tAction:      alert',
      `\tHost:        ${host}.example.test`,
      '\tDescription: cannot read timestamp of /mnt/shared/.health -- Stale file handle',
      '',
      'Your faithful employee,',
      'Monit',
      '',
    ].join('\r\n'),
  );
}

const hosts = Array.from({ length: 12 }, (_, i) => `app${i + 1}`);

describe('grouping: many messages, one event', () => {
  let t: TestDb;
  let acme: number;

  beforeEach(async () => {
    t = await openTestDb('2026-11-23T03:00:00Z');
    acme = (await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' })).tenant.id;
  });
  afterEach(() => t.dispose());

  const send = async (deps: Deps, raw: Buffer) => (await receive(deps, [{ tenantId: acme, mailboxId: null, raw, source: 'smtp' }]))[0]!;
  /** alice responds to infra.*, and a rule puts mail whose subject matches `subject` there. */
  const aliceResponds = async (subject: string) => {
    await addUser(t.deps, acme, { email: 'alice@acme.test', handle: 'alice' });
    await addGroup(t.deps, acme, 'storage');
    await joinGroup(t.deps, acme, 'storage', 'alice');
    await subscribe(t.deps, acme, 'storage', 'infra.*', 'responder');
    await addRule(t.deps, acme, { name: 'nfs', conditions: [{ field: 'subject', pattern: subject }], actions: { org: 'infra.nfs' } }, 'alice');
  };
  const membersOf = async (eventId: number) =>
    (await t.db.models.EventMessage.findAll({ where: { tenantId: acme, eventId }, order: [['id', 'ASC']] })).map((m) => m.reason);

  it('makes one event of a storm from 12 hosts, each message with its reason, as loud as its loudest message', async () => {
    const ids: number[] = [];
    for (const [i, host] of hosts.entries()) {
      ids.push((await send(t.deps, nagios(host, 'PROBLEM', i < 3 ? 'WARNING' : 'CRITICAL', t.clock.now()))).eventId!);
      t.clock.advance(20 * SECOND);
    }
    expect(new Set(ids).size).to.equal(1);
    const event = await t.db.models.Event.findByPk(ids[0]!);
    expect(event).to.deep.include({ severity: 'critical', status: 'open' });
    const reasons = await membersOf(ids[0]!);
    expect(reasons).to.have.length(12);
    expect(reasons[0]).to.equal('opened: no open event matches');
    expect(reasons[11]).to.equal(`joined #${ids[0]}: same signature as 11 messages from 11 hosts in the last 4 minutes`);
    // The louder messages raised it through the one changer: the notifier hears of it.
    const rises = await t.db.models.Activity.findAll({ where: { tenantId: acme, eventId: ids[0]!, action: 'severity-changed' } });
    expect(rises.map((a) => a.detail)).to.deep.equal([{ from: 'warn', to: 'critical' }]);
    // `datamer event show` lists the messages with their reasons.
    const shown = await inProcess({ ...process.env, DATABASE_URL: t.url }, 'event', 'show', String(ids[0]), '--tenant', 'acme');
    expect(shown.stdout).to.contain('** PROBLEM Service Alert: app12/NFS mount /mnt/shared is CRITICAL **\n');
    expect(shown.stdout).to.contain(`      joined #${ids[0]}: same signature as 11 messages from 11 hosts in the last 4 minutes\n`);
  });

  it('completes the event when every host has recovered; a later problem opens a new one', async () => {
    const first = (await send(t.deps, nagios('app1', 'PROBLEM', 'CRITICAL', t.clock.now()))).eventId!;
    t.clock.advance(30 * SECOND);
    await send(t.deps, nagios('app2', 'PROBLEM', 'CRITICAL', t.clock.now()));
    t.clock.advance(40 * 60 * SECOND);
    const back1 = await send(t.deps, nagios('app1', 'RECOVERY', 'OK', t.clock.now()));
    expect(back1.eventId).to.equal(first);
    expect((await t.db.models.Event.findByPk(first))!.status).to.equal('open');
    t.clock.advance(SECOND);
    const back2 = await send(t.deps, nagios('app2', 'RECOVERY', 'OK', t.clock.now()));
    expect(back2.eventId).to.equal(first);
    expect((await t.db.models.Event.findByPk(first))!.status).to.equal('completed');
    expect((await membersOf(first)).slice(2)).to.deep.equal([
      `joined #${first}: app1 / nagios:nfs mount /mnt/shared recovered; 1 source still in trouble`,
      `joined #${first}: app2 / nagios:nfs mount /mnt/shared recovered; every source of it has recovered: completed`,
    ]);
    t.clock.advance(60 * SECOND);
    const again = await send(t.deps, nagios('app1', 'PROBLEM', 'CRITICAL', t.clock.now()));
    expect(again.eventId).not.to.equal(first);
  });

  it('leaves the event open after the recoveries when the tenant says so', async () => {
    await t.db.models.Tenant.update({ recoveryCompletes: false }, { where: { id: acme } });
    const first = (await send(t.deps, nagios('app1', 'PROBLEM', 'CRITICAL', t.clock.now()))).eventId!;
    t.clock.advance(60 * SECOND);
    expect((await send(t.deps, nagios('app1', 'RECOVERY', 'OK', t.clock.now()))).eventId).to.equal(first);
    expect((await t.db.models.Event.findByPk(first))!.status).to.equal('open');
  });

  it('keeps routine mail and mail a rule keeps apart out of the storm', async () => {
    const added = await inProcess({ ...process.env, DATABASE_URL: t.url }, 'rule', 'add', 'apart', '--subject', 'app5/', '--group', 'never', '--tenant', 'acme');
    expect(added.stderr).to.equal('');
    const listed = await inProcess({ ...process.env, DATABASE_URL: t.url }, 'rule', 'show', 'apart', '--tenant', 'acme');
    expect(listed.stdout).to.contain('group=never');
    const storm = (await send(t.deps, nagios('app1', 'PROBLEM', 'CRITICAL', t.clock.now()))).eventId!;
    t.clock.advance(10 * SECOND);
    const report = await send(t.deps, Buffer.from('From: cron@app2.example.test\r\nSubject: :info: nightly report of app2.example.test\r\nMessage-ID: <r1@x>\r\n\r\nall fine\r\n'));
    t.clock.advance(10 * SECOND);
    const apart = await send(t.deps, nagios('app5', 'PROBLEM', 'CRITICAL', t.clock.now()));
    t.clock.advance(10 * SECOND);
    const joined = await send(t.deps, nagios('app3', 'PROBLEM', 'CRITICAL', t.clock.now()));
    expect(report.eventId).not.to.equal(storm);
    expect(apart.eventId).not.to.equal(storm);
    expect(joined.eventId).to.equal(storm);
    expect(await membersOf(apart.eventId!)).to.deep.equal(['opened: a rule says never group this mail']);
  });

  it('merges the storms of two tools over the same hosts into one event, which alerts once', async () => {
    await aliceResponds('NFS mount|shared_mount');
    // A tenant's first minutes: no kind of mail is rare yet, so Nagios's storm and Monit's each
    // open an event, until Monit's second host storms where Nagios's does.
    const placed = [];
    for (const host of ['app1', 'app2', 'app3']) {
      placed.push(await send(t.deps, nagios(host, 'PROBLEM', 'CRITICAL', t.clock.now())));
      t.clock.advance(10 * SECOND);
    }
    for (const host of ['app1', 'app2', 'app3']) {
      placed.push(await send(t.deps, monit(host, t.clock.now())));
      t.clock.advance(10 * SECOND);
    }
    const nagiosEvent = placed[0]!.eventId!;
    const monitEvent = placed[3]!.eventId!;
    expect(monitEvent).not.to.equal(nagiosEvent);
    expect(placed.slice(4).map((p) => p.eventId)).to.deep.equal([nagiosEvent, nagiosEvent]);
    expect(await t.db.models.EventMessage.count({ where: { tenantId: acme, eventId: nagiosEvent } })).to.equal(6);
    const away = await t.db.models.Event.findByPk(monitEvent);
    expect(away).to.deep.include({ status: 'completed', mergedIntoId: nagiosEvent });
    const log = await t.db.models.Activity.findAll({ where: { tenantId: acme, action: ['merged-into', 'merged-from'] }, order: [['id', 'ASC']] });
    expect(log.map((a) => [a.action, a.eventId, a.actor])).to.deep.equal([['merged-from', nagiosEvent, 'datamer'], ['merged-into', monitEvent, 'datamer']]);
    expect(log[1]!.detail!.note).to.equal(
      'one message joins both: same signature as 1 message from 1 host of infra.nfs in the last minute; monit timestamp shared_mount storms over app2, as nagios nfs mount /mnt/shared does: 3 messages from 3 hosts of infra.nfs in the last 1 minute',
    );
    // `datamer event show` of the event merged away says where its mail went.
    const shown = await inProcess({ ...process.env, DATABASE_URL: t.url }, 'event', 'show', String(monitEvent), '--tenant', 'acme');
    expect(shown.stdout).to.contain(`#${nagiosEvent}`);
    // One incident, one alert: the Monit event's waited its group wait and went stale with the merge.
    t.clock.advance(31 * SECOND);
    await notifyNow(t.deps);
    const sink = await startSmtpSink();
    try {
      await deliverDue(t.deps, nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true }), 'test');
      expect(sink.mails.map((m) => m.parsed.subject)).to.have.length(1);
      expect(sink.mails[0]!.parsed.subject).to.contain(`[DaTamer #${nagiosEvent}]`);
    } finally {
      await sink.close();
    }
  });

  it('tells the responders once that an event grouping merged another into grew louder', async () => {
    await aliceResponds('NFS');
    const sink = await startSmtpSink();
    const deliver = () => deliverDue(t.deps, nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true }), 'test');
    try {
      // Warnings of a mount storm, told as a warning.
      const first = (await send(t.deps, nagios('app1', 'PROBLEM', 'WARNING', t.clock.now()))).eventId!;
      for (const host of ['app2', 'app3']) {
        t.clock.advance(10 * SECOND);
        await send(t.deps, nagios(host, 'PROBLEM', 'WARNING', t.clock.now()));
      }
      t.clock.advance(31 * SECOND);
      await notifyNow(t.deps);
      await deliver();
      expect(sink.mails.map((m) => m.parsed.subject)).to.have.length(1);
      expect(sink.mails[0]!.parsed.subject).to.match(/^WARNING open: /);
      // Then the clients' NFS checks go critical over the same hosts: their own event until the
      // second one storms where the mount's storm is, and merges into it.
      const second = (await send(t.deps, nagios('app1', 'PROBLEM', 'CRITICAL', t.clock.now(), 'NFS client'))).eventId!;
      expect(second).not.to.equal(first);
      t.clock.advance(10 * SECOND);
      expect((await send(t.deps, nagios('app2', 'PROBLEM', 'CRITICAL', t.clock.now(), 'NFS client'))).eventId).to.equal(first);
      expect(await t.db.models.Event.findByPk(first)).to.deep.include({ severity: 'critical', status: 'open' });
      t.clock.advance(31 * SECOND);
      await notifyNow(t.deps);
      await deliver();
      // One more mail: the rise, of the event that took the other in; the other never alerted.
      expect(sink.mails.map((m) => m.parsed.subject)).to.have.length(2);
      expect(sink.mails[1]!.parsed.subject).to.match(new RegExp(`^CRITICAL .*\\[DaTamer #${first}\\]$`));
    } finally {
      await sink.close();
    }
  });

  it('makes one event of a storm that two DaTamer processes store at the same time, losing nothing', async () => {
    // A second process: its own connection pool and its own memory of the open events.
    const other = await openDb(t.url);
    try {
      const second: Deps = { db: other, clock: t.clock, log: silentLogger() };
      const results = await Promise.all(hosts.map((host, i) => send(i % 2 ? second : t.deps, nagios(host, 'PROBLEM', 'CRITICAL', t.clock.now()))));
      expect(new Set(results.map((r) => r.messageId)).size).to.equal(12);
      expect(await t.db.models.Message.count({ where: { tenantId: acme } })).to.equal(12);
      expect(await t.db.models.EventMessage.count({ where: { tenantId: acme } })).to.equal(12);
      expect(new Set(results.map((r) => r.eventId)).size).to.equal(1);
      // And each process goes on from what the other wrote.
      t.clock.advance(30 * SECOND);
      expect((await send(second, nagios('app20', 'PROBLEM', 'CRITICAL', t.clock.now()))).eventId).to.equal(results[0]!.eventId);
      expect((await send(t.deps, nagios('app21', 'PROBLEM', 'CRITICAL', t.clock.now()))).eventId).to.equal(results[0]!.eventId);
    } finally {
      await other.close();
    }
  });

  it('sends one alert for a storm that comes in through the SMTP listener', async () => {
    const sink = await startSmtpSink();
    const port = await freePort();
    const listener = createSmtpListener(t.deps, { ...loadConfig({}).smtp, host: '127.0.0.1', port });
    await listener.listen();
    try {
      await addUser(t.deps, acme, { email: 'alice@acme.test', handle: 'alice' });
      await addGroup(t.deps, acme, 'storage');
      await joinGroup(t.deps, acme, 'storage', 'alice');
      await subscribe(t.deps, acme, 'storage', 'infra.*', 'responder');
      await addRule(t.deps, acme, { name: 'nfs', conditions: [{ field: 'subject', pattern: 'NFS mount' }], actions: { org: 'infra.nfs' } }, 'alice');
      const smtp = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
      for (const host of hosts) {
        await smtp.sendMail({ envelope: { from: 'nagios@mon1.example.test', to: ['alerts@acme.test'] }, raw: nagios(host, 'PROBLEM', 'CRITICAL', t.clock.now()) });
        t.clock.advance(5 * SECOND);
      }
      expect(await t.db.models.Message.count({ where: { tenantId: acme } })).to.equal(12);
      expect(await t.db.models.Event.count({ where: { tenantId: acme } })).to.equal(1);
      t.clock.advance(31 * SECOND);
      await notifyNow(t.deps);
      await deliverDue(t.deps, nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true }), 'test');
      expect(sink.mails.map((m) => m.envelope.to.join(','))).to.deep.equal(['alice@acme.test']);
      // Titled for the storm it is (docs/correlation.md, "The event's title"), cut short as alert subjects are.
      expect(sink.mails[0]!.parsed.subject).to.match(/^CRITICAL open: \*\* PROBLEM Service Alert: 12 hosts\/NFS mount \/mnt\/shared is CRITICAL … \(12 messages\) \[DaTamer #\d+\]$/);
    } finally {
      await listener.close();
      await sink.close();
    }
  });
});
