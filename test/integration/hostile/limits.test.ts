// The limits of DaTamer's own address (docs/operations.md): clients at once, in all and per
// address, are answered 421 beyond the limit; and a stalled database (a lock held elsewhere)
// gets every client a clear 451 within the store wait instead of silence, /health says what is
// stuck, and Ctrl-C still stops DaTamer. Through the real listener and the real process.
import { expect } from 'chai';
import net from 'node:net';
import nodemailer from 'nodemailer';
import pg from 'pg';
import sqlite3 from 'sqlite3';
import { loadConfig } from '../../../src/config.js';
import { createSmtpListener, type SmtpListener } from '../../../src/mailboxes/smtp/listener.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { createTestDatabase, openTestDb, testDialect, type TestDatabase, type TestDb } from '../../helpers/db.js';
import { startDatamer, type DatamerProcess } from '../../helpers/datamer-process.js';
import { freePort } from '../../helpers/net.js';

/** Connects from `localAddress` and resolves with the server's first line (its greeting or its refusal). */
function greetingFor(port: number, localAddress: string, open: net.Socket[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    open.push(socket);
    socket.once('error', reject);
    socket.once('data', (data) => resolve(data.toString('latin1').split('\r\n')[0]!));
  });
}

describe('hostile clients: the listener limits its clients', () => {
  let t: TestDb;
  let listener: SmtpListener;
  let port: number;
  const open: net.Socket[] = [];

  beforeEach(async () => {
    t = await openTestDb();
    await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' });
    port = await freePort();
    listener = createSmtpListener(t.deps, { ...loadConfig({}).smtp, host: '127.0.0.1', port, maxClients: 3, maxClientsPerAddress: 2 });
    await listener.listen();
  });
  afterEach(async () => {
    for (const s of open.splice(0)) s.destroy();
    await listener.close();
    await t.dispose();
  });

  it('answers 421 to one client too many from one address, and takes another address meanwhile', async () => {
    expect(await greetingFor(port, '127.0.0.1', open)).to.match(/^220 /);
    expect(await greetingFor(port, '127.0.0.1', open)).to.match(/^220 /);
    expect(await greetingFor(port, '127.0.0.1', open)).to.match(/^421 .*Too many connections from/);
    expect(await greetingFor(port, '127.0.0.2', open)).to.match(/^220 /);
  });

  it('answers 421 to one client too many in all, and takes clients again once one has left', async () => {
    for (const from of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) expect(await greetingFor(port, from, open)).to.match(/^220 /);
    expect(await greetingFor(port, '127.0.0.5', open)).to.match(/^421 /);
    const gone = new Promise((resolve) => open[0]!.once('close', resolve));
    open[0]!.end('QUIT\r\n');
    await gone;
    // The server counts the connection as gone once it has seen it close.
    let greeting = '';
    for (let i = 0; i < 50 && !greeting.startsWith('220'); i++) greeting = await greetingFor(port, '127.0.0.6', open);
    expect(greeting).to.match(/^220 /);
  });
});

/** A lock on the messages table held by another program, as an operator's long transaction holds one. */
async function lockMessages(database: TestDatabase): Promise<() => Promise<void>> {
  if (testDialect === 'postgres') {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query('BEGIN');
    await client.query('LOCK TABLE messages IN ACCESS EXCLUSIVE MODE');
    return async () => {
      await client.query('ROLLBACK');
      await client.end();
    };
  }
  const file = database.url.replace(/^sqlite:/, '');
  const db = new sqlite3.Database(file);
  await new Promise<void>((resolve, reject) => db.exec('BEGIN EXCLUSIVE', (err) => (err ? reject(err) : resolve())));
  return () => new Promise<void>((resolve) => db.exec('ROLLBACK', () => db.close(() => resolve())));
}

const mail = (n: number) =>
  Buffer.from(`From: cron@db1.example.com\r\nTo: datamer@localhost\r\nSubject: :warn: check ${n}\r\nMessage-ID: <stall-${n}@db1.example.com>\r\n\r\ncheck ${n}\r\n`);

/** The server's answer to one message: its reply line, 250 or an error code. */
async function answerTo(port: number, raw: Buffer): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true } as never);
  try {
    return String((await transport.sendMail({ envelope: { from: 'cron@db1.example.com', to: ['datamer@localhost'] }, raw })).response);
  } catch (err) {
    return String((err as { response?: string }).response ?? (err as Error).message);
  } finally {
    transport.close();
  }
}

describe('hostile database: a stalled database, through the real process', function () {
  this.timeout(120_000);
  let database: TestDatabase;
  let datamer: DatamerProcess | null = null;
  let unlock: (() => Promise<void>) | null = null;

  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await unlock?.();
    unlock = null;
    await datamer?.dispose();
    datamer = null;
    await database.drop();
  });

  const start = () => startDatamer({ databaseUrl: database.url, env: { DATAMER_SMTP_STORE_WAIT: '2s' } });

  it('answers 451 to every message within the store wait, says what is stuck on /health, and stops on Ctrl-C', async () => {
    datamer = await start();
    unlock = await lockMessages(database);
    // The attack and, during it, an ordinary message: each gets a clear verdict to retry later.
    expect(await answerTo(datamer.smtpPort, mail(1))).to.match(/^451 /);
    expect(await answerTo(datamer.smtpPort, mail(2))).to.match(/^451 /);
    const health = await fetch(`http://127.0.0.1:${datamer.webPort}/health`, { headers: { accept: 'application/json' } });
    expect(health.status).to.equal(503);
    expect(((await health.json()) as { reasons: string[] }).reasons.join('\n')).to.match(/SMTP: \d+ messages? waiting for the database/);

    datamer.kill('SIGINT');
    const exit = await Promise.race([datamer.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 60_000))]);
    expect(exit, 'DaTamer stopped on Ctrl-C while the database hung').to.not.equal('still running');

    // The lock gone, the senders' retries are stored, each once.
    await unlock();
    unlock = null;
    await datamer.dispose();
    const again = await start();
    datamer = again;
    expect(await answerTo(again.smtpPort, mail(1))).to.match(/^250 /);
    expect(await answerTo(again.smtpPort, mail(2))).to.match(/^250 /);
    expect(await answerTo(again.smtpPort, mail(1))).to.match(/^250 /);
    const count = await countMessages(database.url);
    expect(count).to.equal(2);
  });
});

async function countMessages(url: string): Promise<number> {
  if (url.startsWith('sqlite:')) {
    const db = new sqlite3.Database(url.replace(/^sqlite:/, ''));
    return new Promise((resolve, reject) => db.get('SELECT count(*) AS n FROM messages', (err, row: { n: number }) => db.close(() => (err ? reject(err) : resolve(row.n)))));
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query('SELECT count(*) AS n FROM messages')).rows[0].n);
  } finally {
    await client.end();
  }
}
