// RULE by email against hostile mail and faults (issue 13, point 4): the preview is read behind the
// fence, so a bomb among the last messages does not hold the reply up; a reply whose handling fails
// half-way goes on from where it stopped when the sender retries: what its first try applied is
// neither applied again nor answered differently.
import { expect } from 'chai';
import sinon from 'sinon';
import { activitiesOf, addPerson, addTestTenant, answersTo, answerTo, assignByCli, commandMailOf, eventNow, mailText, openCommandWorld, raiseEvent, replyAddressOf, replyTo, sendRaw, sendReply, type CommandWorld, type TestTenant } from '../commands/command-world.js';
import { COLSPAN_BOMB, NESTING_BOMB, within } from '../../helpers/hostile-corpus.js';

const ANSWER_WAIT_MS = 20_000;

describe('RULE by email, under attack', () => {
  let w: CommandWorld;
  let acme: TestTenant;

  beforeEach(async () => {
    w = await openCommandWorld();
    acme = await addTestTenant(w, 'acme', 'ops@datamer.test');
    await addPerson(w, acme.id, 'alice');
  });
  afterEach(async () => {
    sinon.restore();
    await w.close();
  });

  const ruleReply = async (lines: string[], messageId: string) =>
    mailText({ from: 'alice@acme.test', to: await replyAddressOf(w, acme, 'alice', null), subject: 'Re: rules', messageId, text: `${lines.join('\n')}\n` });

  it('answers a RULE at once when HTML bombs are among the messages its preview reads', async () => {
    for (const [i, html] of [COLSPAN_BOMB, NESTING_BOMB].entries()) {
      const raw = mailText({ from: 'attacker@example.org', to: acme.address, subject: `bomb ${i}`, html, messageId: `<bomb-${i}@example.org>` });
      await sendRaw(w.port, raw, { from: 'attacker@example.org', to: [acme.address] });
    }
    await sendRaw(w.port, mailText({ from: 'cron@db1.example.com', to: acme.address, subject: 'backup failed on db1', text: 'exit 2', messageId: '<b1@db1.example.com>' }), { from: 'cron@db1.example.com', to: [acme.address] });

    const reply = await ruleReply(['RULE subject /backup failed/ => org=infra.backup severity=critical'], '<rule-1@client.acme.test>');
    expect(await within(ANSWER_WAIT_MS, sendReply(w, reply), 'the RULE reply')).to.match(/^250 /);
    const answer = await answerTo(w, acme.id, '<rule-1@client.acme.test>');
    expect(answer.text).to.match(/added; of the last 3 messages it matches 1 \(1 would be classified differently\)/);
  });

  it('handles a reply that failed half-way again when the sender retries, answers it once, and adds no rule twice', async () => {
    const lines = ['RULE subject /disk full/ => org=infra.disk', 'RULE subject /raid degraded/ => org=infra.raid', 'RULE subject /fan failed/ => org=infra.fan'];
    const reply = await ruleReply(lines, '<rules-3@client.acme.test>');
    // The database fails while the second rule is saved, once.
    const create = sinon.stub(w.db.models.Rule, 'create').callThrough();
    create.onSecondCall().rejects(new Error('connection to the database lost'));
    const refused = await sendReply(w, reply).then(() => null, (err: { responseCode?: number }) => err.responseCode);
    expect(refused).to.equal(451);
    expect(await w.db.models.Rule.count({ where: { tenantId: acme.id } })).to.equal(1);

    // The sending server tries again.
    expect(await sendReply(w, reply)).to.match(/^250 /);
    const rules = await w.db.models.Rule.findAll({ where: { tenantId: acme.id }, order: [['id', 'ASC']] });
    expect(rules.map((r) => r.actions.org)).to.deep.equal(['infra.disk', 'infra.raid', 'infra.fan']);
    const answer = await answerTo(w, acme.id, '<rules-3@client.acme.test>');
    // Answered as the first try applied it: added, not "already added".
    expect(answer.text).to.contain(`rule #${rules[0]!.id} "${rules[0]!.name}" added`);
    expect(answer.text).not.to.contain('already');
    expect(answer.text).to.match(/^DONE {2}RULE subject \/raid degraded\//m);
    expect(answer.text).to.match(/^DONE {2}RULE subject \/fan failed\//m);
    expect(await answersTo(w, acme.id, '<rules-3@client.acme.test>')).to.have.length(1);
  });

  it('a reply of several kinds of command that failed half-way: on the retry each command has acted once, and each is answered as it was applied', async () => {
    const { eventId } = await raiseEvent(w, acme, ':critical: :org:infra.disk: disk full on db1');
    const notice = await assignByCli(w, acme.id, eventId, 'alice');
    const messageId = '<mixed-1@client.acme.test>';
    const reply = replyTo(notice, { from: 'alice@acme.test', commands: 'DONE cleaned up /var/log\nRULE subject /disk full/ => org=infra.disk\nSUBSCRIBE infra.disk.* responder\nUNSUBSCRIBE infra.disk.*', messageId });
    // The database fails as the subscription is written, once: DONE and RULE have been applied.
    const create = sinon.stub(w.db.models.Subscription, 'create').callThrough();
    create.onFirstCall().rejects(new Error('connection to the database lost'));
    expect(await sendReply(w, reply).then(() => null, (err: { responseCode?: number }) => err.responseCode)).to.equal(451);
    expect(await eventNow(w, acme.id, eventId)).to.include({ status: 'completed' });
    expect((await commandMailOf(w, acme.id, messageId))!.status).to.equal('unfinished');

    expect(await sendReply(w, reply)).to.match(/^250 /);

    expect((await activitiesOf(w, acme.id, eventId)).filter((a) => a.action === 'completed')).to.have.length(1);
    expect(await w.db.models.Rule.count({ where: { tenantId: acme.id } })).to.equal(1);
    expect(await w.db.models.Subscription.count({ where: { tenantId: acme.id, orgPattern: 'infra.disk.*' } })).to.equal(0);
    const answers = await answersTo(w, acme.id, messageId);
    expect(answers).to.have.length(1);
    const text = answers[0]!.text;
    expect(text).to.match(/^DONE {2}DONE cleaned up \/var\/log\n.*event #\d+ is completed/m);
    expect(text).to.match(/^DONE {2}RULE subject \/disk full\/ => org=infra\.disk\n.*added/m);
    expect(text).to.match(/^DONE {2}SUBSCRIBE infra\.disk\.\* responder\n.*you are now a responder for infra\.disk\.\*/m);
    expect(text).to.match(/^DONE {2}UNSUBSCRIBE infra\.disk\.\*\n.*no longer subscribed/m);
    expect(text, text).not.to.contain('already');
    expect((await commandMailOf(w, acme.id, messageId))!.status).to.equal('applied');
  });
});
