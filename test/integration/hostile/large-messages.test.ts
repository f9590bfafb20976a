// Large messages through the real listener: thirty clients each in the middle of a 20 MB DATA
// transfer hold DaTamer's memory within DATAMER_SMTP_DATA_MEMORY, because what they send goes to
// spool files; every one of them is then stored, byte for byte, and answered 250 only once
// committed. The files go once the messages are stored (or refused), and files a stopped DaTamer
// left behind are removed when it starts again.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../../src/config.js';
import { createSmtpListener, type SmtpListener } from '../../../src/mailboxes/smtp/listener.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { openTestDb, testDialect, type TestDb } from '../../helpers/db.js';
import { freePort } from '../../helpers/net.js';

const MiB = 1024 * 1024;
const CLIENTS = 30;
const MESSAGE_BYTES = 20_000_000;
const MEMORY = 64 * MiB;

/** A 20 MB monitoring report: a short text and a large base64 attachment, distinct per client. */
function largeMessage(n: number): Buffer {
  const head = Buffer.from(
    [
      'From: backup@db1.example.com',
      'To: alerts@acme.test',
      `Subject: :info: :org:infra.db: nightly dump report ${n}`,
      `Message-ID: <dump-${n}@db1.example.com>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      `dump ${n} finished, report attached`,
      '--b',
      'Content-Type: application/octet-stream',
      'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment; filename="dump-${n}.log"`,
      '',
      '',
    ].join('\r\n'),
  );
  const tail = Buffer.from('--b--\r\n');
  const line = Buffer.from(`${Buffer.alloc(57, n).toString('base64')}\r\n`);
  // Filled up to the exact size with one line of spaces, which base64 ignores.
  const lines = Math.floor((MESSAGE_BYTES - head.length - tail.length - 2) / line.length);
  const pad = MESSAGE_BYTES - head.length - tail.length - lines * line.length;
  return Buffer.concat([head, ...Array.from({ length: lines }, () => line), Buffer.from(`${' '.repeat(pad - 2)}\r\n`), tail]);
}

/** One client: says its envelope and sends all of its message but the final dot, then waits. */
class Sender {
  heard = '';
  private readonly socket: net.Socket;
  /** replies heard up to the 354 of DATA */
  private replied = 0;

  constructor(
    port: number,
    private readonly to = ['alerts@acme.test'],
  ) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (d: Buffer) => (this.heard += d.toString('latin1')));
  }

  private replies(): string[] {
    return this.heard.split('\r\n').filter((l) => /^\d{3} /.test(l));
  }

  async until(n: number): Promise<string> {
    while (this.replies().length < n) await new Promise((r) => setTimeout(r, 20));
    return this.replies()[n - 1]!;
  }

  async begin(message: Buffer): Promise<void> {
    await this.until(1);
    const lines = ['EHLO dumps.example.com', 'MAIL FROM:<backup@db1.example.com>', ...this.to.map((to) => `RCPT TO:<${to}>`), 'DATA'];
    for (const [i, line] of lines.entries()) {
      this.socket.write(`${line}\r\n`);
      await this.until(i + 2);
    }
    this.replied = lines.length + 1;
    // In pieces, each after the last was taken: DaTamer reads at the pace of its disk.
    for (let at = 0; at < message.length; at += 256 * 1024) {
      if (!this.socket.write(message.subarray(at, at + 256 * 1024))) await new Promise((r) => this.socket.once('drain', r));
    }
  }

  /** The final dot; resolves with DaTamer's answer to the message. */
  async end(): Promise<string> {
    this.socket.write('.\r\n');
    return this.until(this.replied + 1);
  }

  close(): void {
    this.socket.destroy();
  }
}

describe(`hostile clients: large messages are received into files, not held (${testDialect})`, function () {
  this.timeout(15 * 60_000);
  let t: TestDb;
  let listener: SmtpListener;
  let spoolRoot: string;
  const senders: Sender[] = [];

  const start = async (smtp: Partial<Config['smtp']> = {}) => {
    listener = createSmtpListener(t.deps, {
      ...loadConfig({}).smtp,
      host: '127.0.0.1',
      port: await freePort(),
      dataMemory: MEMORY,
      spoolDir: spoolRoot,
      // All thirty come from one address, and the machine that runs the tests is slow: limits out of the way.
      maxClientsPerAddress: CLIENTS + 1,
      storeWaitMs: 10 * 60_000,
      ...smtp,
    });
    return (await listener.listen()).port;
  };

  beforeEach(async () => {
    t = await openTestDb();
    await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' });
    spoolRoot = mkdtempSync(path.join(os.tmpdir(), 'datamer-spool-'));
  });
  afterEach(async () => {
    for (const s of senders.splice(0)) s.close();
    await listener?.close();
    await t.dispose();
    rmSync(spoolRoot, { recursive: true, force: true });
  });

  it('thirty unfinished 20 MB transfers hold memory within the bound; each is then stored whole, and its file removed', async () => {
    const port = await start();
    const messages = Array.from({ length: CLIENTS }, (_, n) => largeMessage(n));
    for (let n = 0; n < CLIENTS; n++) senders.push(new Sender(port));
    await Promise.all(senders.map((s, n) => s.begin(messages[n]!)));

    // All thirty in the middle of DATA, 600 MB sent: DaTamer holds what its memory allows, the rest is in files.
    const spooled = readdirSync(listener.spoolDir);
    expect(spooled, 'a file for each transfer in progress').to.have.length(CLIENTS);
    expect(listener.memory().held).to.be.at.most(MEMORY);

    const answers = await Promise.all(senders.map((s) => s.end()));
    expect(answers.filter((a) => !a.startsWith('250 ')), 'every message answered 250').to.deep.equal([]);

    const stored = await t.db.models.Message.findAll({ attributes: ['id', 'rawSize', 'contentHash', 'subject'], order: [['id', 'ASC']] });
    expect(stored).to.have.length(CLIENTS);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(new Set(stored.map((m) => m.contentHash))).to.deep.equal(new Set(messages.map(sha)));
    expect(stored.every((m) => m.rawSize === MESSAGE_BYTES)).to.equal(true);
    expect(stored.map((m) => m.subject).sort()).to.deep.equal(messages.map((_, n) => `:info: :org:infra.db: nightly dump report ${n}`).sort());

    // Never more than the bound at once, while receiving, parsing and storing; nothing left behind.
    expect(listener.memory().peak).to.be.at.most(MEMORY);
    expect(listener.memory().held).to.equal(0);
    expect(readdirSync(listener.spoolDir)).to.deep.equal([]);
  });

  it('a large message over the size limit is read to its end, answered 552, and leaves no file behind', async () => {
    const port = await start({ maxBytes: 2 * MiB, spoolAboveBytes: 64 * 1024 });
    const sender = new Sender(port);
    senders.push(sender);
    const whole = largeMessage(1);
    await sender.begin(whole.subarray(0, whole.indexOf('\r\n', 5 * MiB) + 2));
    expect(await sender.end()).to.match(/^552 5\.3\.4 Message too big/);
    expect(await t.db.models.Message.count()).to.equal(0);
    expect(readdirSync(listener.spoolDir)).to.deep.equal([]);
  });

  it('a large message to two tenants, sent straight with a forged Authentication-Results, is stored once for each, without it', async () => {
    const globex = (await addTenant(t.deps, { name: 'globex', address: 'ops@globex.test' })).tenant.id;
    const port = await start({ spoolAboveBytes: 64 * 1024, trustedRelays: [] });
    const body = `${'x'.repeat(76)}\r\n`.repeat(20_000);
    const raw = Buffer.from(`From: backup@db1.example.com\r\nAuthentication-Results: mx.acme.test; dkim=pass header.d=acme.test\r\nSubject: :warn: :org:infra.db: dump slow\r\nMessage-ID: <slow-dump@db1.example.com>\r\n\r\n${body}`);
    const sender = new Sender(port, ['alerts@acme.test', 'ops@globex.test']);
    senders.push(sender);
    await sender.begin(raw);
    expect(await sender.end()).to.match(/^250 /);
    const stored = await t.db.models.Message.findAll({ attributes: ['tenantId', 'raw', 'envelopeTo'], order: [['tenantId', 'ASC']] });
    expect(stored.map((m) => m.envelopeTo)).to.deep.equal([['alerts@acme.test'], ['ops@globex.test']]);
    expect(stored[1]!.tenantId).to.equal(globex);
    for (const m of stored) {
      expect(m.raw.toString('latin1')).not.to.match(/authentication-results/i);
      expect(m.raw.length).to.equal(raw.length - 'Authentication-Results: mx.acme.test; dkim=pass header.d=acme.test\r\n'.length);
    }
    expect(readdirSync(listener.spoolDir)).to.deep.equal([]);
  });

  it('a DaTamer that starts again removes the spool files a stopped one left behind', async () => {
    // A process that has ended left a file mid-transfer (its sender was never answered 250).
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const left = path.join(spoolRoot, `${gone}-0badc0de`);
    mkdirSync(left);
    writeFileSync(path.join(left, '1.eml'), 'Subject: half a message\r\n');
    await start();
    expect(existsSync(left)).to.equal(false);
    expect(readdirSync(spoolRoot)).to.deep.equal([path.basename(listener.spoolDir)]);
  });
});
