// A notifier killed between rendering an alert and committing it, for real: DaTamer runs as its
// own process with its jobs on, MSEs arrive through its SMTP address, and the alert pass is held
// right after it queued a mail, inside the transaction (DATAMER_TEST_HOLD), where the process is
// killed with -9. After a restart every responder gets every one of their events exactly once at
// the suite's SMTP sink (docs/notifications.md, How it works).
import { expect } from 'chai';
import nodemailer from 'nodemailer';
import { Op } from 'sequelize';
import { systemClock } from '../../../src/clock.js';
import { openDb } from '../../../src/db.js';
import { silentLogger } from '../../../src/log.js';
import { migrate } from '../../../src/migrate.js';
import { addGroup, addUser, joinGroup, subscribe } from '../../../src/people/people.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { startDatamer, type DatamerProcess } from '../../helpers/datamer-process.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';

const ADDRESS = 'alerts@acme.test';
const HELD = 'alert mail held before its commit';

/** Polls until `ready` answers true; `what` names the wait in the failure. */
async function until(what: string, ready: () => boolean | Promise<boolean>, proc: DatamerProcess, timeoutMs = 120_000): Promise<void> {
  const started = Date.now();
  while (!(await ready())) {
    if (proc.hasExited()) throw new Error(`DaTamer exited while waiting for ${what}\n${proc.transcript()}`);
    if (Date.now() - started > timeoutMs) throw new Error(`no ${what} within ${timeoutMs} ms\n${proc.transcript()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('alerts: a notifier killed between rendering and the commit', function () {
  this.timeout(300_000);
  let database: TestDatabase;
  let sink: SmtpSink;
  const running: DatamerProcess[] = [];

  beforeEach(async () => {
    database = await createTestDatabase();
    sink = await startSmtpSink();
    // The tenant and its people, set up as an admin would before starting the service.
    const db = await openDb(database.url);
    try {
      await migrate(db);
      const deps = { db, clock: systemClock, log: silentLogger() };
      const acme = (await addTenant(deps, { name: 'acme', address: ADDRESS })).tenant.id;
      for (const handle of ['alice', 'bob', 'carol']) await addUser(deps, acme, { email: `${handle}@acme.test`, handle });
      await addGroup(deps, acme, 'dbas');
      await joinGroup(deps, acme, 'dbas', 'alice');
      await joinGroup(deps, acme, 'dbas', 'bob');
      await subscribe(deps, acme, 'dbas', 'infra.db.*', 'responder');
      await addGroup(deps, acme, 'web');
      await joinGroup(deps, acme, 'web', 'carol');
      await subscribe(deps, acme, 'web', 'infra.web', 'responder');
    } finally {
      await db.close();
    }
  });

  afterEach(async () => {
    // The last started first: the first owns the data dir the later ones share.
    for (const proc of running.splice(0).reverse()) await proc.dispose();
    await sink.close();
    await database.drop();
  });

  async function start(env: Record<string, string | undefined>, dataDir?: string): Promise<DatamerProcess> {
    const proc = await startDatamer({
      databaseUrl: database.url,
      dataDir,
      env: { DATAMER_ALERT_GROUP_WAIT: '1s', DATAMER_OUTGOING_SMTP_URL: `smtp://127.0.0.1:${sink.port}`, ...env },
    });
    running.push(proc);
    return proc;
  }

  async function counts() {
    const db = await openDb(database.url);
    try {
      const { Notice, OutboxMail } = db.models;
      return {
        alerts: await OutboxMail.count({ where: { kind: 'alert' } }),
        unsent: await OutboxMail.count({ where: { kind: 'alert', status: { [Op.ne]: 'sent' } } }),
        pending: await Notice.count({ where: { outboxId: null, dropped: null } }),
        notices: await Notice.count(),
      };
    } finally {
      await db.close();
    }
  }

  async function eventsOf(org: string): Promise<number[]> {
    const db = await openDb(database.url);
    try {
      return (await db.models.Event.findAll({ where: { org }, order: [['id', 'ASC']] })).map((e) => e.id);
    } finally {
      await db.close();
    }
  }

  async function noticeRows() {
    const db = await openDb(database.url);
    try {
      const rows = await db.models.Notice.findAll({ order: [['id', 'ASC']] });
      return rows.map((n) => [n.userId, n.eventId, n.reason, n.outboxId, n.dropped]);
    } finally {
      await db.close();
    }
  }

  it('loses and doubles nothing: after a restart each responder is told every one of their events once', async () => {
    // The burst comes in first, with the jobs off: on SQLite a held transaction keeps the
    // database's write lock, so no MSE could be stored once the alert pass is held.
    const intake = await start({ DATAMER_JOBS: '0' });
    const monitor = nodemailer.createTransport({ host: '127.0.0.1', port: intake.smtpPort, secure: false, ignoreTLS: true });
    try {
      for (let i = 1; i <= 30; i++) {
        const subject = i <= 20 ? `:critical: :org:infra.db.pg: replication lag on pg${i}` : `:warn: :org:infra.web: 502s on web${i}`;
        const raw = Buffer.from(`From: nagios@monitor.test\r\nTo: ${ADDRESS}\r\nMessage-ID: <burst-${i}@monitor>\r\nSubject: ${subject}\r\n\r\nbody\r\n`);
        await monitor.sendMail({ raw, envelope: { from: 'nagios@monitor.test', to: [ADDRESS] } });
      }
    } finally {
      monitor.close();
    }
    intake.kill('SIGINT');
    expect((await intake.exited).code, intake.transcript()).to.equal(0);

    const first = await start({ DATAMER_JOBS: '1', DATAMER_TEST_HOLD: 'alert-mail-commit' }, intake.dataDir);
    // The notify job reads the events into notices and, after the group wait, renders the first
    // mail, queues it and stops before its commit.
    await until('held alert pass', () => first.stderr().includes(HELD), first);
    first.kill('SIGKILL');
    expect((await first.exited).signal).to.equal('SIGKILL');
    // Nothing of the held transaction is left: no mail queued, every notice read so far still to send.
    const afterKill = await counts();
    expect(afterKill.alerts).to.equal(0);
    expect(afterKill.pending).to.equal(afterKill.notices).and.be.above(0);
    expect(sink.mails).to.deep.equal([]);

    const second = await start({ DATAMER_JOBS: '1' }, first.dataDir);
    // Done when all 50 notices (20 events × alice and bob, 10 × carol) went out, each in a mail the sink got.
    const done = async () => {
      const c = await counts();
      return c.notices === 50 && c.pending === 0 && c.unsent === 0 && sink.mails.length === c.alerts;
    };
    await until('every notice in a delivered mail', done, second);

    // Each responder got every one of their events, and none twice.
    const listed = (to: string) =>
      sink.mails.filter((m) => m.envelope.to.join(',') === to).flatMap((m) => [...m.parsed.text!.matchAll(/^#(\d+) (?:CRITICAL|WARNING) open: /gm)].map((x) => Number(x[1])));
    const db = await eventsOf('infra.db.pg');
    const web = await eventsOf('infra.web');
    expect([db.length, web.length]).to.deep.equal([20, 10]);
    // On a failure: what the sink got and what became of each notice.
    const why = `${sink.mails.map((m) => `to ${m.envelope.to.join(',')}:\n${m.parsed.text}`).join('\n')}\nnotices: ${JSON.stringify(await noticeRows())}\n${second.transcript()}`;
    expect(listed('alice@acme.test').sort((x, y) => x - y), why).to.deep.equal(db);
    expect(listed('bob@acme.test').sort((x, y) => x - y), why).to.deep.equal(db);
    expect(listed('carol@acme.test').sort((x, y) => x - y), why).to.deep.equal(web);
    expect(sink.mails.every((m) => m.envelope.to.length === 1)).to.equal(true);
  });
});
