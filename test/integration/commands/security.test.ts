// Who may command: a known user of the tenant whose reply carries their token (reply address or
// `key:` in the subject) or passes the tenant's trusted DKIM/SPF check. A forged From: alone
// never commands, and a reply can never reach another tenant's event.
import { expect } from 'chai';
import { inProcess } from '../../helpers/cli.js';
import {
  activitiesOf,
  addPerson,
  addTestTenant,
  answerTo,
  answersTo,
  assignByCli,
  commandMailOf,
  eachMseItsOwnEvent,
  eventNow,
  freshId,
  mailText,
  openCommandWorld,
  quoteOf,
  raiseEvent,
  replyAddressOf,
  replyTo,
  sendReply,
  tokenOf,
  type CommandWorld,
  type TestTenant,
} from './command-world.js';

describe('who may command by email', function () {
  this.timeout(30_000);
  let w: CommandWorld;
  let acme: TestTenant;
  let globex: TestTenant;

  before(async () => {
    w = await openCommandWorld();
    acme = await addTestTenant(w, 'acme', 'ops@datamer.test');
    await eachMseItsOwnEvent(w, acme.id);
    globex = await addTestTenant(w, 'globex', 'ops@globex.test');
    for (const handle of ['alice', 'bob', 'carol']) await addPerson(w, acme.id, handle);
    await addPerson(w, globex.id, 'gina', 'gina@globex.test');
  });

  after(async () => {
    await w?.close();
  });

  async function untouched(tenantId: number, eventId: number, activitiesBefore: number) {
    expect((await activitiesOf(w, tenantId, eventId)).length, 'no new activity').to.equal(activitiesBefore);
  }

  describe('forged senders and tokens', () => {
    it("a reply with alice's From: but without her token does nothing, and alice (not the forger) is told it was not allowed", async () => {
      const { eventId } = await raiseEvent(w, acme, ':crit: :org:infra.db: primary down on db1');
      const notice = await assignByCli(w, acme.id, eventId, 'alice');
      const messageId = freshId('forged');
      // Sent to DaTamer's plain address, answering the notice: everything but the token.
      await sendReply(w, replyTo(notice, { from: 'Alice <alice@acme.test>', to: acme.address, commands: 'UNASSIGN', messageId }), 'mallory@evil.test');
      expect(await eventNow(w, acme.id, eventId)).to.include({ status: 'assigned' });
      await untouched(acme.id, eventId, 1);
      expect((await commandMailOf(w, acme.id, messageId))!.status).to.equal('refused');
      const answer = await answerTo(w, acme.id, messageId);
      expect(answer.toAddresses).to.deep.equal(['alice@acme.test']);
      expect(answer.text).to.contain('not allowed: the reply does not carry your token');
      expect(answer.text).to.contain('DaTamer commands by email');
    });

    it("bob's token under alice's From: is refused (a token proves only its owner)", async () => {
      const { eventId } = await raiseEvent(w, acme, ':crit: :org:infra.db: primary down on db2');
      const messageId = freshId('wrong-token');
      await sendReply(w, mailText({ from: 'alice@acme.test', to: await replyAddressOf(w, acme, 'bob', eventId), subject: 'Re: down', messageId, text: 'ASSIGN\n' }));
      expect(await eventNow(w, acme.id, eventId)).to.include({ status: 'open', assigneeId: null });
      await untouched(acme.id, eventId, 0);
      const answer = await answerTo(w, acme.id, messageId);
      expect(answer.toAddresses).to.deep.equal(['alice@acme.test']);
      expect(answer.text).to.contain('not allowed: the reply carries a token that is not yours, or an old one');
    });

    it('after `datamer user token alice --rotate`, a reply to an older notice is refused; a reply to a newer one works', async () => {
      const { eventId } = await raiseEvent(w, acme, ':warn: :org:infra.db: lag on db3');
      const old = await assignByCli(w, acme.id, eventId, 'alice');
      const oldToken = await tokenOf(w, acme.id, 'alice');

      const env = { ...process.env, DATABASE_URL: w.url, DATAMER_LOG_LEVEL: 'silent' };
      const run = await inProcess(env, 'user', 'token', 'alice', '--rotate', '--tenant', 'acme');
      expect(run.code, run.stderr).to.equal(0);
      const newToken = await tokenOf(w, acme.id, 'alice');
      expect(newToken).to.not.equal(oldToken);
      expect(run.stdout).to.contain(`new command token of alice: ${newToken}`);

      const stale = freshId('stale');
      await sendReply(w, replyTo(old, { from: 'alice@acme.test', commands: 'DONE', messageId: stale }));
      expect(await eventNow(w, acme.id, eventId)).to.include({ status: 'assigned' });
      expect((await answerTo(w, acme.id, stale)).text).to.contain('or an old one (it was rotated)');

      // A mail DaTamer sends from now on carries the new token, and a reply to it commands.
      const next = await raiseEvent(w, acme, ':warn: :org:infra.db: lag on db3 again');
      const fresh = await assignByCli(w, acme.id, next.eventId, 'alice');
      expect(fresh.headers['Reply-To']).to.contain(`+k${newToken}-e${next.eventId}@`);
      const good = freshId('fresh');
      await sendReply(w, replyTo(fresh, { from: 'alice@acme.test', commands: 'DONE', messageId: good }));
      expect(await eventNow(w, acme.id, next.eventId)).to.include({ status: 'completed' });
    });

    it('the token written as key:<token> in the subject stands in for the reply address', async () => {
      const mse = await raiseEvent(w, acme, ':warn: :org:infra.db: bloat on db4');
      const token = await tokenOf(w, acme.id, 'alice');
      const messageId = freshId('subject-key');
      await sendReply(
        w,
        mailText({ from: 'alice@acme.test', to: acme.address, subject: `Re: bloat on db4 key:${token}`, inReplyTo: mse.messageIdHeader, messageId, text: 'ASSIGN\n\n> bloat on db4\n' }),
      );
      expect(await eventNow(w, acme.id, mse.eventId)).to.include({ status: 'assigned' });
      expect((await commandMailOf(w, acme.id, messageId))!.outcome).to.include({ proof: 'token' });
    });

    it('a new mail (not a reply) to the plain address with key:<token> in the subject commands too', async () => {
      const token = await tokenOf(w, acme.id, 'alice');
      const messageId = freshId('new-mail-key');
      await sendReply(w, mailText({ from: 'alice@acme.test', to: acme.address, subject: `subscriptions key:${token}`, messageId, text: 'SUBSCRIBE infra.mail.* interested\n\nAlice\n' }));
      expect((await commandMailOf(w, acme.id, messageId))!.status).to.equal('applied');
      expect((await answerTo(w, acme.id, messageId)).text).to.contain('you are now interested in infra.mail.*');
      // Not taken for monitoring mail.
      expect(await w.db.models.Message.count({ where: { tenantId: acme.id, messageIdHeader: messageId } })).to.equal(0);
    });

    it('a sender who is not a user of the tenant changes nothing and gets no answer, even with a valid reply address', async () => {
      const { eventId } = await raiseEvent(w, acme, ':crit: :org:infra.db: corruption on db5');
      const notice = await assignByCli(w, acme.id, eventId, 'alice');
      const messageId = freshId('stranger');
      // mallory got hold of alice's notice (a forwarded mail): the token is right, the sender is not a user.
      await sendReply(w, replyTo(notice, { from: 'Mallory <mallory@evil.test>', commands: 'DONE', messageId }), 'mallory@evil.test');
      expect(await eventNow(w, acme.id, eventId)).to.include({ status: 'assigned' });
      await untouched(acme.id, eventId, 1);
      expect((await commandMailOf(w, acme.id, messageId))!.status).to.equal('refused');
      expect(await answersTo(w, acme.id, messageId)).to.have.length(0);
      const all = await w.db.models.OutboxMail.findAll({ where: { tenantId: acme.id } });
      expect(all.filter((m) => m.toAddresses.includes('mallory@evil.test'))).to.have.length(0);
    });
  });

  describe("the tenant's trusted DKIM/SPF check", () => {
    /** alice's reply without any token, as the tenant's receiving server stamped it. */
    async function stamped(authservId: string): Promise<{ eventId: number; messageId: string }> {
      const { eventId } = await raiseEvent(w, acme, `:warn: :org:infra.db: stamped by ${authservId}`);
      const notice = await assignByCli(w, acme.id, eventId, 'alice');
      const messageId = freshId('dkim');
      const raw = mailText({
        from: 'alice@acme.test',
        to: acme.address,
        subject: `Re: ${notice.subject}`,
        inReplyTo: notice.messageIdHeader,
        messageId,
        headers: [`Authentication-Results: ${authservId}; dkim=pass (2048-bit key) header.d=acme.test header.s=mail; spf=pass smtp.mailfrom=alice@acme.test`],
        text: `DONE\n\n${quoteOf(notice)}\n`,
      });
      await sendReply(w, raw);
      return { eventId, messageId };
    }

    it('with `datamer tenant trust-authserv acme mx.acme.test`, a DKIM pass for the From: domain commands without a token', async () => {
      const env = { ...process.env, DATABASE_URL: w.url, DATAMER_LOG_LEVEL: 'silent' };
      const run = await inProcess(env, 'tenant', 'trust-authserv', 'acme', 'mx.acme.test');
      expect(run.code, run.stderr).to.equal(0);
      const { eventId, messageId } = await stamped('mx.acme.test');
      expect(await eventNow(w, acme.id, eventId)).to.include({ status: 'completed' });
      expect((await activitiesOf(w, acme.id, eventId)).at(-1)).to.include({ action: 'completed', actor: 'alice', via: 'email' });
      expect((await commandMailOf(w, acme.id, messageId))!.outcome).to.include({ proof: 'dkim' });
    });

    it('the same header written by another server is refused', async () => {
      await w.db.models.Tenant.update({ trustedAuthservId: 'mx.acme.test' }, { where: { id: acme.id } });
      const { eventId, messageId } = await stamped('mx.evil.test');
      expect(await eventNow(w, acme.id, eventId)).to.include({ status: 'assigned' });
      expect((await answerTo(w, acme.id, messageId)).text).to.contain('not allowed: the reply does not carry your token');
    });

    it('without a trusted server (none), the DKIM pass counts for nothing', async () => {
      const env = { ...process.env, DATABASE_URL: w.url, DATAMER_LOG_LEVEL: 'silent' };
      expect((await inProcess(env, 'tenant', 'trust-authserv', 'acme', 'none')).code).to.equal(0);
      const { eventId } = await stamped('mx.acme.test');
      expect(await eventNow(w, acme.id, eventId)).to.include({ status: 'assigned' });
    });
  });

  describe("another tenant's event", () => {
    let theirs: { eventId: number; messageIdHeader: string };

    before(async () => {
      theirs = await raiseEvent(w, acme, ':crit: :org:infra.db: acme secret outage');
    });

    const cases: Array<[string, () => Promise<{ to: string; subject: string; inReplyTo?: string }>]> = [
      ['in the reply address (-e<id>)', async () => ({ to: await replyAddressOf(w, globex, 'gina', theirs.eventId), subject: 'Re: outage' })],
      ['in the subject tag', async () => ({ to: await replyAddressOf(w, globex, 'gina', null), subject: `Re: [DaTamer #${theirs.eventId}] outage` })],
      ['by answering its monitoring mail (In-Reply-To)', async () => ({ to: await replyAddressOf(w, globex, 'gina', null), subject: 'Re: outage', inReplyTo: theirs.messageIdHeader })],
    ];

    for (const [how, address] of cases) {
      it(`a globex user naming an acme event ${how} is answered "no event found", and the acme event is untouched`, async () => {
        const messageId = freshId('cross-tenant');
        const spec = await address();
        await sendReply(w, mailText({ from: 'gina@globex.test', messageId, text: 'DONE\n', ...spec }));
        expect(await eventNow(w, acme.id, theirs.eventId)).to.include({ status: 'open', assigneeId: null });
        await untouched(acme.id, theirs.eventId, 0);
        const answer = await answerTo(w, globex.id, messageId);
        expect(answer.toAddresses).to.deep.equal(['gina@globex.test']);
        expect(answer.eventId).to.equal(null);
        expect(answer.text).to.contain('no event found for this reply');
        expect(answer.subject).to.not.contain(`#${theirs.eventId}`);
        expect(await answersTo(w, acme.id, messageId)).to.have.length(0);
      });
    }

    it("a reply to acme's assignment notice, sent to globex's address by a globex user, finds no event either", async () => {
      const notice = await assignByCli(w, acme.id, (await raiseEvent(w, acme, ':warn: :org:infra.db: acme notice')).eventId, 'alice');
      const messageId = freshId('cross-notice');
      await sendReply(w, replyTo(notice, { from: 'gina@globex.test', to: await replyAddressOf(w, globex, 'gina', null), commands: 'UNASSIGN', messageId }));
      expect(await eventNow(w, acme.id, notice.eventId!)).to.include({ status: 'assigned' });
      expect((await answerTo(w, globex.id, messageId)).text).to.contain('no event found for this reply');
    });
  });
});
