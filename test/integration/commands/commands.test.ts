// Every command an engineer can write in a reply, sent to DaTamer's own SMTP listener: what
// changes (the event, the rules, the subscriptions, the activity log) and what DaTamer answers.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HELP_TEXT } from '../../../src/commands/grammar.js';
import { projectRoot } from '../../../src/paths.js';
import { audienceFor } from '../../../src/people/people.js';
import type { OutboxMail } from '../../../models/index.js';
import { notifyNow } from '../../helpers/notify.js';
import {
  activitiesOf,
  addPerson,
  addTestTenant,
  answerTo,
  assignByCli,
  commandMailOf,
  eventNow,
  freshId,
  handleOf,
  mailText,
  openCommandWorld,
  raiseEvent,
  replyAddressOf,
  replyTo,
  sendReply,
  type CommandWorld,
  type TestTenant,
} from './command-world.js';

describe('commands by email, one by one', function () {
  this.timeout(30_000);
  let w: CommandWorld;
  let acme: TestTenant;
  let alice: number;
  let bob: number;

  before(async () => {
    w = await openCommandWorld();
    acme = await addTestTenant(w, 'acme', 'ops@datamer.test');
    alice = (await addPerson(w, acme.id, 'alice')).id;
    bob = (await addPerson(w, acme.id, 'bob')).id;
    await addPerson(w, acme.id, 'carol');
  });

  after(async () => {
    await w?.close();
  });

  /** alice's reply to a notice of DaTamer; returns DaTamer's answer. */
  async function answerToReply(notice: OutboxMail, commands: string, from = 'Alice <alice@acme.test>'): Promise<OutboxMail> {
    const messageId = freshId('reply');
    await sendReply(w, replyTo(notice, { from, commands, messageId }));
    return answerTo(w, acme.id, messageId);
  }

  /** A reply that is not to a DaTamer mail: sent to the user's reply address (the event in it, or none). */
  async function command(handle: string, eventId: number | null, commands: string, extra: { inReplyTo?: string } = {}): Promise<{ answer: OutboxMail; messageId: string }> {
    const messageId = freshId(`${handle}-command`);
    const raw = mailText({
      from: `${handle}@acme.test`,
      to: await replyAddressOf(w, acme, handle, eventId),
      subject: 'Re: your alert',
      messageId,
      text: `${commands}\n\nOn Mon, 23 Nov 2026 at 08:00, Nagios <nagios@monitor.example.com> wrote:\n> the alert\n`,
      ...extra,
    });
    await sendReply(w, raw);
    return { answer: await answerTo(w, acme.id, messageId), messageId };
  }

  describe('on an event', () => {
    it('ASSIGN in a reply to the monitoring mail takes the event: assigned to alice, via email, and her answer says so', async () => {
      const mse = await raiseEvent(w, acme, ':warn: :org:infra.db: slow queries on db2');
      // The reply address names no event: the monitoring mail it answers does.
      const { answer, messageId } = await command('alice', null, 'ASSIGN', { inReplyTo: mse.messageIdHeader });
      const event = await eventNow(w, acme.id, mse.eventId);
      expect(event.status).to.equal('assigned');
      expect(event.assigneeId).to.equal(alice);
      const [activity] = await activitiesOf(w, acme.id, mse.eventId);
      expect(activity).to.include({ action: 'assigned', actor: 'alice', via: 'email' });
      expect(answer.toAddresses).to.deep.equal(['alice@acme.test']);
      expect(answer.headers['In-Reply-To']).to.equal(messageId);
      expect(answer.headers['Auto-Submitted']).to.equal('auto-replied');
      expect(answer.text).to.match(/^DONE {2}ASSIGN$/m);
      expect(answer.text).to.contain(`event #${mse.eventId} is assigned to alice`);
      expect(answer.text).to.not.contain('DaTamer commands by email'); // no HELP when all went well
      expect((await commandMailOf(w, acme.id, messageId))!.status).to.equal('applied');
    });

    it('answering DaTamer\'s answer keeps one "Re:" in the subject, round after round', async () => {
      const { eventId } = await raiseEvent(w, acme, ':warn: :org:infra.db: disk filling on db9');
      const { answer } = await command('alice', eventId, 'ASSIGN');
      expect(answer.subject).to.equal(`[DaTamer #${eventId}] Re: your alert`);
      const second = await answerToReply(answer, 'UNASSIGN');
      expect(second.subject).to.equal(`[DaTamer #${eventId}] Re: your alert`);
      const third = await answerToReply(second, 'ASSIGN');
      expect(third.subject).to.equal(`[DaTamer #${eventId}] Re: your alert`);
    });

    it('ASSIGN bob gives the event to bob, who is sent an assignment notice with his own reply address', async () => {
      const { eventId } = await raiseEvent(w, acme, ':crit: :org:infra.db: replication broken on db3');
      const { answer } = await command('alice', eventId, 'ASSIGN bob');
      const event = await eventNow(w, acme.id, eventId);
      expect(event.status).to.equal('assigned');
      expect(await handleOf(w, event.assigneeId)).to.equal('bob');
      expect((await activitiesOf(w, acme.id, eventId))[0]).to.include({ action: 'assigned', actor: 'alice', via: 'email' });
      expect(answer.text).to.contain(`event #${eventId} is assigned to bob`);
      await notifyNow(w.deps);
      const notice = await w.db.models.OutboxMail.findOne({ where: { tenantId: acme.id, eventId, kind: 'assignment' } });
      expect(notice!.toAddresses).to.deep.equal(['bob@acme.test']);
      expect(notice!.text).to.contain('alice assigned event');
      expect(notice!.headers['Reply-To']).to.equal(await replyAddressOf(w, acme, 'bob', eventId));
    });

    it('UNASSIGN gives the event back: open, nobody assigned', async () => {
      const { eventId } = await raiseEvent(w, acme, ':warn: :org:infra.db: vacuum late on db4');
      const notice = await assignByCli(w, acme.id, eventId, 'alice');
      const answer = await answerToReply(notice, 'UNASSIGN');
      const event = await eventNow(w, acme.id, eventId);
      expect(event.status).to.equal('open');
      expect(event.assigneeId).to.equal(null);
      expect((await activitiesOf(w, acme.id, eventId)).map((a) => [a.action, a.actor, a.via])).to.deep.equal([
        ['assigned', 'carol', 'cli'],
        ['unassigned', 'alice', 'email'],
      ]);
      expect(answer.text).to.contain(`event #${eventId} is open`);
    });

    it('DONE with a note completes the event and keeps the note in the activity log', async () => {
      const { eventId } = await raiseEvent(w, acme, ':crit: :org:infra.db: disk full on db5');
      const notice = await assignByCli(w, acme.id, eventId, 'alice');
      const answer = await answerToReply(notice, 'done freed 40 GB in /var/log');
      const event = await eventNow(w, acme.id, eventId);
      expect(event.status).to.equal('completed');
      expect(event.completedAt).to.not.equal(null);
      const completed = (await activitiesOf(w, acme.id, eventId)).find((a) => a.action === 'completed')!;
      expect(completed).to.include({ actor: 'alice', via: 'email' });
      expect(completed.detail).to.include({ note: 'freed 40 GB in /var/log' });
      expect(answer.text).to.match(/^DONE {2}done freed 40 GB in \/var\/log$/m);
      expect(answer.text).to.contain(`Now: event #${eventId} "`);
      expect(answer.text).to.contain('is completed');
    });

    it('REOPEN opens a completed event again, back with whoever handled it', async () => {
      const { eventId } = await raiseEvent(w, acme, ':warn: :org:infra.db: backup slow on db6');
      const notice = await assignByCli(w, acme.id, eventId, 'bob');
      await answerToReply(notice, 'DONE', 'Bob <bob@acme.test>');
      expect((await eventNow(w, acme.id, eventId)).status).to.equal('completed');
      const answer = await answerToReply(notice, 'REOPEN', 'Bob <bob@acme.test>');
      const event = await eventNow(w, acme.id, eventId);
      expect(event.status).to.equal('assigned');
      expect(event.assigneeId).to.equal(bob);
      expect(event.completedAt).to.equal(null);
      expect((await activitiesOf(w, acme.id, eventId)).at(-1)).to.include({ action: 'reopened', actor: 'bob', via: 'email' });
      expect(answer.toAddresses).to.deep.equal(['bob@acme.test']);
      expect(answer.text).to.contain(`event #${eventId} is assigned to bob`);
    });

    it('several commands in one reply are applied in the order written', async () => {
      const { eventId } = await raiseEvent(w, acme, ':crit: :org:infra.power: PSU failed on rack 7');
      const { answer } = await command('alice', eventId, 'ASSIGN bob\nDONE swapped the PSU\nREOPEN\nThanks,\nAlice');
      expect((await activitiesOf(w, acme.id, eventId)).map((a) => [a.action, a.actor])).to.deep.equal([
        ['assigned', 'alice'],
        ['completed', 'alice'],
        ['reopened', 'alice'],
      ]);
      const event = await eventNow(w, acme.id, eventId);
      expect(event.status).to.equal('assigned');
      expect(event.assigneeId).to.equal(bob);
      // The answer lists them in the same order; the greeting below them was not a command.
      const lines = answer.text.split('\n').filter((l) => /^(NOT )?DONE {2}/.test(l));
      expect(lines).to.deep.equal(['DONE  ASSIGN bob', 'DONE  DONE swapped the PSU', 'DONE  REOPEN']);
    });

    it('a command that cannot apply is answered NOT DONE with the reason and the HELP text; the next one still runs', async () => {
      const { eventId } = await raiseEvent(w, acme, ':warn: :org:infra.db: long transaction on db7');
      const { answer, messageId } = await command('alice', eventId, 'UNASSIGN\nASSIGN');
      const event = await eventNow(w, acme.id, eventId);
      expect(event.status).to.equal('assigned');
      expect(event.assigneeId).to.equal(alice);
      expect(answer.text).to.match(/^NOT DONE {2}UNASSIGN$/m);
      expect(answer.text).to.contain(`event #${eventId} cannot be unassigned: it is open, not assigned`);
      expect(answer.text).to.match(/^DONE {2}ASSIGN$/m);
      expect(answer.text).to.contain(HELP_TEXT);
      expect((await commandMailOf(w, acme.id, messageId))!.status).to.equal('refused');
    });

    it('an unknown handle and a mistyped command are answered with the problem, and nothing changes', async () => {
      const { eventId } = await raiseEvent(w, acme, ':warn: :org:infra.db: autovacuum off on db8');
      const { answer } = await command('alice', eventId, 'ASSIGN zed\nDOEN');
      expect(await eventNow(w, acme.id, eventId)).to.include({ status: 'open', assigneeId: null });
      expect(await activitiesOf(w, acme.id, eventId)).to.have.length(0);
      expect(answer.text).to.contain('no user with handle "zed"');
      expect(answer.text).to.contain('unknown command "DOEN": did you mean DONE?');
      expect(answer.text).to.contain(HELP_TEXT);
    });

    it('a command about an event, in a reply that names none, is answered "no event found"', async () => {
      const { answer } = await command('alice', null, 'DONE');
      expect(answer.text).to.match(/^NOT DONE {2}DONE$/m);
      expect(answer.text).to.contain('no event found for this reply');
      expect(answer.eventId).to.equal(null);
    });

    it('a reply whose first line is not a command is answered "no command found" with the HELP text', async () => {
      const { eventId } = await raiseEvent(w, acme, ':warn: :org:infra.db: checkpoint slow on db9');
      const { answer } = await command('alice', eventId, 'Thanks, I will look at it\nASSIGN');
      expect(await eventNow(w, acme.id, eventId)).to.include({ status: 'open' });
      expect(answer.text).to.contain('no command found');
      expect(answer.text).to.contain(HELP_TEXT);
    });
  });

  describe('RULE', () => {
    let rules: TestTenant;

    before(async () => {
      // A tenant of its own, so the preview counts only this test's messages.
      rules = await addTestTenant(w, 'rules', 'rules@datamer.test');
      await addPerson(w, rules.id, 'alice');
    });

    async function ruleCommand(line: string): Promise<OutboxMail> {
      const messageId = freshId('rule');
      await sendReply(w, mailText({ from: 'alice@acme.test', to: await replyAddressOf(w, rules, 'alice', null), subject: 'Re: rules', messageId, text: `${line}\n` }));
      return answerTo(w, rules.id, messageId);
    }

    it('adds the rule, answers with how many recent messages it matches, and classifies the next matching message by it', async () => {
      await raiseEvent(w, rules, 'backup failed on db1.acme.test');
      await raiseEvent(w, rules, 'backup failed on db2.acme.test');
      await raiseEvent(w, rules, 'backup finished on db3.acme.test');

      const answer = await ruleCommand('RULE subject /backup failed on (?P<host>\\S+)/ => org=infra.backup severity=critical svr=$host');
      const rule = await w.db.models.Rule.findOne({ where: { tenantId: rules.id } });
      expect(rule, 'the rule').to.not.equal(null);
      expect(rule!.enabled).to.equal(true);
      expect(answer.text).to.match(/^DONE {2}RULE subject \/backup failed on/m);
      expect(answer.text).to.contain(`rule #${rule!.id} "email: subject /backup failed on (?P<host>\\S+)/" added; of the last 3 messages it matches 2 (2 would be classified differently)`);
      // The site's trail shows who added it, by reply, as it shows a rule added there.
      const trail = await w.db.models.Activity.findAll({ where: { tenantId: rules.id, eventId: null, action: 'rule-added' } });
      expect(trail.map((a) => ({ actor: a.actor, via: a.via, id: (a.detail as { id?: number }).id }))).to.deep.equal([{ actor: 'alice', via: 'email', id: rule!.id }]);

      const next = await raiseEvent(w, rules, 'backup failed on db9.acme.test');
      const event = await eventNow(w, rules.id, next.eventId);
      expect(event).to.include({ org: 'infra.backup', severity: 'critical' });
      expect(event.servers).to.deep.equal(['db9.acme.test']);
    });

    it('refuses an expression RE2 cannot compile, in RE2\'s words, and adds nothing', async () => {
      const before = await w.db.models.Rule.count({ where: { tenantId: rules.id } });
      const answer = await ruleCommand('RULE subject /disk (full/ => org=infra.disk');
      expect(answer.text).to.match(/^NOT DONE {2}RULE subject \/disk \(full\//m);
      expect(answer.text).to.contain('RULE: ');
      expect(answer.text).to.contain(HELP_TEXT);
      expect(await w.db.models.Rule.count({ where: { tenantId: rules.id } })).to.equal(before);
    });
  });

  describe('SUBSCRIBE and UNSUBSCRIBE', () => {
    it('SUBSCRIBE makes alice a responder for the orgs of the pattern; UNSUBSCRIBE ends it', async () => {
      expect((await audienceFor(w.deps, acme.id, 'infra.db.pg')).responders).to.not.include(alice);
      const subscribed = await command('alice', null, 'SUBSCRIBE infra.db.* responder\nSUBSCRIBE infra.web interested');
      expect(subscribed.answer.text).to.contain('you are now a responder for infra.db.*');
      expect(subscribed.answer.text).to.contain('you are now interested in infra.web');
      expect((await audienceFor(w.deps, acme.id, 'infra.db.pg')).responders).to.include(alice);
      const web = await audienceFor(w.deps, acme.id, 'infra.web');
      expect(web.interested).to.include(alice);
      expect(web.responders).to.not.include(alice);

      const unsubscribed = await command('alice', null, 'UNSUBSCRIBE infra.db.*');
      expect(unsubscribed.answer.text).to.contain('you are no longer subscribed to infra.db.*');
      expect((await audienceFor(w.deps, acme.id, 'infra.db.pg')).interested).to.not.include(alice);
      expect((await audienceFor(w.deps, acme.id, 'infra.web')).interested).to.include(alice);
      const trail = await w.db.models.Activity.findAll({ where: { tenantId: acme.id, eventId: null, actor: 'alice', via: 'email' }, order: [['id', 'ASC']] });
      expect(trail.map((a) => [a.action, (a.detail as { pattern?: string }).pattern])).to.deep.equal([
        ['subscription-added', 'infra.db.*'], ['subscription-added', 'infra.web'], ['subscription-removed', 'infra.db.*'],
      ]);
    });

    it('UNSUBSCRIBE from a pattern alice never subscribed to is answered with the problem', async () => {
      const { answer } = await command('alice', null, 'UNSUBSCRIBE infra.mail.*');
      expect(answer.text).to.match(/^NOT DONE {2}UNSUBSCRIBE infra\.mail\.\*$/m);
      expect(answer.text).to.contain('you have no subscription of your own to infra.mail.*');
    });
  });

  describe('HELP', () => {
    it('answers with the whole reference, and changes nothing', async () => {
      const { eventId } = await raiseEvent(w, acme, ':info: :org:infra.db: stats refreshed on db10');
      const { answer } = await command('alice', eventId, 'HELP');
      expect(answer.text).to.contain(HELP_TEXT);
      expect(answer.html).to.contain('DaTamer commands by email');
      expect(await activitiesOf(w, acme.id, eventId)).to.have.length(0);
    });

    it('teaches what docs/commands.md says: the reference reproduces it word for word', () => {
      expect(readFileSync(path.join(projectRoot, 'docs', 'commands.md'), 'utf8')).to.contain(HELP_TEXT);
    });
  });
});
