// An event's title from its signature (docs/correlation.md, "The event's title"), end to end: a
// storm of one kind of mail from twelve hosts comes in through DaTamer's SMTP listener, and its
// event is titled for what it is, wherever the title shows: `datamer event list` and `event
// show`, the alert, the daily digest and the site. A merge and a split keep it in step.
import { expect } from 'chai';
import nodemailer from 'nodemailer';
import { loadConfig } from '../../../src/config.js';
import { mergeEvents, splitMessage } from '../../../src/events/corrections.js';
import { createSmtpListener } from '../../../src/mailboxes/smtp/listener.js';
import { sendDueDigests } from '../../../src/notifications/digest.js';
import { deliverDue } from '../../../src/notifications/outbox.js';
import { linkKey } from '../../../src/notifications/unsubscribe-link.js';
import { setPassword } from '../../../src/people/passwords.js';
import { addGroup, addUser, joinGroup, subscribe } from '../../../src/people/people.js';
import { receive } from '../../../src/pipeline.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { createApp } from '../../../src/web/app.js';
import { inProcess } from '../../helpers/cli.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { freePort } from '../../helpers/net.js';
import { notifyNow } from '../../helpers/notify.js';
import { closeServer, logInOverHttp, serve } from '../../helpers/site.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';

const SECOND = 1000;
const STORM = 'Disk usage on 12 hosts is 88–97%';

/** A disk check's mail from one host, tagged with its org and server. */
function disk(host: string, percent: number, n: number): Buffer {
  return Buffer.from([
    'From: monitor@mon1.example.test',
    'To: alerts@acme.test',
    `Message-ID: <disk-${host}-${n}@mon1.example.test>`,
    `Subject: :warn: :org:infra.db: :svr:${host}.acme.test: Disk usage on ${host} is ${percent}%`,
    '',
    `The file system /var on ${host} is ${percent}% full.`,
    '',
  ].join('\r\n'));
}

describe('an event\'s title from its signature', function () {
  this.timeout(60_000);
  let t: TestDb;
  let acme: number;
  let sink: SmtpSink;
  let counter = 0;

  beforeEach(async () => {
    t = await openTestDb('2026-11-23T03:00:00Z');
    acme = (await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' })).tenant.id;
    await addUser(t.deps, acme, { email: 'alice@acme.test', handle: 'alice' });
    await setPassword(t.deps, acme, 'alice', 'alice reads the events page');
    await addGroup(t.deps, acme, 'dbas');
    await joinGroup(t.deps, acme, 'dbas', 'alice');
    await subscribe(t.deps, acme, 'dbas', 'infra.db', 'responder');
    sink = await startSmtpSink();
  });
  afterEach(async () => {
    await sink.close();
    await t.dispose();
  });

  const cli = (...args: string[]) => inProcess({ ...process.env, DATABASE_URL: t.url, DATAMER_LOG_LEVEL: 'silent' }, ...args);
  const titleOf = async (id: number) => (await t.db.models.Event.findByPk(id))!.title;
  const receiveOne = async (raw: Buffer) => (await receive(t.deps, [{ tenantId: acme, mailboxId: null, source: 'smtp', raw }]))[0]!;

  it('titles a storm from 12 hosts "Disk usage on 12 hosts is 88–97%" in the event list, event show, the alert, the digest and the site', async () => {
    const options = { linkKey: linkKey(Buffer.alloc(32, 7)), publicUrl: 'https://datamer.acme.test' };
    await sendDueDigests(t.deps, options); // the digest job runs all along: alice's is scheduled
    const port = await freePort();
    const listener = createSmtpListener(t.deps, { ...loadConfig({}).smtp, host: '127.0.0.1', port });
    await listener.listen();
    try {
      const smtp = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
      for (let i = 0; i < 12; i++) {
        await smtp.sendMail({ envelope: { from: 'monitor@mon1.example.test', to: ['alerts@acme.test'] }, raw: disk(`db${i + 1}`, 88 + ((i * 7) % 10), ++counter) });
        t.clock.advance(5 * SECOND);
      }
    } finally {
      await listener.close();
    }
    const events = await t.db.models.Event.findAll({ where: { tenantId: acme } });
    expect(events).to.have.length(1);
    const id = events[0]!.id;
    expect(events[0]!.title).to.equal(STORM);

    const listed = JSON.parse((await cli('event', 'list', '--tenant', 'acme', '--json')).stdout) as Array<{ id: number; title: string }>;
    expect(listed.map((e) => [e.id, e.title])).to.deep.equal([[id, STORM]]);
    const shown = await cli('event', 'show', String(id), '--tenant', 'acme');
    expect(shown.stdout.split('\n')[0]).to.equal(`event #${id} (message): ${STORM}`);
    // Each message keeps its own subject.
    expect(shown.stdout).to.contain('Disk usage on db12 is');

    t.clock.advance(31 * SECOND);
    await notifyNow(t.deps);
    await deliverDue(t.deps, nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true }), 'test');
    expect(sink.mails).to.have.length(1);
    expect(sink.mails[0]!.parsed.subject).to.equal(`WARNING open: ${STORM} (12 messages) [DaTamer #${id}]`);
    expect(sink.mails[0]!.parsed.text).to.contain(STORM);

    t.clock.set(new Date('2026-11-23T08:00:00Z'));
    await sendDueDigests(t.deps, options);
    const [digest] = await t.db.models.OutboxMail.findAll({ where: { kind: 'digest' } });
    expect(digest!.text).to.contain(`#${id} `).and.contain(STORM);

    const { server, baseURL } = await serve(createApp(t.deps));
    try {
      const cookie = await logInOverHttp(baseURL, 'acme', 'alice', 'alice reads the events page');
      const page = await (await fetch(`${baseURL}/events/${id}`, { headers: { cookie } })).text();
      expect(page).to.contain(`<h1 id="event-title">#${id} ${STORM}</h1>`);
      expect(await (await fetch(`${baseURL}/events`, { headers: { cookie } })).text()).to.contain(STORM);
    } finally {
      await closeServer(server);
    }
  });

  it('keeps the title in step when a merge brings more of its kind and a split takes one out; mail of another kind leaves it', async () => {
    const first = await receiveOne(disk('db1', 91, ++counter));
    t.clock.advance(10 * SECOND);
    const swap = await receiveOne(Buffer.from('From: monitor@mon1.example.test\r\nMessage-ID: <swap-db1@mon1>\r\nSubject: :warn: :org:infra.db: :svr:db1.acme.test: swap in use on db1: 2 GB\r\n\r\nswap\r\n'));
    // A new tenant knows no kind of mail to be rare yet, so the same host alone does not join
    // them (docs/correlation.md, How unusual): an engineer puts the swap mail with the disk mail.
    expect(swap.eventId).to.not.equal(first.eventId);
    await mergeEvents(t.deps, acme, swap.eventId!, first.eventId!, { actor: 'alice', via: 'cli', reason: 'the same host' });
    expect(await titleOf(first.eventId!)).to.equal(':warn: :org:infra.db: :svr:db1.acme.test: Disk usage on db1 is 91%');
    t.clock.advance(3_600_000); // apart: each its own event
    const second = await receiveOne(disk('db2', 95, ++counter));
    expect(second.eventId).to.not.equal(first.eventId);
    expect(await titleOf(first.eventId!)).to.equal(':warn: :org:infra.db: :svr:db1.acme.test: Disk usage on db1 is 91%');

    await mergeEvents(t.deps, acme, second.eventId!, first.eventId!, { actor: 'alice', via: 'cli', reason: 'one disk problem' });
    // Told by the disk mails, not the swap mail.
    expect(await titleOf(first.eventId!)).to.equal('Disk usage on db1 and db2 is 91–95%');
    // The event merged away keeps the title it had.
    expect(await titleOf(second.eventId!)).to.equal(':warn: :org:infra.db: :svr:db2.acme.test: Disk usage on db2 is 95%');

    const split = await splitMessage(t.deps, acme, first.eventId!, second.messageId, { actor: 'alice', via: 'cli', reason: 'another disk' });
    expect(await titleOf(first.eventId!)).to.equal(':warn: :org:infra.db: :svr:db1.acme.test: Disk usage on db1 is 91%');
    expect(split.into.title).to.equal(':warn: :org:infra.db: :svr:db2.acme.test: Disk usage on db2 is 95%');

    // An older event merged into a newer one: the newer one's first message still leads its title.
    t.clock.advance(3_600_000);
    const third = await receiveOne(disk('db3', 97, ++counter));
    await mergeEvents(t.deps, acme, first.eventId!, third.eventId!, { actor: 'alice', via: 'cli', reason: null });
    expect(await titleOf(third.eventId!)).to.equal('Disk usage on db3 and db1 is 91–97%');
  });

  it('counts "100+ hosts" once a storm holds more of its kind than the title reads', async () => {
    const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ tenantId: acme, mailboxId: null, source: 'smtp' as const, raw: disk(`db${from + i}`, 88 + ((from + i) % 10), ++counter) }));
    const first = await receive(t.deps, batch(1, 60));
    const storm = first[0]!.eventId!;
    expect(new Set(first.map((r) => r.eventId))).to.deep.equal(new Set([storm]));
    expect(await titleOf(storm)).to.equal('Disk usage on 60 hosts is 88–97%');
    t.clock.advance(5 * SECOND);
    const second = await receive(t.deps, batch(61, 45));
    expect(new Set(second.map((r) => r.eventId))).to.deep.equal(new Set([storm]));
    expect(await titleOf(storm)).to.equal('Disk usage on 100+ hosts is 88–97%');
  });
});
