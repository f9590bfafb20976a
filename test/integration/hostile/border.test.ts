// DaTamer's own address as the border of its tenants' mail, through the real listener:
// - a sender that talks to it straight cannot forge the Authentication-Results header the tenant
//   trusts (RFC 8601 §5): the header is deleted unless the client is a trusted relay
//   (DATAMER_SMTP_TRUSTED_RELAYS), so a forged DKIM pass commands nothing;
// - a client that drips its DATA a byte at a time, each byte within the idle timeout, is cut off
//   with 421 once DATA has taken DATAMER_SMTP_DATA_TIMEOUT, while other clients are answered;
// - messages received at once hold at most DATAMER_SMTP_DATA_MEMORY together: one that finds no
//   room is received into a file, and taken while the one holding the room is still arriving.
import { expect } from 'chai';
import net from 'node:net';
import { testDialect } from '../../helpers/db.js';
import {
  addPerson,
  addTestTenant,
  answerTo,
  assignByCli,
  commandMailOf,
  eventNow,
  freshId,
  mailText,
  openCommandWorld,
  quoteOf,
  raiseEvent,
  sendRaw,
  sendReply,
  type CommandWorld,
  type TestTenant,
} from '../commands/command-world.js';

/** The tenant's receiving server relays from 127.0.0.1; a sender talking to DaTamer straight comes from 127.0.0.2. */
const RELAY = '127.0.0.1';
const STRAIGHT = '127.0.0.2';

describe(`the listener as the border (${testDialect})`, function () {
  this.timeout(30_000);

  describe('Authentication-Results from a client that is no trusted relay', () => {
    let w: CommandWorld;
    let acme: TestTenant;

    before(async () => {
      w = await openCommandWorld({ smtp: { trustedRelays: [`${RELAY}/32`] } });
      acme = await addTestTenant(w, 'acme', 'ops@datamer.test');
      await addPerson(w, acme.id, 'alice');
      await w.db.models.Tenant.update({ trustedAuthservId: 'mx.acme.test' }, { where: { id: acme.id } });
    });
    after(async () => {
      await w?.close();
    });

    /** alice's reply to her notice without a token, carrying a DKIM pass of the trusted server's name. */
    async function stampedReply(from: string): Promise<{ eventId: number; messageId: string }> {
      const { eventId } = await raiseEvent(w, acme, `:warn: :org:infra.db: replica lag from ${from}`);
      const notice = await assignByCli(w, acme.id, eventId, 'alice');
      const messageId = freshId('stamped');
      const raw = mailText({
        from: 'alice@acme.test',
        to: acme.address,
        subject: `Re: ${notice.subject}`,
        inReplyTo: notice.messageIdHeader,
        messageId,
        headers: ['Authentication-Results: mx.acme.test;\r\n\tdkim=pass header.d=acme.test header.s=mail;\r\n\tspf=pass smtp.mailfrom=alice@acme.test'],
        text: `DONE\n\n${quoteOf(notice)}\n`,
      });
      await sendReply(w, raw, 'alice@acme.test', from);
      return { eventId, messageId };
    }

    it('a forged DKIM pass sent straight to DaTamer is deleted, so it commands nothing, and alice is told why', async () => {
      const { eventId, messageId } = await stampedReply(STRAIGHT);
      expect(await eventNow(w, acme.id, eventId)).to.include({ status: 'assigned' });
      const stored = (await commandMailOf(w, acme.id, messageId))!;
      expect(stored.status).to.equal('refused');
      // Deleted with its folded lines; everything else is as sent.
      expect(stored.raw.toString('latin1')).not.to.match(/authentication-results|dkim=pass|spf=pass/i);
      expect(stored.raw.toString('latin1')).to.contain(`Message-ID: ${messageId}`);
      expect((await answerTo(w, acme.id, messageId)).text).to.contain('not allowed: the reply does not carry your token');
    });

    it("the same reply relayed by the tenant's receiving server keeps its header and commands", async () => {
      const { eventId, messageId } = await stampedReply(RELAY);
      expect(await eventNow(w, acme.id, eventId)).to.include({ status: 'completed' });
      const stored = (await commandMailOf(w, acme.id, messageId))!;
      expect(stored.outcome).to.include({ proof: 'dkim' });
      expect(stored.raw.toString('latin1')).to.contain('Authentication-Results: mx.acme.test;');
    });

    it('an MSE sent straight keeps everything but the forged header', async () => {
      const messageId = freshId('mse');
      const raw = mailText({ from: 'nagios@monitor.acme.test', to: acme.address, subject: ':critical: :org:infra.db: primary down', messageId, headers: ['Authentication-Results: mx.acme.test; dkim=pass header.d=acme.test'], text: 'primary down\n' });
      expect(await sendRaw(w.port, raw, { from: 'nagios@monitor.acme.test', to: [acme.address] }, STRAIGHT)).to.match(/^250 /);
      const message = (await w.db.models.Message.findOne({ where: { tenantId: acme.id, messageIdHeader: messageId } }))!;
      expect(message.raw.toString('latin1')).not.to.match(/authentication-results/i);
      expect(message.raw.toString('latin1')).to.contain('Subject: :critical: :org:infra.db: primary down');
    });
  });

  describe('large messages at once', () => {
    let w: CommandWorld;
    let acme: TestTenant;
    const sockets: net.Socket[] = [];

    before(async () => {
      w = await openCommandWorld({ smtp: { dataMemory: 96 * 1024 } });
      acme = await addTestTenant(w, 'acme', 'ops@datamer.test');
    });
    after(async () => {
      for (const s of sockets) s.destroy();
      await w?.close();
    });

    it('a message that finds no room in memory is received into a file and stored, while the one holding the room is still arriving', async () => {
      // One client holds 64 KiB of an unfinished message in memory...
      const socket = net.connect(w.port, '127.0.0.1');
      sockets.push(socket);
      let heard = '';
      socket.on('data', (d: Buffer) => (heard += d.toString('latin1')));
      const replies = () => heard.split('\r\n').filter((l) => /^\d{3} /.test(l)).length;
      const until = async (n: number) => {
        while (replies() < n) await new Promise((r) => setTimeout(r, 20));
      };
      await until(1);
      for (const [i, line] of ['EHLO big.test', 'MAIL FROM:<big@monitor.acme.test>', `RCPT TO:<${acme.address}>`, 'DATA'].entries()) {
        socket.write(`${line}\r\n`);
        await until(i + 2);
      }
      const head = 'From: big@monitor.acme.test\r\nSubject: :info: :org:infra.db: big report\r\nMessage-ID: <big-1@monitor.acme.test>\r\n\r\n';
      socket.write(head + `${'a'.repeat(76)}\r\n`.repeat(840));
      while (w.listener.memory().held < 64 * 1024) await new Promise((r) => setTimeout(r, 20));
      // ... so the next 48 KiB message finds no room: it is taken all the same, before the first ends.
      const second = mailText({ from: 'nagios@monitor.acme.test', to: acme.address, subject: ':warn: :org:infra.db: second report', messageId: freshId('second'), text: `${'b'.repeat(76)}\n`.repeat(630) });
      expect(await sendRaw(w.port, second, { from: 'nagios@monitor.acme.test', to: [acme.address] })).to.match(/^250 /);
      expect(replies(), 'the first message is still arriving').to.equal(5);

      socket.write('.\r\n');
      await until(6);
      expect(heard).to.match(/\r\n250 /);
      const stored = await w.db.models.Message.findAll({ where: { tenantId: acme.id }, attributes: ['subject', 'rawSize'], order: [['id', 'ASC']] });
      expect(stored.map((m) => m.subject)).to.deep.equal([':warn: :org:infra.db: second report', ':info: :org:infra.db: big report']);
      expect(stored[0]!.rawSize).to.equal(second.length);
      expect(w.listener.memory().peak).to.be.at.most(96 * 1024);
    });
  });

  describe('DATA that never ends', () => {
    let w: CommandWorld;
    let acme: TestTenant;
    const sockets: net.Socket[] = [];

    before(async () => {
      w = await openCommandWorld({ smtp: { dataTimeoutMs: 1_500 } });
      acme = await addTestTenant(w, 'acme', 'ops@datamer.test');
    });
    after(async () => {
      for (const s of sockets) s.destroy();
      await w?.close();
    });

    it('a client dripping its message is answered 421 and disconnected once DATA took too long; nothing is stored, and others are served meanwhile', async () => {
      const socket = net.connect(w.port, '127.0.0.1');
      sockets.push(socket);
      let heard = '';
      socket.on('data', (d: Buffer) => (heard += d.toString('latin1')));
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      const replies = () => heard.split('\r\n').filter((l) => /^\d{3} /.test(l)).length;
      const until = async (n: number) => {
        while (replies() < n) await new Promise((r) => setTimeout(r, 20));
      };
      const say = async (line: string, n: number) => {
        socket.write(`${line}\r\n`);
        await until(n);
      };
      await until(1);
      await say('EHLO dripper.test', 2);
      await say('MAIL FROM:<dripper@evil.test>', 3);
      await say(`RCPT TO:<${acme.address}>`, 4);
      await say('DATA', 5);
      expect(heard).to.match(/\r\n354 /);
      // A byte every 100 ms: each read well within the idle timeout, for ever.
      const dripping = setInterval(() => socket.writable && socket.write('x'), 100);
      try {
        socket.write('Subject: :critical: :org:infra.db: slow\r\nMessage-ID: <drip@evil.test>\r\n\r\n');
        // Meanwhile an ordinary sender is answered.
        const raw = mailText({ from: 'nagios@monitor.acme.test', to: acme.address, subject: ':warn: :org:infra.db: ordinary', messageId: freshId('ordinary'), text: 'fine\n' });
        expect(await sendRaw(w.port, raw, { from: 'nagios@monitor.acme.test', to: [acme.address] })).to.match(/^250 /);
        await closed;
      } finally {
        clearInterval(dripping);
      }
      expect(heard).to.match(/\r\n421 4\.4\.2 DATA took longer than 2 s; closing connection/);
      expect(await w.db.models.Message.count({ where: { tenantId: acme.id, messageIdHeader: '<drip@evil.test>' } })).to.equal(0);
    });
  });
});
