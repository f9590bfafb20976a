// Engineers correcting the grouping (docs/correlation.md, "Correcting the grouping"): MERGE and
// SPLIT from the command line, what they do to the events, the messages and the notifier, what
// they keep for a learned grouping, and what they refuse.
import { expect } from 'chai';
import nodemailer from 'nodemailer';
import { changeEvent } from '../../../src/events/change.js';
import { mergeEvents, splitMessage } from '../../../src/events/corrections.js';
import { isDatamerError } from '../../../src/errors.js';
import { deliverDue } from '../../../src/notifications/outbox.js';
import { addGroup, addUser, joinGroup, subscribe } from '../../../src/people/people.js';
import { receive } from '../../../src/pipeline.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { inProcess } from '../../helpers/cli.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { notifyNow } from '../../helpers/notify.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';

const SECOND = 1000;

describe('correcting the grouping: MERGE and SPLIT', function () {
  this.timeout(30_000);
  let t: TestDb;
  let acme: number;
  let other: number;
  let counter = 0;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    t = await openTestDb('2026-11-23T08:00:00Z');
    env = { ...process.env, DATABASE_URL: t.url, DATAMER_LOG_LEVEL: 'silent' };
    acme = (await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' })).tenant.id;
    other = (await addTenant(t.deps, { name: 'other', address: 'alerts@other.test' })).tenant.id;
    for (const handle of ['alice', 'bob']) await addUser(t.deps, acme, { email: `${handle}@acme.test`, handle });
    await addGroup(t.deps, acme, 'dbas');
    await joinGroup(t.deps, acme, 'dbas', 'alice');
    await joinGroup(t.deps, acme, 'dbas', 'bob');
    await subscribe(t.deps, acme, 'dbas', 'infra.db.*', 'responder');
  });
  afterEach(() => t.dispose());

  /** A monitoring mail: stored, its own event opened. Answers the event and message ids. */
  const mse = async (tenantId: number, subject: string) => {
    // An hour apart: grouping (docs/correlation.md) would join mail of one org inside its window.
    t.clock.advance(3_600_000);
    const raw = Buffer.from(`From: nagios@monitor.test\r\nMessage-ID: <c${++counter}@monitor>\r\nSubject: ${subject}\r\n\r\nbody\r\n`);
    const [r] = await receive(t.deps, [{ tenantId, mailboxId: null, source: 'smtp', raw }]);
    return { eventId: r!.eventId!, messageId: r!.messageId };
  };
  const event = async (id: number) => (await t.db.models.Event.findByPk(id))!;
  const messagesOf = async (eventId: number) =>
    (await t.db.models.EventMessage.findAll({ where: { eventId }, order: [['messageId', 'ASC']] })).map((l) => l.messageId);
  const cli = (...args: string[]) => inProcess(env, ...args);
  const refusal = async (work: Promise<unknown>) => {
    try {
      await work;
    } catch (err) {
      if (isDatamerError(err)) return { code: err.code, message: err.message };
      throw err;
    }
    throw new Error('expected a refusal');
  };

  it('datamer event merge puts every message into the target, which keeps its assignee and takes the louder severity; the other is completed, "merged into"', async () => {
    const nfs1 = await mse(acme, ':warn: :org:infra.db: :svr:db1.acme.test: NFS stale handle on db1');
    const nfs2 = await mse(acme, ':critical: :org:infra.db: :svr:db2.acme.test: NFS server not responding on db2');
    await changeEvent(t.deps, acme, nfs1.eventId, { command: 'assign', handle: 'bob', actor: 'bob', via: 'cli' });

    const run = await cli('event', 'merge', String(nfs2.eventId), `#${nfs1.eventId}`, '--tenant', 'acme', '--as', 'alice', '--reason', 'one NFS outage');
    expect(run.stderr).to.equal('');
    expect(run.stdout).to.equal(`event #${nfs2.eventId} merged into #${nfs1.eventId}: 1 message moved; #${nfs1.eventId} is assigned to bob, severity critical\n`);

    const target = await event(nfs1.eventId);
    expect(target).to.deep.include({ status: 'assigned', severity: 'critical', org: 'infra.db', mergedIntoId: null });
    expect(target.servers).to.deep.equal(['db1.acme.test', 'db2.acme.test']);
    expect((await t.db.models.User.findByPk(target.assigneeId!))!.handle).to.equal('bob');
    expect(await messagesOf(nfs1.eventId)).to.deep.equal([nfs1.messageId, nfs2.messageId]);
    expect(await messagesOf(nfs2.eventId)).to.deep.equal([]);
    const gone = await event(nfs2.eventId);
    expect(gone).to.deep.include({ status: 'completed', mergedIntoId: nfs1.eventId });

    // Kept for the learned grouping: which messages, from which event to which, who, how, when, why.
    const [correction] = await t.db.models.EventCorrection.findAll({ where: { tenantId: acme } });
    expect(correction).to.deep.include({ kind: 'merge', fromEventId: nfs2.eventId, toEventId: nfs1.eventId, actor: 'alice', via: 'cli', reason: 'one NFS outage' });
    expect(correction!.messageIds).to.deep.equal([nfs2.messageId]);
    expect(correction!.detail).to.deep.include({ from: { ...correction!.detail.from as object, severity: 'critical', status: 'open', messages: 1 } });
    expect((correction!.detail.into as { assigneeId: number }).assigneeId).to.equal(target.assigneeId);

    // And in both activity logs, as people read them.
    const shownTarget = await cli('event', 'show', String(nfs1.eventId), '--tenant', 'acme');
    expect(shownTarget.stdout).to.match(new RegExp(`took in #${nfs2.eventId} \\(1 message\\) by alice via cli: one NFS outage\\n`));
    expect(shownTarget.stdout).to.contain('NFS stale handle on db1').and.contain('NFS server not responding on db2');
    const shownGone = await cli('event', 'show', String(nfs2.eventId), '--tenant', 'acme');
    expect(shownGone.stdout).to.contain(`, merged into #${nfs1.eventId}\n`);
    expect(shownGone.stdout).to.match(new RegExp(`merged into #${nfs1.eventId} \\(1 message\\) by alice via cli: one NFS outage\\n`));
    const json = JSON.parse((await cli('event', 'list', '--tenant', 'acme', '--json')).stdout) as Array<{ id: number; mergedInto: number | null }>;
    expect(json.find((e) => e.id === nfs2.eventId)!.mergedInto).to.equal(nfs1.eventId);
  });

  it('datamer event merge hands an unassigned target the assignee of the event merged into it, who is told; a target with its own assignee keeps them, and the log says who else was on it', async () => {
    const target = await mse(acme, ':warn: :org:infra.db: :svr:db1.acme.test: checkpoints too frequent on db1');
    const claimed = await mse(acme, ':critical: :org:infra.db: :svr:db2.acme.test: WAL archiving failed on db2');
    await changeEvent(t.deps, acme, claimed.eventId, { command: 'assign', handle: 'alice', actor: 'alice', via: 'cli' });

    const run = await cli('event', 'merge', String(claimed.eventId), String(target.eventId), '--tenant', 'acme', '--as', 'bob', '--reason', 'one WAL problem');
    expect(run.stderr).to.equal('');
    expect(run.stdout).to.equal(`event #${claimed.eventId} merged into #${target.eventId}: 1 message moved; #${target.eventId} is assigned to alice, severity critical\n`);
    const merged = await event(target.eventId);
    expect(merged).to.deep.include({ status: 'assigned', severity: 'critical' });
    expect((await t.db.models.User.findByPk(merged.assigneeId!))!.handle).to.equal('alice');
    const shown = await cli('event', 'show', String(target.eventId), '--tenant', 'acme');
    expect(shown.stdout).to.contain("  status assigned, assigned to alice at ");
    expect(shown.stdout).to.contain(`took in #${claimed.eventId} (1 message), and its assignee: now assigned to alice by bob via cli: one WAL problem\n`);
    // alice is told the event is hers now, as of any assignment someone else made.
    await notifyNow(t.deps);
    const told = await t.db.models.Notice.findAll({ where: { tenantId: acme, eventId: target.eventId, reason: 'assigned' } });
    expect(await Promise.all(told.map(async (n) => (await t.db.models.User.findByPk(n.userId!))!.handle))).to.deep.equal(['alice']);

    // Both had someone: the target's stays, and the merge says who was on the other.
    const bobs = await mse(acme, ':warn: :org:infra.db: :svr:db3.acme.test: WAL archiving slow on db3');
    await changeEvent(t.deps, acme, bobs.eventId, { command: 'assign', handle: 'bob', actor: 'bob', via: 'cli' });
    expect((await cli('event', 'merge', String(bobs.eventId), String(target.eventId), '--tenant', 'acme', '--as', 'bob')).stderr).to.equal('');
    expect((await t.db.models.User.findByPk((await event(target.eventId)).assigneeId!))!.handle).to.equal('alice');
    expect((await cli('event', 'show', String(target.eventId), '--tenant', 'acme')).stdout)
      .to.contain(`took in #${bobs.eventId} (1 message); still assigned to alice (bob was on #${bobs.eventId}) by bob via cli\n`);
    const correction = (await t.db.models.EventCorrection.findOne({ where: { tenantId: acme, fromEventId: bobs.eventId } }))!;
    expect([(correction.detail.from as { assigneeId: number }).assigneeId, (correction.detail.into as { assigneeId: number }).assigneeId])
      .to.deep.equal([(await event(bobs.eventId)).assigneeId, merged.assigneeId]);
  });

  it('an event merged away takes no command any more, and nothing merges into itself or across tenants', async () => {
    const a = await mse(acme, ':warn: :org:infra.db: disk 91% on db1');
    const b = await mse(acme, ':warn: :org:infra.db: disk 93% on db1');
    const theirs = await mse(other, ':warn: :org:infra.db: disk 95% on db9');
    await mergeEvents(t.deps, acme, b.eventId, a.eventId, { actor: 'alice', via: 'cli', reason: null });

    const reopen = await cli('event', 'reopen', String(b.eventId), '--tenant', 'acme');
    expect(reopen.code).to.not.equal(0);
    expect(reopen.stderr).to.contain(`event #${b.eventId} cannot be reopened: it was merged into #${a.eventId}; act on #${a.eventId} instead`);
    expect((await refusal(mergeEvents(t.deps, acme, b.eventId, a.eventId, { actor: 'alice', via: 'cli', reason: null }))).message).to.contain(`merged into #${a.eventId}`);
    expect((await refusal(mergeEvents(t.deps, acme, a.eventId, b.eventId, { actor: 'alice', via: 'cli', reason: null }))).message).to.contain(`merged into #${a.eventId}`);
    expect(await refusal(mergeEvents(t.deps, acme, a.eventId, a.eventId, { actor: 'alice', via: 'cli', reason: null }))).to.deep.equal({
      code: 'INPUT_INVALID', message: `event #${a.eventId} cannot be merged into itself`,
    });
    // Another tenant's event is not there at all, either way round.
    const across = await cli('event', 'merge', String(a.eventId), String(theirs.eventId), '--tenant', 'acme');
    expect(across.stderr).to.contain(`no event #${theirs.eventId}`);
    expect(await refusal(mergeEvents(t.deps, other, theirs.eventId, a.eventId, { actor: 'x', via: 'cli', reason: null }))).to.deep.equal({ code: 'NOT_FOUND', message: `no event #${a.eventId}` });
    expect(await messagesOf(theirs.eventId)).to.deep.equal([theirs.messageId]);
    expect(await t.db.models.EventCorrection.count()).to.equal(1);
  });

  it('open mail is not merged into a completed event; reopen it first', async () => {
    const done = await mse(acme, ':warn: :org:infra.db: backup failed on db1');
    const open = await mse(acme, ':warn: :org:infra.db: backup failed on db1 again');
    await changeEvent(t.deps, acme, done.eventId, { command: 'complete', actor: 'alice', via: 'cli' });
    const run = await cli('event', 'merge', String(open.eventId), String(done.eventId), '--tenant', 'acme');
    expect(run.stderr).to.contain(`event #${done.eventId} cannot be merged into: it is completed and the other is not; reopen it first`);
    expect(await messagesOf(open.eventId)).to.deep.equal([open.messageId]);
    expect((await event(open.eventId)).status).to.equal('open');
    expect(await t.db.models.Activity.count({ where: { eventId: open.eventId } })).to.equal(0);
  });

  it('datamer event split takes one message out into an event of its own; the event it leaves keeps the severity of what it keeps', async () => {
    const a = await mse(acme, ':warn: :org:infra.db: :svr:db1.acme.test: NFS stale handle on db1');
    const b = await mse(acme, ':critical: :org:infra.web: :svr:web1.acme.test: certificate expired on web1');
    const c = await mse(acme, ':warn: :org:infra.db: :svr:db2.acme.test: NFS stale handle on db2');
    await mergeEvents(t.deps, acme, b.eventId, a.eventId, { actor: 'alice', via: 'cli', reason: null });
    await mergeEvents(t.deps, acme, c.eventId, a.eventId, { actor: 'alice', via: 'cli', reason: null });
    await changeEvent(t.deps, acme, a.eventId, { command: 'assign', handle: 'bob', actor: 'bob', via: 'cli' });
    expect((await event(a.eventId)).severity).to.equal('critical');

    const run = await cli('event', 'split', String(a.eventId), String(b.messageId), '--tenant', 'acme', '--as', 'bob', '--reason', 'the certificate is another problem');
    expect(run.stderr).to.equal('');
    const created = /into event #(\d+) \(open\)\n$/.exec(run.stdout);
    expect(created, run.stdout).to.not.equal(null);
    const splitId = Number(created![1]);
    expect(await messagesOf(a.eventId)).to.deep.equal([a.messageId, c.messageId]);
    expect(await messagesOf(splitId)).to.deep.equal([b.messageId]);
    const left = await event(a.eventId);
    expect(left).to.deep.include({ status: 'assigned', severity: 'warn' });
    expect(left.servers).to.deep.equal(['db1.acme.test', 'db2.acme.test']);
    const own = await event(splitId);
    expect(own).to.deep.include({ kind: 'message', status: 'open', assigneeId: null, severity: 'critical', org: 'infra.web', triage: false });
    expect(own.title).to.equal(':critical: :org:infra.web: :svr:web1.acme.test: certificate expired on web1');
    expect(own.servers).to.deep.equal(['web1.acme.test']);

    const correction = (await t.db.models.EventCorrection.findOne({ where: { tenantId: acme, kind: 'split' } }))!;
    expect(correction).to.deep.include({ fromEventId: a.eventId, toEventId: splitId, actor: 'bob', via: 'cli', reason: 'the certificate is another problem' });
    expect(correction.messageIds).to.deep.equal([b.messageId]);
    const shown = await cli('event', 'show', String(splitId), '--tenant', 'acme');
    expect(shown.stdout).to.contain(`split from #${a.eventId} (message ${b.messageId}) by bob via cli: the certificate is another problem`);
    const shownLeft = await cli('event', 'show', String(a.eventId), '--tenant', 'acme');
    expect(shownLeft.stdout).to.contain(`message ${b.messageId} split out into #${splitId} by bob via cli`);
  });

  it('refuses to split the last message of an event, a message of another event, and another tenant\'s, with clear errors', async () => {
    const a = await mse(acme, ':warn: :org:infra.db: load 12 on db1');
    const b = await mse(acme, ':warn: :org:infra.db: load 14 on db1');
    const lone = await mse(acme, ':warn: :org:infra.db: load 3 on db7');
    const theirs = await mse(other, ':warn: :org:infra.db: load 20 on db9');
    await mergeEvents(t.deps, acme, b.eventId, a.eventId, { actor: 'alice', via: 'cli', reason: null });

    const last = await cli('event', 'split', String(lone.eventId), String(lone.messageId), '--tenant', 'acme');
    expect(last.code).to.not.equal(0);
    expect(last.stderr).to.contain(`message ${lone.messageId} is the only message of event #${lone.eventId}: there is nothing to split it from`);
    const elsewhere = await cli('event', 'split', String(a.eventId), String(lone.messageId), '--tenant', 'acme');
    expect(elsewhere.stderr).to.contain(`message ${lone.messageId} is not in event #${a.eventId} (it is in #${lone.eventId})`);
    expect(await refusal(splitMessage(t.deps, acme, a.eventId, theirs.messageId, { actor: 'alice', via: 'cli', reason: null }))).to.deep.equal({
      code: 'NOT_FOUND', message: `no message ${theirs.messageId}`,
    });
    expect(await refusal(splitMessage(t.deps, other, a.eventId, a.messageId, { actor: 'x', via: 'cli', reason: null }))).to.deep.equal({ code: 'NOT_FOUND', message: `no event #${a.eventId}` });
    const notANumber = await cli('event', 'split', String(a.eventId), 'abc', '--tenant', 'acme');
    expect(notANumber.stderr).to.contain('"abc" is not a message id');
    expect(await messagesOf(a.eventId)).to.deep.equal([a.messageId, b.messageId]);
    expect(await t.db.models.EventCorrection.count({ where: { kind: 'split' } })).to.equal(0);
    expect(await t.db.models.Event.count({ where: { tenantId: acme } })).to.equal(3);
  });

  it('a message split out of a completed event makes a completed event: correcting history reopens nothing', async () => {
    const a = await mse(acme, ':warn: :org:infra.db: replication lag on db1');
    const b = await mse(acme, ':info: :org:infra.db: vacuum done on db1');
    await mergeEvents(t.deps, acme, b.eventId, a.eventId, { actor: 'alice', via: 'cli', reason: null });
    await changeEvent(t.deps, acme, a.eventId, { command: 'complete', actor: 'alice', via: 'cli' });
    const split = await splitMessage(t.deps, acme, a.eventId, b.messageId, { actor: 'alice', via: 'cli', reason: 'routine mail' });
    expect(split.into.status).to.equal('completed');
    expect(split.from.status).to.equal('completed');
    const log = await t.db.models.Activity.findAll({ where: { eventId: split.into.id }, order: [['id', 'ASC']] });
    expect(log.map((l) => l.action)).to.deep.equal(['split-from', 'completed']);
  });

  describe('and the notifier', () => {
    let sink: SmtpSink;
    beforeEach(async () => {
      sink = await startSmtpSink();
    });
    afterEach(() => sink.close());

    const run = async () => {
      const before = sink.mails.length;
      await notifyNow(t.deps);
      await deliverDue(t.deps, nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true }), 'test');
      return sink.mails.slice(before);
    };

    it('a merge alerts nobody anew, not even when it makes the target louder; mail told on the merged event is not told again', async () => {
      const warn = await mse(acme, ':warn: :org:infra.db.pg: replication lag on pg1');
      const critical = await mse(acme, ':critical: :org:infra.db.pg: replication broken on pg2');
      t.clock.advance(31 * SECOND);
      expect(await run()).to.have.length(2); // one mail each to alice and bob, listing both events
      t.clock.advance(60 * SECOND);

      await mergeEvents(t.deps, acme, critical.eventId, warn.eventId, { actor: 'alice', via: 'email', reason: null });
      expect((await event(warn.eventId)).severity).to.equal('critical');
      t.clock.advance(60 * SECOND);
      expect(await run()).to.deep.equal([]);
      // The repeat of the unassigned target still runs; the merged-away event repeats no more.
      const states = await t.db.models.EventAlert.findAll({ where: { tenantId: acme }, order: [['eventId', 'ASC']] });
      expect(states.map((s) => [s.eventId, s.toldSeverity, s.repeatAt !== null])).to.deep.equal([[warn.eventId, 'critical', true], [critical.eventId, 'critical', false]]);
    });

    it('a message split out of an event is news: its own event alerts its responders once', async () => {
      const a = await mse(acme, ':warn: :org:infra.db.pg: replication lag on pg1');
      const b = await mse(acme, ':critical: :org:infra.db.pg: disk failed on pg3');
      await mergeEvents(t.deps, acme, b.eventId, a.eventId, { actor: 'alice', via: 'cli', reason: null });
      await changeEvent(t.deps, acme, a.eventId, { command: 'assign', handle: 'alice', actor: 'alice', via: 'cli' });
      t.clock.advance(31 * SECOND);
      await run();
      const split = await splitMessage(t.deps, acme, a.eventId, b.messageId, { actor: 'alice', via: 'cli', reason: 'another disk' });
      t.clock.advance(31 * SECOND);
      const mails = await run();
      expect(mails.map((m) => m.envelope.to.join(',')).sort()).to.deep.equal(['alice@acme.test', 'bob@acme.test']);
      for (const mail of mails) expect(mail.parsed.subject).to.equal(`CRITICAL open: disk failed on pg3 [DaTamer #${split.into.id}]`);
      t.clock.advance(60 * SECOND);
      expect(await run()).to.deep.equal([]);
    });
  });
});
