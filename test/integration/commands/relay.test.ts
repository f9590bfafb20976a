// Commands by email end to end, as they really travel: DaTamer's assignment notice carries the
// engineer's reply address; the engineer's reply goes through a real Postfix, which relays
// @relay.test to DaTamer's own SMTP listener; DaTamer acts on it and its confirmation leaves
// through the outbox to the outgoing server (the SMTP sink).
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import { mailServers, requireMailServers, waitFor } from '../../helpers/net.js';
import {
  activitiesOf,
  addPerson,
  addTestTenant,
  assignByCli,
  commandMailOf,
  deliverOutbox,
  eventNow,
  freshId,
  openCommandWorld,
  raiseEvent,
  replyTo,
  tokenOf,
  type CommandWorld,
  type TestTenant,
} from './command-world.js';

describe('a reply to an assignment notice, relayed by Postfix to DaTamer', function () {
  // Postfix retries a deferred delivery after 1-5 s; a message can take a few rounds.
  this.timeout(120_000);
  let w: CommandWorld;
  let tenant: TestTenant;

  before(async () => {
    requireMailServers();
    // Postfix relays @relay.test to this one port: the listener must be there.
    w = await openCommandWorld({ port: mailServers.relayPort });
    tenant = await addTestTenant(w, 'ops', `ops-${randomUUID().slice(0, 8)}@${mailServers.relayDomain}`);
    await addPerson(w, tenant.id, 'alice');
    await addPerson(w, tenant.id, 'carol');
  });

  after(async () => {
    await w?.close();
  });

  it('DONE completes the event as alice, via email, and her confirmation reaches the outgoing server threaded under her reply', async () => {
    const { eventId } = await raiseEvent(w, tenant, ':critical: :org:infra.backup: backup failed on db1.acme.test');
    const notice = await assignByCli(w, tenant.id, eventId, 'alice');

    // The notice: alice's secret and the event in its reply address, the event in its subject.
    const token = await tokenOf(w, tenant.id, 'alice');
    expect(token).to.match(/^[a-z2-7]{20}$/);
    const [local, domain] = tenant.address.split('@');
    expect(notice.headers['Reply-To']).to.equal(`${local}+k${token}-e${eventId}@${domain}`);
    expect(notice.subject).to.contain(`[DaTamer #${eventId}]`);
    expect(notice.toAddresses).to.deep.equal(['alice@acme.test']);

    // alice answers from her mail client; her server (Postfix) relays it to DaTamer.
    const messageId = freshId('alice-done');
    const reply = replyTo(notice, { from: 'Alice <alice@acme.test>', commands: 'DONE replaced the disk, backup re-ran fine', messageId });
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: mailServers.postfixPort, ignoreTLS: true });
    try {
      await transport.sendMail({ envelope: { from: `alice-${randomUUID().slice(0, 8)}@example.test`, to: [notice.headers['Reply-To']!] }, raw: reply });
    } finally {
      transport.close();
    }

    await waitFor(async () => (await commandMailOf(w, tenant.id, messageId))?.status === 'applied', "alice's reply to be applied", 90_000);
    const event = await eventNow(w, tenant.id, eventId);
    expect(event.status).to.equal('completed');
    const done = (await activitiesOf(w, tenant.id, eventId)).find((a) => a.action === 'completed');
    expect(done).to.include({ via: 'email', actor: 'alice' });
    expect(done!.detail).to.include({ note: 'replaced the disk, backup re-ran fine' });
    // It came the real way: through Postfix.
    const stored = (await commandMailOf(w, tenant.id, messageId))!;
    expect(stored.raw.toString('latin1')).to.match(/^Received: [^]*?\(Postfix\)/m);

    const report = await deliverOutbox(w);
    expect(report.failed).to.equal(0);
    const confirmation = w.sink.mails.find((m) => m.parsed.inReplyTo === messageId);
    expect(confirmation, 'the confirmation at the outgoing server').to.not.equal(undefined);
    expect(confirmation!.envelope.to).to.deep.equal(['alice@acme.test']);
    expect(confirmation!.envelope.from).to.equal(tenant.address);
    expect(confirmation!.parsed.headers.get('auto-submitted')).to.equal('auto-replied');
    expect(confirmation!.parsed.subject).to.contain(`[DaTamer #${eventId}]`);
    const text = confirmation!.parsed.text ?? '';
    expect(text).to.match(/^DONE {2}DONE replaced the disk, backup re-ran fine$/m);
    expect(text).to.contain(`event #${eventId} is completed`);
    // The conversation can go on: the answer's reply address is alice's again.
    expect(confirmation!.parsed.replyTo?.value[0]?.address).to.equal(`${local}+k${token}-e${eventId}@${domain}`);
    // Exactly one answer.
    expect(w.sink.mails.filter((m) => m.parsed.inReplyTo === messageId)).to.have.length(1);
  });
});
