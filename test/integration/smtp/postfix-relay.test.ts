// Most monitoring mail reaches DaTamer through a mail server, not straight from the tool. Here
// a real Postfix relays @relay.test to DaTamer's listener: what arrives is stored with the
// relay's trace, an address DaTamer does not know bounces back to the sender, and a message
// the relay hands over twice is stored once.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { loadConfig } from '../../../src/config.js';
import { createSmtpListener, type SmtpListener } from '../../../src/mailboxes/smtp/listener.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import type { Message } from '../../../models/index.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { mailServers, requireMailServers, waitFor } from '../../helpers/net.js';

// scripts/mail-up.sh: the users of the test Dovecot and their password.
const mailDomain = process.env.DATAMER_TEST_MAIL_DOMAIN ?? 'example.test';
const sender = `alice@${mailDomain}`;
const senderPassword = process.env.DATAMER_TEST_MAIL_PASSWORD ?? 'password';

describe('mail relayed by Postfix to DaTamer', function () {
  // Postfix retries a deferred delivery after 1-5 s; a message can take a few rounds.
  this.timeout(90_000);
  let t: TestDb;
  let listener: SmtpListener;
  let tenantId: number;
  const opsAddress = `ops@${mailServers.relayDomain}`;

  before(async () => {
    requireMailServers();
    t = await openTestDb();
    ({ tenant: { id: tenantId } } = await addTenant(t.deps, { name: 'ops', address: opsAddress }));
    listener = createSmtpListener(t.deps, { ...loadConfig({}).smtp, host: '127.0.0.1', port: mailServers.relayPort });
    await listener.listen();
  });

  after(async () => {
    await listener?.close();
    await t?.dispose();
  });

  /** Hands a message to Postfix, which queues it and relays it on its own schedule. */
  async function sendThroughPostfix(mail: { to: string; subject: string; text: string; messageId: string; date?: Date }): Promise<void> {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: mailServers.postfixPort, ignoreTLS: true });
    try {
      await transport.sendMail({
        from: 'cron@db1.example.com',
        ...mail,
        // The envelope sender is where Postfix sends a bounce: a real mailbox of the test Dovecot.
        envelope: { from: sender, to: [mail.to] },
      });
    } finally {
      transport.close();
    }
  }

  async function storedWith(messageIdHeader: string): Promise<Message[]> {
    // Postfix may still be retrying mail of earlier runs; only this test's Message-ID counts.
    return t.db.models.Message.findAll({ where: { tenantId, messageIdHeader } });
  }

  it('stores a relayed message with its subject, sender, text, the relay trace and the envelope recipient', async () => {
    const token = randomUUID();
    const messageId = `<relay-${token}@db1.example.com>`;
    await sendThroughPostfix({
      to: opsAddress,
      subject: `:crit: :org:datamer.data.db: disk full on db1 (${token})`,
      text: 'The data volume of db1 is 100% full.',
      messageId,
    });

    await waitFor(async () => (await storedWith(messageId)).length > 0, 'the relayed message to be stored', 60_000);
    const [message] = await storedWith(messageId);
    expect(message!.subject).to.equal(`:crit: :org:datamer.data.db: disk full on db1 (${token})`);
    expect(message!.fromAddress).to.equal('cron@db1.example.com');
    expect(message!.text?.trim()).to.equal('The data volume of db1 is 100% full.');
    expect(message!.source).to.equal('smtp');
    // Postfix's hop, as the raw bytes show it (RFC 5321 §4.4 trace header).
    expect(message!.raw.toString('latin1')).to.match(/^Received: [^]*?\(Postfix\)/m);
    expect(message!.envelopeTo).to.deep.equal([opsAddress]);
    expect(message!.envelopeFrom).to.equal(sender);
  });

  it('refuses mail for an address no tenant has, so Postfix bounces it to the sender and nothing is stored', async () => {
    const token = randomUUID();
    const nobody = `nobody@${mailServers.relayDomain}`;
    const messageId = `<unknown-${token}@db1.example.com>`;
    await sendThroughPostfix({ to: nobody, subject: `for nobody (${token})`, text: `Nobody reads this (${token}).`, messageId });

    const bounce = await waitForBounce(token);
    // Postfix quotes DaTamer's refusal (it may fold the line).
    expect(bounce).to.match(/550 5\.1\.1\s+<nobody@[^>]+>: no such DaTamer address/);

    // The bounce means DaTamer gave its final answer; it must not have kept a copy anyway.
    expect(await t.db.models.Message.count({ where: { messageIdHeader: messageId } })).to.equal(0);
  });

  it('stores a message that Postfix delivers twice with the same Message-ID once, counting both deliveries', async () => {
    const token = randomUUID();
    const messageId = `<twice-${token}@db1.example.com>`;
    // A relay's second delivery carries the same bytes: the same Date too, whenever it is sent.
    const mail = { to: opsAddress, subject: `:warn: backup slow (${token})`, text: 'Backup took 3 h.', messageId, date: new Date('2026-11-23T08:00:00Z') };
    await sendThroughPostfix(mail);
    await sendThroughPostfix(mail);

    await waitFor(async () => (await storedWith(messageId)).some((m) => m.deliveries >= 2), 'both deliveries to arrive', 60_000);
    const stored = await storedWith(messageId);
    expect(stored).to.have.length(1);
    expect(stored[0]!.deliveries).to.equal(2);
  });
});

/** The bounce Postfix sent to the sender's mailbox for the message marked with `token`. */
async function waitForBounce(token: string): Promise<string> {
  let found: string | null = null;
  await waitFor(
    async () => {
      const client = new ImapFlow({
        host: '127.0.0.1',
        port: mailServers.imapPort,
        secure: false,
        auth: { user: sender, pass: senderPassword },
        logger: false,
      });
      await client.connect();
      try {
        const lock = await client.getMailboxLock('INBOX');
        try {
          const uids = await client.search({ text: token }, { uid: true });
          if (uids && uids.length > 0) {
            const message = await client.fetchOne(String(uids[0]), { source: true }, { uid: true });
            found = message ? (message.source?.toString('utf8') ?? null) : null;
          }
        } finally {
          lock.release();
        }
      } finally {
        await client.logout();
      }
      if (!found) await new Promise((r) => setTimeout(r, 500));
      return found !== null;
    },
    `Postfix's bounce for ${token} in ${sender}'s inbox`,
    60_000,
  );
  return found!;
}
