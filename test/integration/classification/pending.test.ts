// Classification can never cost a message: when it fails, the message is stored alone before the
// 250, and processPending() (a job at start and every minute) finishes it once it can.
import { expect } from 'chai';
import sinon from 'sinon';
import * as events from '../../../src/events/create.js';
import * as commitRows from '../../../src/ingest/commit-rows.js';
import * as ruleStore from '../../../src/classification/rule-store.js';
import { addRule } from '../../../src/classification/rule-store.js';
import { processPending, receive } from '../../../src/pipeline.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';

describe('a message that could not be classified', () => {
  let t: TestDb;
  let tenantId: number;

  beforeEach(async () => {
    t = await openTestDb();
    tenantId = (await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' })).tenant.id;
  });
  afterEach(async () => {
    sinon.restore();
    await t.dispose();
  });

  const raw = Buffer.from('From: cron@db1\r\nMessage-ID: <p1@test>\r\nSubject: :critical: :org:ops.db: replication broken\r\n\r\nlag\r\n');

  it('is stored anyway, unclassified and without an event, and finished later', async () => {
    // Fault injection: storing it with its classification fails while this message arrives
    // (a bug, for instance), and so does making its event afterwards.
    const failingCommit = sinon.stub(commitRows, 'classifiedMessageRow').throws(new Error('injected failure'));
    const failing = sinon.stub(events, 'ormGroupingWriter').throws(new Error('injected failure'));
    const [r] = await receive(t.deps, [{ tenantId, mailboxId: null, raw, source: 'smtp' }]);
    failingCommit.restore();
    expect(r).to.deep.include({ duplicateOf: null, eventId: null, outcome: null });
    const stored = await t.db.models.Message.findByPk(r!.messageId);
    expect(stored).to.deep.include({ subject: ':critical: :org:ops.db: replication broken', classifiedAt: null });
    expect(await t.db.models.Event.count()).to.equal(0);

    // Still failing: nothing to do yet, and nothing lost.
    expect(await processPending(t.deps)).to.equal(0);
    failing.restore();
    expect(await processPending(t.deps)).to.equal(1);

    const done = await t.db.models.Message.findByPk(r!.messageId);
    expect(done).to.deep.include({ severity: 'critical', org: 'ops.db', classifiedBy: 'tag' });
    const link = await t.db.models.EventMessage.findOne({ where: { messageId: r!.messageId } });
    expect((await t.db.models.Event.findByPk(link!.eventId))!).to.deep.include({ org: 'ops.db', severity: 'critical' });
    // Running it again finds nothing left and makes no second event.
    expect(await processPending(t.deps)).to.equal(0);
    expect(await t.db.models.Event.count()).to.equal(1);

    // A re-delivery of it belongs to the event it got.
    const [again] = await receive(t.deps, [{ tenantId, mailboxId: null, raw, source: 'smtp' }]);
    expect(again).to.deep.include({ duplicateOf: r!.messageId, eventId: link!.eventId });
  });

  it('skips a rule the engine cannot compile, and the other rules still classify', async () => {
    const now = t.clock.now();
    // A rule row saved around the checks (edited by hand, or by an older version).
    await t.db.models.Rule.create({
      tenantId, name: 'broken', position: 1, enabled: true, conditions: [{ field: 'subject', pattern: '(unclosed' }],
      actions: { org: 'never' }, continue: false, override: false, createdBy: 'test', createdAt: now, updatedAt: now,
    });
    await addRule(t.deps, tenantId, { name: 'replication', conditions: [{ field: 'subject', pattern: 'replication' }], actions: { servers: ['db1.example.com'] } }, 'alice');
    const [r] = await receive(t.deps, [{ tenantId, mailboxId: null, raw, source: 'smtp' }]);
    expect(r!.eventId).not.to.equal(null);
    const m = await t.db.models.Message.findByPk(r!.messageId);
    expect(m!.servers).to.deep.equal(['db1.example.com']);
    expect(m!.org).to.equal('ops.db');
  });

  it('is tried a bounded number of times, then left alone', async () => {
    sinon.stub(commitRows, 'classifiedMessageRow').throws(new Error('injected failure'));
    const failing = sinon.stub(events, 'ormGroupingWriter').throws(new Error('injected failure'));
    const [r] = await receive(t.deps, [{ tenantId, mailboxId: null, raw, source: 'smtp' }]);
    for (let run = 0; run < 3; run++) expect(await processPending(t.deps, { attempts: 3 })).to.equal(0);
    expect(failing.callCount).to.equal(3);
    // A fourth run does not try it again, and neither does any later one.
    expect(await processPending(t.deps, { attempts: 3 })).to.equal(0);
    expect(failing.callCount).to.equal(3);
    expect(await t.db.models.Message.findByPk(r!.messageId)).to.deep.include({ classifiedAt: null, classifyAttempts: 3 });
  });

  it('gets its event unclassified, with a note, when its last attempt still cannot classify it', async () => {
    sinon.stub(commitRows, 'classifiedMessageRow').throws(new Error('injected failure'));
    // The rules cannot be read: classification itself fails on every attempt.
    const [r] = await receive(t.deps, [{ tenantId, mailboxId: null, raw, source: 'smtp' }]);
    const ruleSet = sinon.stub(ruleStore, 'tenantRuleSet').rejects(new Error('injected failure'));
    expect(await processPending(t.deps, { attempts: 2 })).to.equal(0);
    expect(await processPending(t.deps, { attempts: 2 })).to.equal(1);
    expect(ruleSet.callCount).to.equal(2);
    const m = await t.db.models.Message.findByPk(r!.messageId);
    expect(m).to.deep.include({ severity: null, org: null, classifiedBy: 'none', classifyAttempts: 2 });
    expect(m!.classificationNote).to.match(/not classified: it could not be classified in 2 attempts/);
    expect(await t.db.models.EventMessage.count({ where: { messageId: r!.messageId } })).to.equal(1);
    expect(await processPending(t.deps, { attempts: 2 })).to.equal(0);
  });
});
