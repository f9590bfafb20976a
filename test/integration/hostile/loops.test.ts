// Loops (fixtures/hostile/loops): a naive vacation program, without any RFC 3834 header, answers
// every mail it gets, to its Reply-To, from the engineer's own address. Played against DaTamer's
// real listener, with DaTamer's mail delivered to an SMTP sink, the exchange must end. And mail
// with the null envelope sender MAIL FROM:<> is never acted on or answered.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DEFAULT_ANSWERS_PER_HOUR as ANSWERS_PER_HOUR } from '../../../src/commands/answer-limit.js';
import {
  activitiesOf,
  addPerson,
  addTestTenant,
  answersTo,
  assignByCli,
  commandMailOf,
  deliverOutbox,
  eventNow,
  freshId,
  openCommandWorld,
  raiseEvent,
  replyTo,
  sendRaw,
  type CommandWorld,
  type TestTenant,
} from '../commands/command-world.js';
import { hostileMail } from './corpus.js';

const vacationTemplate = hostileMail('loops').get('naive-vacation-reply.eml')!.toString('utf8');

/** What the vacation program sends back to one mail. */
function vacationReply(to: string, subject: string, inReplyTo: string | null): Buffer {
  return Buffer.from(
    vacationTemplate
      .replace('{{to}}', to)
      .replace('{{subject}}', subject)
      .replace('{{messageId}}', `<vacation-${randomUUID()}@mail.acme.test>`)
      .replace('{{inReplyTo}}', inReplyTo ? `In-Reply-To: ${inReplyTo}\r\n` : ''),
  );
}

/** A bound well above what DaTamer may send; reaching it means the exchange would go on for ever. */
const MAX_ROUNDS = 30;

describe('hostile mail: loops with a naive vacation responder, through the listener', function () {
  this.timeout(60_000);
  let w: CommandWorld;
  let acme: TestTenant;

  const open = async (options: Parameters<typeof openCommandWorld>[0] = {}) => {
    w = await openCommandWorld(options);
    acme = await addTestTenant(w, 'acme', 'ops@datamer.test');
    await addPerson(w, acme.id, 'alice');
  };
  beforeEach(() => open());
  afterEach(async () => {
    await w?.close();
  });

  /**
   * Plays the mail servers: DaTamer's outbox is delivered to the sink, and every mail for alice
   * gets the vacation reply, sent to DaTamer's listener. Returns how many rounds it took for
   * nothing more to be sent, and DaTamer's mails to alice.
   */
  async function playUntilQuiet(threads: boolean): Promise<{ rounds: number; toAlice: Array<{ text: string }> }> {
    let rounds = 0;
    for (; rounds < MAX_ROUNDS; rounds++) {
      const before = w.sink.mails.length;
      await deliverOutbox(w);
      const batch = w.sink.mails.slice(before).filter((m) => m.envelope.to.includes('alice@acme.test'));
      if (batch.length === 0) break;
      for (const mail of batch) {
        const to = mail.parsed.replyTo?.value[0]?.address ?? mail.parsed.from!.value[0]!.address!;
        const response = await sendRaw(w.port, vacationReply(to, mail.parsed.subject ?? '', threads ? (mail.parsed.messageId ?? null) : null), { from: 'alice@acme.test', to: [to] });
        expect(response).to.match(/^250 /);
      }
    }
    const toAlice = w.sink.mails.filter((m) => m.envelope.to.includes('alice@acme.test')).map((m) => ({ text: m.parsed.text ?? '' }));
    return { rounds, toAlice };
  }

  it('a responder that threads its replies: DaTamer answers the first (it may be a person), not the reply to its own answer', async () => {
    const { eventId } = await raiseEvent(w, acme, ':crit: :org:infra.db: replication broken on db1');
    await assignByCli(w, acme.id, eventId, 'alice');
    const { rounds, toAlice } = await playUntilQuiet(true);
    expect(rounds, 'the exchange ended').to.be.lessThan(MAX_ROUNDS);
    // The assignment notice, and one answer (with the HELP text) to the first vacation reply.
    expect(toAlice).to.have.length(2);
    expect(toAlice[1]!.text).to.contain('no command found');
    const ignored = await w.db.models.CommandMail.findAll({ where: { tenantId: acme.id, status: 'ignored' } });
    expect(ignored.map((r) => String(r.outcome.reason))).to.deep.equal(["it answers DaTamer's own answer and carries no command"]);
    expect(await eventNow(w, acme.id, eventId)).to.include({ status: 'assigned' });
  });

  it('a responder that does not even thread: a few answers within the hour, the last saying so, then silence', async () => {
    const { eventId } = await raiseEvent(w, acme, ':crit: :org:infra.db: replication broken on db2');
    await assignByCli(w, acme.id, eventId, 'alice');
    const { rounds, toAlice } = await playUntilQuiet(false);
    expect(rounds, 'the exchange ended').to.be.lessThan(MAX_ROUNDS);
    // The notice, then ANSWERS_PER_HOUR answers and one more that says DaTamer falls silent.
    const answers = toAlice.slice(1);
    expect(answers).to.have.length(ANSWERS_PER_HOUR + 1);
    expect(answers.filter((a) => a.text.includes('will not answer such replies again'))).to.have.length(1);
    expect(answers[answers.length - 1]!.text).to.contain('will not answer such replies again');
    // The vacation reply that came after is stored, and says why it was not answered.
    const last = await w.db.models.CommandMail.findOne({ where: { tenantId: acme.id }, order: [['id', 'DESC']] });
    expect(String(last!.outcome.notAnswered)).to.match(/quiet until/);
  });

  it('answers as many replies that applied nothing as DATAMER_ANSWERS_PER_HOUR allows, then says so once and falls silent', async () => {
    await w.close();
    await open({ answersPerHour: 2 });
    const { eventId } = await raiseEvent(w, acme, ':crit: :org:infra.db: replication broken on db5');
    await assignByCli(w, acme.id, eventId, 'alice');
    const { rounds, toAlice } = await playUntilQuiet(false);
    expect(rounds, 'the exchange ended').to.be.lessThan(MAX_ROUNDS);
    // The notice, two answers, and the third that says DaTamer falls silent.
    const answers = toAlice.slice(1);
    expect(answers).to.have.length(3);
    expect(answers.map((a) => a.text.includes('will not answer such replies again'))).to.deep.equal([false, false, true]);
    expect(answers[2]!.text).to.contain('DaTamer has answered 2 replies of yours that applied nothing in the last hour');
    const last = await w.db.models.CommandMail.findOne({ where: { tenantId: acme.id }, order: [['id', 'DESC']] });
    expect(String(last!.outcome.notAnswered)).to.match(/^3 replies that applied nothing answered within the hour; quiet until/);
  });

  it('commands still act, and are answered, while DaTamer is quiet towards replies that apply nothing', async () => {
    const { eventId } = await raiseEvent(w, acme, ':crit: :org:infra.db: replication broken on db3');
    const notice = await assignByCli(w, acme.id, eventId, 'alice');
    const toDatamer = { from: 'alice@acme.test', to: [notice.headers['Reply-To']!] };
    for (let i = 0; i <= ANSWERS_PER_HOUR; i++) await sendRaw(w.port, replyTo(notice, { from: 'alice@acme.test', commands: 'thanks, looking' }), toDatamer);
    const quiet = freshId('quiet');
    await sendRaw(w.port, replyTo(notice, { from: 'alice@acme.test', commands: 'still looking', messageId: quiet }), toDatamer);
    expect(await answersTo(w, acme.id, quiet)).to.have.length(0);
    const messageId = freshId('done-while-quiet');
    await sendRaw(w.port, replyTo(notice, { from: 'alice@acme.test', commands: 'DONE fixed the replica', messageId }), toDatamer);
    expect(await eventNow(w, acme.id, eventId)).to.include({ status: 'completed' });
    expect(await answersTo(w, acme.id, messageId)).to.have.length(1);
  });

  it('a reply with a command sent with the null envelope sender MAIL FROM:<> is neither applied nor answered', async () => {
    const { eventId } = await raiseEvent(w, acme, ':crit: :org:infra.db: replication broken on db4');
    const notice = await assignByCli(w, acme.id, eventId, 'alice');
    const messageId = freshId('null-sender');
    const response = await sendRaw(w.port, replyTo(notice, { from: 'alice@acme.test', commands: 'DONE', messageId }), { from: '', to: [notice.headers['Reply-To']!] });
    expect(response).to.match(/^250 /);
    expect((await commandMailOf(w, acme.id, messageId))!.outcome.reason).to.match(/null envelope sender/);
    expect(await eventNow(w, acme.id, eventId)).to.include({ status: 'assigned' });
    expect((await activitiesOf(w, acme.id, eventId)).filter((a) => a.action === 'completed')).to.have.length(0);
    expect(await answersTo(w, acme.id, messageId)).to.have.length(0);
  });
});
