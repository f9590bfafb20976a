import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { loadConfig, type Config } from '../../../src/config.js';
import { createSmtpListener, type SmtpListener } from '../../../src/mailboxes/smtp/listener.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { freePort } from '../../helpers/net.js';
import { conversation } from '../../helpers/smtp-conversation.js';

const client = (port: number, extra: Record<string, unknown> = {}) =>
  nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, ...extra } as never);

describe("DaTamer's own SMTP address", () => {
  let t: TestDb;
  let listener: SmtpListener;
  let port: number;
  let tenantId: number;

  async function start(smtp: Partial<Config['smtp']> = {}) {
    port = await freePort();
    listener = createSmtpListener(t.deps, { ...loadConfig({}).smtp, host: '127.0.0.1', port, ...smtp });
    await listener.listen();
  }

  beforeEach(async () => {
    t = await openTestDb();
    tenantId = (await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' })).tenant.id;
    await addTenant(t.deps, { name: 'globex', address: 'ops@globex.test' });
  });
  afterEach(async () => {
    await listener?.close();
    await t.dispose();
  });

  it('stores the raw bytes and parsed fields before answering 250', async () => {
    await start();
    const info = await client(port).sendMail({
      from: 'cron@db1.example.com',
      to: 'Alerts@ACME.test',
      subject: ':warn: disk /var at 91%',
      text: 'disk /var on db1 is 91% full',
      html: '<p>disk <b>/var</b> on db1 is 91% full</p>',
      date: new Date('2026-11-23T07:55:00Z'),
      messageId: '<disk-1@db1.example.com>',
    });
    expect(info.response).to.match(/^250 .*Stored by DaTamer/);
    // No waiting: the 250 means it is already committed.
    const rows = await t.db.models.Message.findAll({ where: { tenantId } });
    expect(rows).to.have.length(1);
    const m = rows[0]!;
    expect(m.subject).to.equal(':warn: disk /var at 91%');
    expect(m.fromAddress).to.equal('cron@db1.example.com');
    expect(m.toAddresses).to.deep.equal(['alerts@acme.test']);
    expect(m.messageIdHeader).to.equal('<disk-1@db1.example.com>');
    expect(m.sentAt?.toISOString()).to.equal('2026-11-23T07:55:00.000Z');
    expect(m.receivedAt.toISOString()).to.equal(t.clock.now().toISOString());
    expect(m.text).to.contain('91% full');
    expect(m.html).to.contain('<b>/var</b>');
    expect(m.raw.toString()).to.contain('Subject: :warn: disk /var at 91%');
    expect(m.rawSize).to.equal(m.raw.length);
    expect(m.envelopeFrom).to.equal('cron@db1.example.com');
    expect(m.parseError).to.equal(null);
  });

  it('refuses recipients that belong to no tenant with 550, so it never relays', async () => {
    await start();
    let error: (Error & { responseCode?: number }) | undefined;
    try {
      await client(port).sendMail({ from: 'a@example.com', to: 'someone@elsewhere.example', subject: 'relay me', text: 'x' });
    } catch (err) {
      error = err as Error & { responseCode?: number };
    }
    expect(error?.responseCode).to.equal(550);
    expect(error?.message).to.contain('no such DaTamer address');
    expect(await t.db.models.Message.count()).to.equal(0);
  });

  it('takes the known recipients of a mixed envelope and says which were refused', async () => {
    await start();
    const info = await client(port).sendMail({ from: 'a@example.com', to: ['alerts@acme.test', 'stranger@example.org'], subject: 'mixed', text: 'x' });
    expect(info.accepted).to.deep.equal(['alerts@acme.test']);
    expect(info.rejected).to.deep.equal(['stranger@example.org']);
    expect(await t.db.models.Message.count({ where: { tenantId } })).to.equal(1);
  });

  it('stores one copy per tenant when one message is addressed to two tenants', async () => {
    await start();
    await client(port).sendMail({ from: 'a@example.com', to: ['alerts@acme.test', 'ops@globex.test'], subject: 'shared', text: 'x' });
    const rows = await t.db.models.Message.findAll({ order: [['tenantId', 'ASC']] });
    expect(rows.map((r) => r.subject)).to.deep.equal(['shared', 'shared']);
    expect(new Set(rows.map((r) => r.tenantId)).size).to.equal(2);
  });

  it('answers 552 to a message over the size limit and stores nothing', async () => {
    await start({ maxBytes: 64 * 1024 });
    let error: (Error & { responseCode?: number }) | undefined;
    try {
      await client(port).sendMail({ from: 'a@example.com', to: 'alerts@acme.test', subject: 'huge', text: 'x'.repeat(200 * 1024) });
    } catch (err) {
      error = err as Error & { responseCode?: number };
    }
    expect(error?.responseCode).to.equal(552);
    expect(error?.message).to.contain('at most 65536 bytes');
    expect(await t.db.models.Message.count()).to.equal(0);
  });

  it('stores a message with no headers at all, raw, flagged with the parse error', async () => {
    await start();
    // CRLF line ends only: SMTP clients rewrite lone LFs on the wire.
    const garbage = Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x0d, 0x0a, 0x80, 0x81, 0x0d, 0x0a, 0x41]);
    await client(port).sendMail({ envelope: { from: 'x@example.com', to: ['alerts@acme.test'] }, raw: garbage });
    const [m] = await t.db.models.Message.findAll({ where: { tenantId } });
    expect(m!.parseError).to.equal('no mail headers found');
    // smtp-server hands over the DATA bytes (with a final CRLF the protocol requires); ours are all there.
    expect(m!.raw.subarray(0, garbage.length).equals(garbage)).to.equal(true);
  });

  it('stores a message delivered twice once, counting the second delivery', async () => {
    await start();
    const mail = { from: 'cron@db1.example.com', to: 'alerts@acme.test', subject: 'backup ok', text: 'ok', messageId: '<backup-7@db1>', date: new Date('2026-11-23T07:55:00Z') };
    await client(port).sendMail(mail);
    // A retry is the same message again (nodemailer makes the same bytes from the same mail). The
    // same Message-ID with other content is another message: test/integration/hostile/message-ids.test.ts.
    await client(port).sendMail(mail);
    const rows = await t.db.models.Message.findAll({ where: { tenantId } });
    expect(rows).to.have.length(1);
    expect(rows[0]!.deliveries).to.equal(2);
    expect(rows[0]!.text?.trim()).to.equal('ok');
  });

  it('recognises a re-sent message without a Message-ID by its content, ignoring trace headers', async () => {
    await start();
    const body = 'From: cron@db1\r\nTo: alerts@acme.test\r\nSubject: no id\r\n\r\nbackup finished\r\n';
    const envelope = { from: 'cron@db1', to: ['alerts@acme.test'] };
    await client(port).sendMail({ envelope, raw: body });
    await client(port).sendMail({ envelope, raw: `Received: from relay1 by relay2; Mon, 23 Nov 2026 08:00:00 +0000\r\n${body}` });
    await client(port).sendMail({ envelope, raw: body.replace('backup finished', 'backup FAILED') });
    const rows = await t.db.models.Message.findAll({ where: { tenantId }, order: [['id', 'ASC']] });
    expect(rows.map((r) => r.deliveries)).to.deep.equal([2, 1]);
  });

  it('delivers a message only to the recipients of its own transaction, not of one reset before it', async () => {
    await start();
    const replies = await conversation(port, [
      'EHLO monitor.example.com',
      'MAIL FROM:<cron@db1.example.com>',
      'RCPT TO:<alerts@acme.test>',
      'RSET',
      'MAIL FROM:<cron@db1.example.com>',
      'RCPT TO:<ops@globex.test>',
      'DATA',
      'From: cron@db1.example.com\r\nSubject: for globex only\r\nMessage-ID: <rset-1@db1>\r\n\r\nbody\r\n.',
      'QUIT',
    ]);
    expect(replies.filter((r) => r.startsWith('250 2.0.0 Stored'))).to.have.length(1);
    const rows = await t.db.models.Message.findAll();
    expect(rows.map((r) => [r.tenantId === tenantId ? 'acme' : 'globex', r.subject])).to.deep.equal([['globex', 'for globex only']]);
  });

  describe('with STARTTLS and AUTH configured', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'datamer-tls-'));
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1',
        '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
    });

    const tlsAuth = () => ({
      tls: { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) },
      auth: { user: 'monitor', password: 's3cret' },
    });

    it('accepts mail over STARTTLS from a client that authenticates', async () => {
      await start(tlsAuth());
      const info = await client(port, { ignoreTLS: false, requireTLS: true, tls: { rejectUnauthorized: false }, auth: { user: 'monitor', pass: 's3cret' } })
        .sendMail({ from: 'a@example.com', to: 'alerts@acme.test', subject: 'over tls', text: 'x' });
      expect(info.response).to.match(/^250/);
      expect(await t.db.models.Message.count({ where: { tenantId } })).to.equal(1);
    });

    it('refuses a wrong password with 535 and a client that does not authenticate', async () => {
      await start(tlsAuth());
      const attempt = async (options: Record<string, unknown>) => {
        try {
          await client(port, { ignoreTLS: false, requireTLS: true, tls: { rejectUnauthorized: false }, ...options })
            .sendMail({ from: 'a@example.com', to: 'alerts@acme.test', subject: 'x', text: 'x' });
          return null;
        } catch (err) {
          return err as Error & { responseCode?: number };
        }
      };
      expect((await attempt({ auth: { user: 'monitor', pass: 'wrong' } }))?.responseCode).to.equal(535);
      expect((await attempt({}))?.responseCode).to.equal(530);
      expect(await t.db.models.Message.count()).to.equal(0);
    });
  });
});
