// Commands in the shared mailbox (Dovecot), in organize mode: the tenant's DaTamer address is the
// shared mailbox, so an engineer's reply (to the reply address, or to the monitoring mail with
// the token in the subject) is delivered by Postfix into its inbox. DaTamer acts on it, files the
// monitoring mail where the event now is, and takes the reply out of the shared mailbox: it
// carries its writer's token, which nobody else on the team may read.
import { expect } from 'chai';
import type { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { addGroup, joinGroup, subscribe } from '../../../src/people/people.js';
import { addTestMailbox, deliverThroughPostfix, engineerClient, freshMailboxUser, messageIdsIn, startWatching, type RunningWatcher } from '../../helpers/imap.js';
import { mailServers, requireMailServers, waitFor } from '../../helpers/net.js';
import {
  activitiesOf,
  addPerson,
  commandMailOf,
  addTestTenant,
  answersTo,
  answerTo,
  eventNow,
  freshId,
  handleOf,
  mailText,
  openCommandWorld,
  replyAddressOf,
  tokenOf,
  type CommandWorld,
  type TestTenant,
} from './command-world.js';

describe('commands by email in the shared mailbox (Postfix → Dovecot, organize mode)', function () {
  this.timeout(90_000);
  let w: CommandWorld;
  let acme: TestTenant;
  let shared: string;
  let watcher: RunningWatcher;
  let engineer: ImapFlow;

  const inFolder = (folder: string, messageId: string) => async () => (await messageIdsIn(engineer, folder)).includes(messageId);

  async function eventOfMessage(messageIdHeader: string): Promise<number> {
    const message = await w.db.models.Message.findOne({ where: { tenantId: acme.id, messageIdHeader } });
    return (await w.db.models.EventMessage.findOne({ where: { tenantId: acme.id, messageId: message!.id } }))!.eventId;
  }

  /** The engineer's mail server hands the reply to Postfix, which delivers it into the shared inbox. */
  async function sendThroughPostfix(raw: Buffer, to: string): Promise<void> {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: mailServers.postfixPort, ignoreTLS: true });
    try {
      await transport.sendMail({ envelope: { from: freshMailboxUser('engineer'), to: [to] }, raw });
    } finally {
      transport.close();
    }
  }

  /** Every message of every folder of the shared mailbox, as a team member's client sees them. */
  async function everythingInTheMailbox(): Promise<string> {
    const texts: string[] = [];
    for (const folder of await engineer.list()) {
      if (folder.flags.has('\\Noselect') || folder.flags.has('\\NonExistent')) continue;
      const lock = await engineer.getMailboxLock(folder.path);
      try {
        if ((engineer.mailbox && engineer.mailbox.exists) === 0) continue;
        for await (const m of engineer.fetch('1:*', { source: true })) texts.push(`${folder.path}\n${m.source?.toString('latin1') ?? ''}`);
      } finally {
        lock.release();
      }
    }
    return texts.join('\n');
  }

  before(async () => {
    requireMailServers();
    w = await openCommandWorld();
    // The shared mailbox is DaTamer's address: reply addresses are its plus-addresses.
    shared = freshMailboxUser('shared');
    acme = await addTestTenant(w, 'acme', shared);
    for (const handle of ['alice', 'bob']) await addPerson(w, acme.id, handle);
    await addGroup(w.deps, acme.id, 'dbas');
    for (const handle of ['alice', 'bob']) await joinGroup(w.deps, acme.id, 'dbas', handle);
    await subscribe(w.deps, acme.id, 'dbas', 'acme.db', 'responder');
    const mailbox = await addTestMailbox(w.deps, acme.id, shared);
    engineer = await engineerClient(shared);
    watcher = startWatching(w.deps, mailbox);
    await waitFor(async () => (await w.db.models.Mailbox.findByPk(mailbox.id))!.lastSyncedAt !== null, 'the first pass over the mailbox');
  });

  after(async () => {
    await watcher?.stop();
    await engineer?.logout().catch(() => undefined);
    await w?.close();
  });

  it("ASSIGN bob, sent to alice's reply address in answer to the monitoring mail: assigned by email, the mail moved to @bob, the reply (with alice's token) taken out of the shared mailbox", async () => {
    const mse = await deliverThroughPostfix(shared, { subject: ':warn: :org:acme.db: replication lag on db5' });
    await waitFor(inFolder('DaTamer/acme/db', mse), 'the monitoring mail filed in DaTamer/acme/db');
    const eventId = await eventOfMessage(mse);

    const reply = freshId('alice-assign');
    const to = await replyAddressOf(w, acme, 'alice', null);
    expect(to).to.match(new RegExp(`^${shared.split('@')[0]}\\+k[a-z2-7]{20}@`));
    await sendThroughPostfix(
      mailText({ from: 'Alice <alice@acme.test>', to, subject: 'Re: :warn: :org:acme.db: replication lag on db5', inReplyTo: mse, messageId: reply, text: 'ASSIGN bob\n\nOn Mon, 23 Nov 2026 at 08:00, nagios wrote:\n> replication lag on db5\n' }),
      to,
    );

    await waitFor(async () => (await eventNow(w, acme.id, eventId)).status === 'assigned', 'the event to be assigned', 60_000);
    expect(await handleOf(w, (await eventNow(w, acme.id, eventId)).assigneeId)).to.equal('bob');
    expect((await activitiesOf(w, acme.id, eventId))[0]).to.include({ action: 'assigned', actor: 'alice', via: 'email' });
    await waitFor(inFolder('DaTamer/acme/db/@bob', mse), "the monitoring mail in bob's claim folder");
    await waitFor(async () => !(await messageIdsIn(engineer, 'INBOX')).includes(reply), 'the reply taken out of the inbox');
    // Nobody on the team can read alice's token anywhere in the shared mailbox: the reply is kept by DaTamer only.
    const token = (await tokenOf(w, acme.id, 'alice'))!;
    expect(await everythingInTheMailbox()).to.not.contain(token);
    expect(await commandMailOf(w, acme.id, reply)).to.deep.include({ status: 'applied' });
    // The reply is not a monitoring mail: no message, no event of its own.
    expect(await w.db.models.Message.count({ where: { tenantId: acme.id, messageIdHeader: reply } })).to.equal(0);
    const answer = await answerTo(w, acme.id, reply);
    expect(answer.toAddresses).to.deep.equal(['alice@acme.test']);
    expect(answer.text).to.contain(`event #${eventId} is assigned to bob`);
  });

  it('DONE from bob to the shared address itself, answering the monitoring mail with key:<token> in the subject: completed, moved to completed', async () => {
    const mse = await deliverThroughPostfix(shared, { subject: ':crit: :org:acme.db: disk full on db6' });
    await waitFor(inFolder('DaTamer/acme/db', mse), 'the monitoring mail filed in DaTamer/acme/db');
    const eventId = await eventOfMessage(mse);

    const reply = freshId('bob-done');
    // bob's token: DaTamer's earlier mail to him made it (here: asked for it once).
    await replyAddressOf(w, acme, 'bob', null);
    const token = await tokenOf(w, acme.id, 'bob');
    await sendThroughPostfix(
      mailText({ from: 'bob@acme.test', to: shared, subject: `Re: :crit: :org:acme.db: disk full on db6 key:${token}`, inReplyTo: mse, messageId: reply, text: 'DONE cleaned up old WAL files\n\n> disk full on db6\n' }),
      shared,
    );

    await waitFor(async () => (await eventNow(w, acme.id, eventId)).status === 'completed', 'the event to be completed', 60_000);
    expect((await activitiesOf(w, acme.id, eventId)).at(-1)).to.include({ action: 'completed', actor: 'bob', via: 'email' });
    await waitFor(inFolder('DaTamer/acme/db/completed', mse), 'the monitoring mail in completed');
    await waitFor(async () => !(await messageIdsIn(engineer, 'INBOX')).includes(reply), 'the reply taken out of the inbox');
    expect(await everythingInTheMailbox()).to.not.contain(token!);
    expect((await answerTo(w, acme.id, reply)).toAddresses).to.deep.equal(['bob@acme.test']);
  });

  it('a reply from a stranger quoting the monitoring mail\'s tags is taken as a reply: no event, no answer, nothing filed', async () => {
    const mse = await deliverThroughPostfix(shared, { subject: ':crit: :org:acme.db: replication broken on db7' });
    await waitFor(inFolder('DaTamer/acme/db', mse), 'the monitoring mail filed in DaTamer/acme/db');
    const events = await w.db.models.Event.count({ where: { tenantId: acme.id } });

    const reply = freshId('stranger');
    await sendThroughPostfix(
      mailText({
        from: 'carol@vendor.example', to: shared, subject: 'Re: :crit: :org:acme.db: replication broken on db7', inReplyTo: mse, messageId: reply,
        text: 'Is this still happening on your side?\n\n> :crit: :org:acme.db: replication broken on db7\n> :svr:db7.acme.test:\n',
      }),
      shared,
    );

    await waitFor(async () => (await commandMailOf(w, acme.id, reply)) !== null, 'the reply to be taken');
    await waitFor(async () => !(await messageIdsIn(engineer, 'INBOX')).includes(reply), 'the reply taken out of the inbox');
    expect(await commandMailOf(w, acme.id, reply)).to.deep.include({ status: 'refused' });
    expect(await w.db.models.Message.count({ where: { tenantId: acme.id, messageIdHeader: reply } })).to.equal(0);
    expect(await w.db.models.Event.count({ where: { tenantId: acme.id } })).to.equal(events);
    expect(await answersTo(w, acme.id, reply)).to.deep.equal([]);
  });
});
