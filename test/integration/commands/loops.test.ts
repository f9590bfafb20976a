// DaTamer never answers a robot (RFC 3834): out-of-office replies, list mail, bounces, its own
// mail and another DaTamer's mail are taken in silently, so no mail loop can start, also not
// between two DaTamer tenants. And a reply delivered twice acts once.
import { expect } from 'chai';
import sinon from 'sinon';
import {
  activitiesOf,
  addPerson,
  addTestTenant,
  answerTo,
  answersTo,
  assignByCli,
  commandMailOf,
  deliverOutbox,
  eventNow,
  freshId,
  mailText,
  openCommandWorld,
  raiseEvent,
  replyAddressOf,
  replyTo,
  sendRaw,
  sendReply,
  type CommandWorld,
  type TestTenant,
} from './command-world.js';
import { finishStaleReplies, STALE_REPLY_MS } from '../../../src/commands/handle.js';
import { commandTokenOf } from '../../../src/people/command-tokens.js';
import { dedupKey } from '../../../src/ingest/dedup.js';

describe('mail loops and duplicates', function () {
  this.timeout(30_000);
  let w: CommandWorld;
  let acme: TestTenant;

  before(async () => {
    w = await openCommandWorld();
    acme = await addTestTenant(w, 'acme', 'ops@datamer.test');
    await addPerson(w, acme.id, 'alice');
  });

  after(async () => {
    await w?.close();
  });

  describe('robots are never answered', () => {
    // Each carries alice's token and a DONE on its first line: were it read, it would act.
    const robots: Array<[string, string, string[]]> = [
      ["an out-of-office reply (Auto-Submitted: auto-replied)", 'alice@acme.test', ['Auto-Submitted: auto-replied']],
      ['list mail (Precedence: bulk)', 'alice@acme.test', ['Precedence: bulk']],
      ['a bounce from the mailer-daemon', 'MAILER-DAEMON@mx.acme.test', ['Return-Path: <>']],
      ['mail from another DaTamer (X-DaTamer-Tenant)', 'alice@acme.test', ['X-DaTamer-Tenant: 7']],
      ["mail from this tenant's own DaTamer address", 'ops@datamer.test', []],
    ];

    for (const [what, from, headers] of robots) {
      it(`${what}: nothing happens, nothing is answered`, async () => {
        const { eventId } = await raiseEvent(w, acme, `:warn: :org:infra.db: robot test (${what})`);
        const messageId = freshId('robot');
        await sendReply(w, mailText({ from, to: await replyAddressOf(w, acme, 'alice', eventId), subject: 'Re: robot test', messageId, headers, text: 'DONE\n\nI am out of the office.\n' }), 'bounces@acme.test');
        expect(await eventNow(w, acme.id, eventId)).to.include({ status: 'open' });
        expect(await activitiesOf(w, acme.id, eventId)).to.have.length(0);
        const stored = (await commandMailOf(w, acme.id, messageId))!;
        expect(stored.status).to.equal('ignored');
        expect(stored.outcome).to.have.property('reason').that.is.a('string');
        expect(await answersTo(w, acme.id, messageId)).to.have.length(0);
      });
    }
  });

  it("two DaTamer tenants whose users are each other's addresses: A's answer delivered to B is ignored, and the exchange stops", async () => {
    // The set-up that would loop: tenant B knows tenant A's address as its user `peer`, and
    // tenant A's user `peer` has B's reply address (with B's token for that user) as its email.
    // Every answer of A goes to B, authenticated; every answer of B would go back to A.
    const a = await addTestTenant(w, 'tenant-a', 'a@datamer.test');
    const b = await addTestTenant(w, 'tenant-b', 'b@datamer.test');
    const peerOfB = await addPerson(w, b.id, 'peer', a.address);
    const bToken = await commandTokenOf(w.deps, peerOfB);
    await addPerson(w, a.id, 'peer', `b+k${bToken}@datamer.test`);

    // Someone (or something) writes HELP to A as A's peer: A answers, to B.
    const first = freshId('loop-start');
    await sendReply(w, mailText({ from: `b+k${bToken}@datamer.test`, to: await replyAddressOf(w, a, 'peer', null), subject: 'help', messageId: first, text: 'HELP\n' }));
    const answerOfA = await answerTo(w, a.id, first);
    expect(answerOfA.toAddresses).to.deep.equal([`b+k${bToken}@datamer.test`]);

    // Play the mail servers between them until nothing is left to send.
    let rounds = 0;
    let delivered = 0;
    for (; rounds < 5; rounds++) {
      const before = w.sink.mails.length;
      await deliverOutbox(w);
      const batch = w.sink.mails.slice(before);
      if (batch.length === 0) break;
      for (const mail of batch) {
        delivered++;
        await sendRaw(w.port, mail.raw, { from: mail.envelope.from ?? '', to: mail.envelope.to });
      }
    }
    expect(delivered, 'mails that went between the two tenants').to.equal(1);
    expect(rounds).to.equal(1);

    // B took A's answer in and stayed silent: it saw DaTamer's mark on it.
    const atB = (await commandMailOf(w, b.id, answerOfA.messageIdHeader))!;
    expect(atB.status).to.equal('ignored');
    expect(String(atB.outcome.reason)).to.contain('sent by DaTamer');
    expect(await w.db.models.OutboxMail.count({ where: { tenantId: b.id } })).to.equal(0);
  });

  it('a reply delivered twice (same Message-ID, another relay hop) acts once and is answered once', async () => {
    const { eventId } = await raiseEvent(w, acme, ':crit: :org:infra.db: disk full on db9');
    const notice = await assignByCli(w, acme.id, eventId, 'alice');
    const messageId = freshId('twice');
    const reply = replyTo(notice, { from: 'alice@acme.test', commands: 'DONE emptied /tmp', messageId });
    const first = await sendReply(w, reply);
    const again = Buffer.concat([Buffer.from('Received: from mx2.acme.test by relay.acme.test; Mon, 23 Nov 2026 09:05:00 +0000\r\n'), reply]);
    const second = await sendReply(w, again);
    // Both deliveries were taken (the sender must not retry), the second as the same reply.
    expect(first).to.match(/^250 /);
    expect(second).to.match(/^250 /);

    expect(await eventNow(w, acme.id, eventId)).to.include({ status: 'completed' });
    expect((await activitiesOf(w, acme.id, eventId)).filter((x) => x.action === 'completed')).to.have.length(1);
    expect(await w.db.models.CommandMail.count({ where: { tenantId: acme.id, messageIdHeader: messageId } })).to.equal(1);
    expect(await answersTo(w, acme.id, messageId)).to.have.length(1);

    // Delivered by the outbox: alice gets one confirmation.
    await deliverOutbox(w);
    expect(w.sink.mails.filter((m) => m.parsed.inReplyTo === messageId)).to.have.length(1);
  });

  it('a reply that could not be handled (the database failed mid-way) is handled when the sender retries, and answered once', async () => {
    const { eventId } = await raiseEvent(w, acme, ':crit: :org:infra.db: raid degraded on db10');
    const notice = await assignByCli(w, acme.id, eventId, 'alice');
    const messageId = freshId('retry');
    const reply = replyTo(notice, { from: 'alice@acme.test', commands: 'DONE swapped the disk', messageId });

    const fault = sinon.stub(w.db.models.Activity, 'create').rejects(new Error('connection to the database lost'));
    try {
      // The listener says "try again later" (4xx): the sending server keeps the mail and retries.
      const refused = await sendReply(w, reply).then(() => null, (err: { responseCode?: number }) => err.responseCode);
      expect(refused).to.equal(451);
    } finally {
      fault.restore();
    }
    expect(await eventNow(w, acme.id, eventId)).to.include({ status: 'assigned' });

    await sendReply(w, reply);
    expect(await eventNow(w, acme.id, eventId)).to.include({ status: 'completed' });
    expect((await commandMailOf(w, acme.id, messageId))!.status).to.equal('applied');
    const answer = await answerTo(w, acme.id, messageId);
    expect(answer.text).to.match(/^DONE {2}DONE swapped the disk$/m);
  });

  it('a reply whose handling a crash cut short (stored, never answered) is handled by the pending job, once', async () => {
    const { eventId } = await raiseEvent(w, acme, ':crit: :org:infra.db: fan failed on db11');
    const notice = await assignByCli(w, acme.id, eventId, 'alice');
    const messageId = freshId('crashed');
    const reply = replyTo(notice, { from: 'alice@acme.test', commands: 'DONE replaced the fan', messageId });
    // What a process killed right after storing the reply leaves behind: the row, still pending.
    await w.db.models.CommandMail.create({
      tenantId: acme.id,
      dedupKey: dedupKey(reply),
      messageIdHeader: messageId,
      fromAddress: 'alice@acme.test',
      subject: null,
      raw: reply,
      source: 'smtp',
      receivedAt: w.clock.now(),
      status: 'pending',
      outcome: {},
    });
    // The sender was told 250, so it never resends; a copy that does come is the same reply.
    await sendReply(w, reply);
    expect(await eventNow(w, acme.id, eventId)).to.include({ status: 'assigned' });
    expect(await finishStaleReplies(w.deps), 'not stale yet: maybe still being handled').to.equal(0);

    w.clock.advance(STALE_REPLY_MS + 1_000);
    expect(await finishStaleReplies(w.deps)).to.equal(1);
    expect(await eventNow(w, acme.id, eventId)).to.include({ status: 'completed' });
    expect((await commandMailOf(w, acme.id, messageId))!.status).to.equal('applied');
    expect(await answersTo(w, acme.id, messageId)).to.have.length(1);
    expect(await finishStaleReplies(w.deps), 'handled once').to.equal(0);
  });
});
