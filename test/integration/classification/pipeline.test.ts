import { expect } from 'chai';
import { previewRule } from '../../../src/classification/preview.js';
import { reclassify } from '../../../src/classification/reclassify.js';
import { addRule, findRule, setRuleEnabled, type RuleDraft } from '../../../src/classification/rule-store.js';
import { isDatamerError } from '../../../src/errors.js';
import { MAX_COMMIT, receive } from '../../../src/pipeline.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';

let counter = 0;
function mse(subject: string, body = 'details', headers: Record<string, string> = {}): Buffer {
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return Buffer.from(`From: cron@db1.example.com\r\nTo: alerts@acme.test\r\nMessage-ID: <m${counter++}@test>\r\nSubject: ${subject}\r\n${extra}\r\n${body}\r\n`);
}

describe('classification in the pipeline', () => {
  let t: TestDb;
  let tenantId: number;
  const deliver = async (raw: Buffer) => (await receive(t.deps, [{ tenantId, mailboxId: null, raw, source: 'import' }]))[0]!;
  const message = (id: number) => t.db.models.Message.findByPk(id);
  const eventOf = async (messageId: number) => {
    const link = await t.db.models.EventMessage.findOne({ where: { messageId } });
    return t.db.models.Event.findByPk(link!.eventId);
  };

  beforeEach(async () => {
    t = await openTestDb();
    tenantId = (await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' })).tenant.id;
  });
  afterEach(() => t.dispose());

  // 1,757 messages: more than one PostgreSQL statement can bind (65,535 parameters).
  it('a delivery bigger than one statement holds (an IMAP backlog batch) is classified whole, each message with its event', async () => {
    const raws = Array.from({ length: 7 * MAX_COMMIT + 7 }, (_, n) => mse(`:warn: :org:acme.db: lock wait ${n}`));
    const received = await receive(t.deps, raws.map((raw) => ({ tenantId, mailboxId: null, raw, source: 'imap' as const })));
    expect(received).to.have.length(raws.length);
    expect(received.every((r) => r.eventId !== null && r.outcome?.classification.org === 'acme.db')).to.equal(true);
    expect(await t.db.models.Message.count({ where: { tenantId, org: 'acme.db' } })).to.equal(raws.length);
    expect(await t.db.models.Event.count({ where: { tenantId } })).to.equal(raws.length);
  });

  it('classifies by the sender\'s tags and makes one event carrying them', async () => {
    const r = await deliver(mse(':critical: backup of db1 FAILED :org:datamer.data.db.olap:', 'exit 2\n:svr:db1.example.com\n:sched-perday-1/0:\n:org::'));
    const m = (await message(r.messageId))!;
    expect(m).to.deep.include({ severity: 'critical', org: 'datamer.data.db.olap', classifiedBy: 'tag' });
    expect(m.servers).to.deep.equal(['db1.example.com']);
    expect(m.schedule).to.deep.equal({ period: 'day', n: 1, v: 0 });
    expect(m.tagWarnings).to.deep.equal([{ tag: ':org::', where: 'body', problem: 'org tag is empty' }]);
    const e = (await eventOf(r.messageId))!;
    expect(r.eventId).to.equal(e.id);
    expect(e).to.deep.include({ kind: 'message', status: 'open', title: ':critical: backup of db1 FAILED :org:datamer.data.db.olap:', severity: 'critical', org: 'datamer.data.db.olap', triage: false });
    expect(e.servers).to.deep.equal(['db1.example.com']);
    expect(e.createdAt.toISOString()).to.equal(t.clock.now().toISOString());
  });

  it('makes an event for an unclassified message too, flagged for triage', async () => {
    const r = await deliver(mse('Cron <root@db1> /usr/local/bin/rotate-logs'));
    expect((await message(r.messageId))!.classifiedBy).to.equal('none');
    expect((await eventOf(r.messageId))!).to.deep.include({ org: null, severity: null, triage: true });
  });

  it('attaches a duplicate delivery to the event of the first copy', async () => {
    const raw = mse(':warn: disk /var 91%');
    const first = await deliver(raw);
    const again = await deliver(raw);
    expect(again.duplicateOf).to.equal(first.messageId);
    expect(again.eventId).to.equal(first.eventId);
    expect(await t.db.models.Event.count()).to.equal(1);
  });

  it('reads tags in HTML-only mail, but not in scripts, styles or attributes', async () => {
    const html = '<html><head><style>/* :org:from.style: */</style><script>var x=":critical:"</script></head>' +
      '<body><p title=":org:from.attribute:">Disk <b>full</b> :warn: :org:ops.disk:</p><a href="http://x/:svr:evil.example.com">graph</a><img alt=":critical:"></body></html>';
    const raw = Buffer.from(`From: nagios@mon\r\nMessage-ID: <html1@test>\r\nSubject: disk\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${html}\r\n`);
    const r = await deliver(raw);
    expect(await message(r.messageId)).to.deep.include({ severity: 'warn', org: 'ops.disk', classifiedBy: 'tag' });
    expect((await message(r.messageId))!.servers).to.deep.equal([]);
  });

  describe('with rules', () => {
    const backupRule: RuleDraft = {
      name: 'backup failures',
      conditions: [{ field: 'subject', pattern: 'backup.*fail' }, { field: 'from', pattern: '^cron@(?P<host>[a-z0-9.-]+)$' }],
      actions: { severity: 'critical', org: 'ops.backup', servers: ['$host'] },
    };

    it('fills what the tags left empty, counts the hit and when it happened', async () => {
      const rule = await addRule(t.deps, tenantId, backupRule, 'alice');
      t.clock.advance(60_000);
      const r = await deliver(mse('nightly backup FAILED :warn:'));
      expect(await message(r.messageId)).to.deep.include({ severity: 'warn', org: 'ops.backup', classifiedBy: `rule:${rule.id}` });
      expect((await message(r.messageId))!.servers).to.deep.equal(['db1.example.com']);
      expect((await message(r.messageId))!.decidedBy).to.deep.equal({ severity: 'tag', org: `rule:${rule.id}`, servers: `rule:${rule.id}` });
      const after = await findRule(t.deps, tenantId, 'backup failures');
      expect(after.hits).to.equal(1);
      expect(after.lastMatchedAt?.toISOString()).to.equal(t.clock.now().toISOString());
      expect((await eventOf(r.messageId))!).to.deep.include({ org: 'ops.backup', triage: false });
    });

    it('uses a rule from the next message on, and stops using it once disabled', async () => {
      await deliver(mse('backup failed'));
      await addRule(t.deps, tenantId, backupRule, 'alice');
      const second = await deliver(mse('backup failed again'));
      expect((await message(second.messageId))!.org).to.equal('ops.backup');
      await setRuleEnabled(t.deps, tenantId, 'backup failures', false);
      const third = await deliver(mse('backup failed a third time'));
      expect((await message(third.messageId))!.org).to.equal(null);
    });

    it('refuses an invalid expression when the rule is saved, with the engine\'s message', async () => {
      try {
        await addRule(t.deps, tenantId, { name: 'broken', conditions: [{ field: 'body', pattern: 'disk (full' }], actions: { org: 'x' } }, 'alice');
        expect.fail('saved a broken rule');
      } catch (err) {
        expect(isDatamerError(err, 'INPUT_INVALID')).to.equal(true);
        expect((err as Error).message).to.equal('rule "broken" cannot be saved: /disk (full/ is not a valid expression: missing ): disk (full');
      }
      expect(await t.db.models.Rule.count()).to.equal(0);
    });

    it('classifies a 100 kB hostile body against a catastrophic pattern without stalling', async () => {
      // Both would take a backtracking engine longer than anyone can wait on this body.
      await addRule(t.deps, tenantId, { name: 'evil', continue: true, conditions: [{ field: 'body', pattern: '^(a+)+$' }], actions: { org: 'never' } }, 'alice');
      await addRule(t.deps, tenantId, { name: 'evil2', continue: true, conditions: [{ field: 'body', pattern: '(\\w+\\s?)*!' }], actions: { org: 'never' } }, 'alice');
      await addRule(t.deps, tenantId, { name: 'after them', conditions: [{ field: 'subject', pattern: 'hostile' }], actions: { org: 'survived' } }, 'alice');
      const r = await deliver(mse('hostile', `${'a'.repeat(50_000)}b\r\n${'word '.repeat(10_000)}`));
      expect((await message(r.messageId))!.org).to.equal('survived');
      expect((await findRule(t.deps, tenantId, 'evil')).hits).to.equal(0);
    });

    it('previews a draft on the last messages without changing anything', async () => {
      const ids: number[] = [];
      for (const subject of ['backup failed', 'disk full', 'backup FAILED :org:tagged.org:', 'backup ok']) ids.push((await deliver(mse(subject))).messageId);
      const preview = await previewRule(t.deps, tenantId, backupRule, { last: 10 });
      expect(preview.scanned).to.equal(4);
      expect(preview.matched.map((row) => [row.messageId, row.changed, row.after.org, row.after.severity])).to.have.deep.members([
        [ids[0], true, 'ops.backup', 'critical'],
        [ids[2], true, 'tagged.org', 'critical'],
      ]);
      const unchanged = preview.matched.find((row) => row.messageId === ids[0])!;
      expect(unchanged.before).to.deep.include({ org: null, severity: null, by: 'none' });
      expect((await message(ids[0]!))!.org).to.equal(null);
      expect(await t.db.models.Rule.count()).to.equal(0);
    });

    it('reclassifies stored messages from their raw bytes, in batches, resuming an interrupted run', async () => {
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) ids.push((await deliver(mse(`backup ${i} failed`))).messageId);
      await deliver(mse('unrelated'));
      await addRule(t.deps, tenantId, backupRule, 'alice');

      const partial = await reclassify(t.deps, tenantId, { batch: 2, maxBatches: 1 });
      expect(partial).to.deep.include({ resumed: false, scanned: 2, changed: 2 });
      const rest = await reclassify(t.deps, tenantId, { batch: 2 });
      expect(rest).to.deep.include({ runId: partial.runId, resumed: true, scanned: 6, changed: 5 });
      for (const id of ids) {
        expect((await message(id))!.org).to.equal('ops.backup');
        expect((await eventOf(id))!).to.deep.include({ org: 'ops.backup', severity: 'critical', triage: false });
      }
      // A finished run is not resumed: the next one starts from the beginning.
      expect(await reclassify(t.deps, tenantId)).to.deep.include({ resumed: false, scanned: 6, changed: 0 });
    });
  });
});
