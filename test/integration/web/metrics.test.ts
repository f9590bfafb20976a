// GET /metrics as Prometheus scrapes it, after real traffic: mail through DaTamer's own SMTP
// address of a running `npm start` process (jobs on), an assignment from the command line, and,
// in this process, a schedule stream and outgoing mail refused by a real SMTP server.
import { expect } from 'chai';
import type { Server } from 'node:http';
import nodemailer from 'nodemailer';
import { changeEvent } from '../../../src/events/change.js';
import { deliverDue } from '../../../src/notifications/outbox.js';
import { addUser } from '../../../src/people/people.js';
import { receive } from '../../../src/pipeline.js';
import { syncStreams } from '../../../src/schedules/streams.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { createApp } from '../../../src/web/app.js';
import { inProcess } from '../../helpers/cli.js';
import { startDatamer, type DatamerProcess } from '../../helpers/datamer-process.js';
import { createTestDatabase, openTestDb, testDialect, type TestDatabase, type TestDb } from '../../helpers/db.js';
import { freePort, waitFor } from '../../helpers/net.js';
import { notifyNow } from '../../helpers/notify.js';
import { startSmtpSink } from '../../helpers/smtp-sink.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The text exposition format, sample lines only (https://prometheus.io/docs/instrumenting/exposition_formats/). */
function samples(text: string): Sample[] {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((line) => {
    const m = /^([a-z_:][a-z0-9_:]*)(?:\{(.*)\})? (\S+)$/i.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/gi)].map((l) => [l[1]!, l[2]!]));
    return { name: m[1]!, labels, value: Number(m[3]) };
  });
}

/** The value of the one sample with these labels (undefined when there is none). */
function valueOf(all: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

async function scrape(base: string): Promise<{ type: string; text: string; all: Sample[] }> {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).to.equal(200);
  const text = await res.text();
  return { type: res.headers.get('content-type') ?? '', text, all: samples(text) };
}

describe(`/metrics for Prometheus (${testDialect})`, function () {
  this.timeout(90_000);

  describe('of a running DaTamer with its jobs', () => {
    let database: TestDatabase;
    let datamer: DatamerProcess;

    before(async () => {
      database = await createTestDatabase();
      datamer = await startDatamer({ databaseUrl: database.url, env: { DATAMER_JOBS: '1' } });
    });
    after(async () => {
      await datamer?.dispose();
      await database?.drop();
    });

    it('counts the mail, the events and the outbox from the database, and the jobs of the process', async () => {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: datamer.smtpPort, secure: false, ignoreTLS: true });
      // The same bytes each time for the same Message-ID: a relay delivering again.
      const send = (subject: string, messageId: string) =>
        transport.sendMail({
          envelope: { from: 'nagios@monitor.example.com', to: ['datamer@localhost'] },
          raw: `From: nagios@monitor.example.com\r\nTo: datamer@localhost\r\nSubject: ${subject}\r\nMessage-ID: ${messageId}\r\nDate: Mon, 23 Nov 2026 08:00:00 +0000\r\n\r\nSee the subject.\r\n`,
        });
      try {
        await send(':critical: :org:acme.db: replication broken on db1', '<m1@monitor.example.com>');
        await send(':warn: :org:acme.web: slow pages on web2', '<m2@monitor.example.com>');
        await send('Backup of web3 finished', '<m3@monitor.example.com>');
        await send(':critical: :org:acme.db: replication broken on db1', '<m1@monitor.example.com>'); // delivered again
      } finally {
        transport.close();
      }
      const env = { ...process.env, DATABASE_URL: database.url, DATAMER_LOG_LEVEL: 'silent' };
      expect((await inProcess(env, 'user', 'add', 'alice@acme.test', '--handle', 'alice')).code).to.equal(0);
      const [newest] = JSON.parse((await inProcess(env, 'event', 'list', '--json')).stdout) as Array<{ id: number }>;
      expect((await inProcess(env, 'event', 'assign', String(newest!.id), 'alice')).code).to.equal(0);

      const base = `http://127.0.0.1:${datamer.webPort}`;
      // The jobs run at start; their ends are counted as they come.
      await waitFor(async () => (valueOf((await scrape(base)).all, 'datamer_job_runs', { job: 'process-pending', outcome: 'succeeded' }) ?? 0) >= 1, 'a run of process-pending');
      // The notify job (every 10 s) turns the assignment into the notice.
      await waitFor(async () => valueOf((await scrape(base)).all, 'datamer_outbox_mails', { tenant: 'default', status: 'queued' }) === 1, 'the assignment notice');
      const { type, text, all } = await scrape(base);
      expect(type).to.match(/^text\/plain; version=0\.0\.4/);
      expect(text).to.contain('# TYPE datamer_messages gauge');
      const tenant = { tenant: 'default' };
      expect(valueOf(all, 'datamer_messages', { ...tenant, outcome: 'classified' })).to.equal(2);
      expect(valueOf(all, 'datamer_messages', { ...tenant, outcome: 'unclassified' })).to.equal(1);
      expect(valueOf(all, 'datamer_messages', { ...tenant, outcome: 'pending' })).to.equal(undefined);
      expect(valueOf(all, 'datamer_message_duplicate_deliveries', tenant)).to.equal(1);
      expect(valueOf(all, 'datamer_message_parse_errors', tenant)).to.equal(undefined);
      expect(valueOf(all, 'datamer_events', { ...tenant, kind: 'message', status: 'open' })).to.equal(2);
      expect(valueOf(all, 'datamer_events', { ...tenant, kind: 'message', status: 'assigned' })).to.equal(1);
      // No outgoing server configured: the assignment notice waits in the outbox.
      expect(valueOf(all, 'datamer_outbox_mails', { ...tenant, status: 'queued' })).to.equal(1);
      expect(valueOf(all, 'datamer_mailbox_up', { ...tenant, kind: 'smtp', mailbox: 'datamer@localhost' })).to.equal(1);
      const lastSuccess = valueOf(all, 'datamer_job_last_success_timestamp_seconds', { job: 'process-pending' })!;
      expect(Math.abs(lastSuccess - Date.now() / 1000)).to.be.lessThan(600);
      expect(valueOf(all, 'datamer_job_runs', { job: 'process-pending', outcome: 'failed' })).to.equal(0);
    });
  });

  describe('of a web site over a database with streams and refused mail', () => {
    let t: TestDb;
    let server: Server;
    let base: string;

    beforeEach(async () => {
      t = await openTestDb();
      const port = await freePort();
      server = await new Promise<Server>((resolve) => {
        const s = createApp(t.deps).listen(port, '127.0.0.1', () => resolve(s));
      });
      base = `http://127.0.0.1:${port}`;
    });
    afterEach(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await t.dispose();
    });

    it('answers only a scraper on this machine, or one with the bearer token: the metrics name every tenant and mailbox', async () => {
      await addTenant(t.deps, { name: 'acme', address: 'ops@acme.test' });
      // Through a proxy on this machine, the client is the one X-Forwarded-For names.
      const remote = { 'x-forwarded-for': '203.0.113.9' };
      const refused = await fetch(`${base}/metrics`, { headers: remote });
      expect(refused.status).to.equal(401);
      expect(refused.headers.get('www-authenticate')).to.match(/^Bearer /);
      expect(await refused.text()).not.to.contain('acme');
      const port = await freePort();
      const withToken = await new Promise<Server>((resolve) => {
        const s = createApp(t.deps, { metricsToken: 'prometheus-scrapes-this-0123' }).listen(port, '127.0.0.1', () => resolve(s));
      });
      try {
        const other = `http://127.0.0.1:${port}/metrics`;
        expect((await fetch(other, { headers: { ...remote, authorization: 'Bearer not-the-token-at-all' } })).status).to.equal(401);
        const scraped = await fetch(other, { headers: { ...remote, authorization: 'Bearer prometheus-scrapes-this-0123' } });
        expect(scraped.status).to.equal(200);
        expect(await scraped.text()).to.contain('tenant="acme"');
      } finally {
        withToken.closeAllConnections();
        await new Promise<void>((resolve) => withToken.close(() => resolve()));
      }
    });

    it('says the state of each schedule stream, failed outgoing mail, a failing mailbox, and no job runs without a scheduler', async () => {
      const acme = (await addTenant(t.deps, { name: 'acme', address: 'ops@acme.test' })).tenant.id;
      await addUser(t.deps, acme, { email: 'alice@acme.test', handle: 'alice' });
      const backup = Buffer.from('From: cron@db1.acme.test\r\nMessage-ID: <b1@db1>\r\nSubject: :info: :org:acme.db: backup of db1 done :sched-perday-1:\r\n\r\n:svr:db1.acme.test\r\n');
      const [received] = await receive(t.deps, [{ tenantId: acme, mailboxId: null, raw: backup, source: 'smtp' }]);
      t.clock.advance(5 * 60_000);
      await syncStreams(t.deps);
      await changeEvent(t.deps, acme, received!.eventId!, { command: 'assign', handle: 'alice', actor: 'cli', via: 'cli' });
      await notifyNow(t.deps);
      const sink = await startSmtpSink();
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true });
      try {
        sink.rejectNext(1, 550, 'no such mailbox');
        await deliverDue(t.deps, transport, 'test');
      } finally {
        transport.close();
        await sink.close();
      }
      await t.db.models.Mailbox.update({ lastError: 'IMAP login refused' }, { where: { address: 'ops@acme.test' } });

      const { all } = await scrape(base);
      expect(valueOf(all, 'datamer_schedule_streams', { tenant: 'acme', state: 'learning' })).to.equal(1);
      expect(valueOf(all, 'datamer_outbox_mails', { tenant: 'acme', status: 'failed' })).to.equal(1);
      expect(valueOf(all, 'datamer_outbox_mails', { tenant: 'acme', status: 'queued' })).to.equal(undefined);
      expect(valueOf(all, 'datamer_mailbox_up', { tenant: 'acme', mailbox: 'ops@acme.test' })).to.equal(0);
      expect(all.filter((s) => s.name.startsWith('datamer_job_'))).to.deep.equal([]);
      // Read at scrape time: the next scrape sees the change.
      await t.db.models.Mailbox.update({ lastError: null }, { where: { address: 'ops@acme.test' } });
      expect(valueOf((await scrape(base)).all, 'datamer_mailbox_up', { tenant: 'acme', mailbox: 'ops@acme.test' })).to.equal(1);
    });
  });
});
