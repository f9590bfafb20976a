// MERGE and SPLIT by email (docs/commands.md), sent to DaTamer's own SMTP listener as a mail
// server hands replies over: what moves, what is kept of the correction, and what DaTamer answers.
import { expect } from 'chai';
import { changeEvent } from '../../../src/events/change.js';
import { mergeEvents } from '../../../src/events/corrections.js';
import { HELP_TEXT } from '../../../src/commands/grammar.js';
import type { OutboxMail } from '../../../models/index.js';
import {
  activitiesOf,
  addPerson,
  addTestTenant,
  answerTo,
  assignByCli,
  commandMailOf,
  eventNow,
  freshId,
  mailText,
  openCommandWorld,
  raiseEvent,
  replyAddressOf,
  replyTo,
  sendReply,
  type CommandWorld,
  type TestTenant,
} from './command-world.js';

describe('correcting the grouping by email: MERGE and SPLIT', function () {
  this.timeout(30_000);
  let w: CommandWorld;
  let acme: TestTenant;
  let other: TestTenant;

  before(async () => {
    w = await openCommandWorld();
    acme = await addTestTenant(w, 'acme', 'ops@datamer.test');
    other = await addTestTenant(w, 'other', 'ops@other.test');
    await addPerson(w, acme.id, 'alice');
    await addPerson(w, acme.id, 'carol');
    await addPerson(w, other.id, 'olga', 'olga@other.test');
  });

  after(async () => {
    await w?.close();
  });

  const messagesOf = async (eventId: number) =>
    (await w.db.models.EventMessage.findAll({ where: { tenantId: acme.id, eventId }, order: [['messageId', 'ASC']] })).map((l) => l.messageId);
  const messageIdOf = async (messageIdHeader: string) => (await w.db.models.Message.findOne({ where: { tenantId: acme.id, messageIdHeader } }))!.id;

  /** alice's reply to her reply address (naming the event, or none), perhaps answering a monitoring mail. */
  async function command(eventId: number | null, commands: string, extra: { inReplyTo?: string } = {}): Promise<{ answer: OutboxMail; messageId: string }> {
    const messageId = freshId('alice-correction');
    const raw = mailText({
      from: 'alice@acme.test',
      to: await replyAddressOf(w, acme, 'alice', eventId),
      subject: 'Re: your alert',
      messageId,
      text: `${commands}\n\nOn Mon, 23 Nov 2026 at 08:00, Nagios <nagios@monitor.example.com> wrote:\n> the alert\n`,
      ...extra,
    });
    await sendReply(w, raw);
    return { answer: await answerTo(w, acme.id, messageId), messageId };
  }

  it('MERGE #N in a reply to an event puts its messages into event N, with the reason, and the answer says so', async () => {
    const first = await raiseEvent(w, acme, ':warn: :org:infra.nfs: stale file handle on web1');
    const second = await raiseEvent(w, acme, ':critical: :org:infra.nfs: NFS server not responding on web2');
    const { answer, messageId } = await command(second.eventId, `MERGE #${first.eventId} one NFS outage`);

    expect(answer.text).to.match(new RegExp(`^DONE {2}MERGE #${first.eventId} one NFS outage$`, 'm'));
    expect(answer.text).to.contain(`event #${second.eventId} merged into #${first.eventId} (1 message moved); event #${first.eventId} is open`);
    expect(answer.text).to.contain(`Now: event #${second.eventId} ":critical: :org:infra.nfs: NFS server not responding on web2" is completed, merged into #${first.eventId}.`);
    expect(answer.text).to.not.contain('DaTamer commands by email');
    expect((await commandMailOf(w, acme.id, messageId))!.status).to.equal('applied');

    expect(await messagesOf(first.eventId)).to.deep.equal([await messageIdOf(first.messageIdHeader), await messageIdOf(second.messageIdHeader)]);
    expect(await eventNow(w, acme.id, first.eventId)).to.include({ status: 'open', severity: 'critical' });
    expect(await eventNow(w, acme.id, second.eventId)).to.include({ status: 'completed', mergedIntoId: first.eventId });
    const correction = (await w.db.models.EventCorrection.findOne({ where: { tenantId: acme.id, fromEventId: second.eventId } }))!;
    expect(correction).to.deep.include({ kind: 'merge', toEventId: first.eventId, actor: 'alice', via: 'email', reason: 'one NFS outage' });
    expect(correction.messageIds).to.deep.equal([await messageIdOf(second.messageIdHeader)]);
    const [merged] = await activitiesOf(w, acme.id, second.eventId);
    expect(merged).to.deep.include({ action: 'merged-into', actor: 'alice', via: 'email' });
  });

  it('MERGE in a reply to an assignment notice works on the event of the notice; the target keeps its assignee', async () => {
    const target = await raiseEvent(w, acme, ':warn: :org:infra.db: replication lag on db1');
    const source = await raiseEvent(w, acme, ':warn: :org:infra.db: replication lag on db2');
    await changeEvent(w.deps, acme.id, target.eventId, { command: 'assign', handle: 'carol', actor: 'carol', via: 'cli' });
    const notice = await assignByCli(w, acme.id, source.eventId, 'alice');
    const messageId = freshId('reply');
    await sendReply(w, replyTo(notice, { from: 'Alice <alice@acme.test>', commands: `merge into ${target.eventId}`, messageId }));
    const answer = await answerTo(w, acme.id, messageId);
    expect(answer.text).to.contain(`event #${source.eventId} merged into #${target.eventId} (1 message moved); event #${target.eventId} is assigned to carol`);
    expect(await messagesOf(source.eventId)).to.deep.equal([]);
    expect(await messagesOf(target.eventId)).to.have.length(2);
    // The merge records who else was on it.
    const took = (await activitiesOf(w, acme.id, target.eventId)).find((a) => a.action === 'merged-from')!;
    expect(took.detail).to.deep.include({ keptAssignee: 'carol', otherAssignee: 'alice' });
  });

  it('MERGE by email hands a target nobody had the assignee of the event merged into it, and the answer says so', async () => {
    const target = await raiseEvent(w, acme, ':warn: :org:infra.db: connections near the limit on db6');
    const source = await raiseEvent(w, acme, ':critical: :org:infra.db: too many connections on db7');
    const notice = await assignByCli(w, acme.id, source.eventId, 'alice');
    const messageId = freshId('reply');
    await sendReply(w, replyTo(notice, { from: 'Alice <alice@acme.test>', commands: `MERGE #${target.eventId} one connection storm`, messageId }));
    const answer = await answerTo(w, acme.id, messageId);
    expect(answer.text).to.contain(`event #${source.eventId} merged into #${target.eventId} (1 message moved); event #${target.eventId} is assigned to alice`);
    const merged = await eventNow(w, acme.id, target.eventId);
    expect(merged).to.include({ status: 'assigned', severity: 'critical', assigneeId: (await eventNow(w, acme.id, source.eventId)).assigneeId });
    const took = (await activitiesOf(w, acme.id, target.eventId)).find((a) => a.action === 'merged-from')!;
    expect(took).to.deep.include({ actor: 'alice', via: 'email' });
    expect(took.detail).to.deep.include({ assignee: 'alice', note: 'one connection storm' });
  });

  it('SPLIT in a reply to the monitoring mail itself takes that mail out into an event of its own', async () => {
    const storm = await raiseEvent(w, acme, ':warn: :org:infra.nfs: stale file handle on app1');
    const stray = await raiseEvent(w, acme, ':critical: :org:infra.web: certificate expired on app2');
    await mergeEvents(w.deps, acme.id, stray.eventId, storm.eventId, { actor: 'carol', via: 'cli', reason: null });
    // Answering the certificate mail, to the reply address that names no event: the mail says which.
    const { answer } = await command(null, 'SPLIT another problem', { inReplyTo: stray.messageIdHeader });

    const strayId = await messageIdOf(stray.messageIdHeader);
    const link = (await w.db.models.EventMessage.findOne({ where: { tenantId: acme.id, messageId: strayId } }))!;
    expect(link.eventId).to.not.be.oneOf([storm.eventId, stray.eventId]);
    expect(answer.text).to.match(/^DONE {2}SPLIT another problem$/m);
    expect(answer.text).to.contain(`message ${strayId} split out of #${storm.eventId} into event #${link.eventId}; event #${link.eventId} is open`);
    expect(await eventNow(w, acme.id, link.eventId)).to.include({ status: 'open', severity: 'critical', org: 'infra.web' });
    expect(await eventNow(w, acme.id, storm.eventId)).to.include({ severity: 'warn' });
    const correction = (await w.db.models.EventCorrection.findOne({ where: { tenantId: acme.id, kind: 'split', toEventId: link.eventId } }))!;
    expect(correction).to.deep.include({ fromEventId: storm.eventId, actor: 'alice', via: 'email', reason: 'another problem' });
    expect(correction.messageIds).to.deep.equal([strayId]);
  });

  it('SPLIT names the message by its id when the reply answers DaTamer\'s mail rather than the monitoring mail', async () => {
    const a = await raiseEvent(w, acme, ':warn: :org:infra.db: load 12 on db3');
    const b = await raiseEvent(w, acme, ':warn: :org:infra.db: load 14 on db4');
    await mergeEvents(w.deps, acme.id, b.eventId, a.eventId, { actor: 'carol', via: 'cli', reason: null });
    const notice = await assignByCli(w, acme.id, a.eventId, 'alice');

    const bare = freshId('reply');
    await sendReply(w, replyTo(notice, { from: 'Alice <alice@acme.test>', commands: 'SPLIT', messageId: bare }));
    const refused = await answerTo(w, acme.id, bare);
    expect(refused.text).to.match(/^NOT DONE {2}SPLIT$/m);
    expect(refused.text).to.contain('SPLIT needs the message: reply to the monitoring mail itself, or write its id');
    expect(refused.text).to.contain(HELP_TEXT);
    expect(await messagesOf(a.eventId)).to.have.length(2);

    const bId = await messageIdOf(b.messageIdHeader);
    const named = freshId('reply');
    await sendReply(w, replyTo(notice, { from: 'Alice <alice@acme.test>', commands: `SPLIT ${bId} different host`, messageId: named }));
    expect((await answerTo(w, acme.id, named)).text).to.match(new RegExp(`^DONE {2}SPLIT ${bId} different host$`, 'm'));
    expect(await messagesOf(a.eventId)).to.deep.equal([await messageIdOf(a.messageIdHeader)]);
  });

  it('refuses SPLIT of an event\'s last message and MERGE into another tenant\'s event, with the reason, and changes nothing', async () => {
    const lone = await raiseEvent(w, acme, ':warn: :org:infra.db: checkpoint slow on db5');
    const theirs = await raiseEvent(w, other, ':warn: :org:infra.db: checkpoint slow on db9');
    const { answer, messageId } = await command(lone.eventId, `SPLIT\nMERGE #${theirs.eventId}\nMERGE`, { inReplyTo: lone.messageIdHeader });
    const loneId = await messageIdOf(lone.messageIdHeader);
    expect(answer.text).to.contain(`message ${loneId} is the only message of event #${lone.eventId}: there is nothing to split it from`);
    expect(answer.text).to.contain(`no event #${theirs.eventId}`);
    expect(answer.text).to.contain('MERGE needs the event to merge this one into, e.g. "MERGE #1432 same NFS outage"');
    expect(answer.text.match(/^NOT DONE {2}/gm)).to.have.length(3);
    expect((await commandMailOf(w, acme.id, messageId))!.status).to.equal('refused');
    expect(await messagesOf(lone.eventId)).to.deep.equal([loneId]);
    expect(await eventNow(w, other.id, theirs.eventId)).to.include({ status: 'open', mergedIntoId: null });
    expect(await w.db.models.EventCorrection.count({ where: { fromEventId: lone.eventId } })).to.equal(0);
  });
});
