// An engineer files an unclassified message into an org's folder by hand: the message takes the
// org, the filing is kept as an example, a rule is proposed, and once an engineer enables it,
// later messages of the same shape arriving through the pipeline are filed the same way.
import { expect } from 'chai';
import { labelMessage, listSuggestions, SUGGESTED_BY } from '../../../src/classification/label.js';
import { reclassify } from '../../../src/classification/reclassify.js';
import { addRule, findRule, setRuleEnabled } from '../../../src/classification/rule-store.js';
import { isDatamerError } from '../../../src/errors.js';
import { receive } from '../../../src/pipeline.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { inProcess } from '../../helpers/cli.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';

let counter = 0;
function mse(subject: string, from = 'nagios@mon.example.com'): Buffer {
  return Buffer.from(`From: ${from}\r\nTo: alerts@acme.test\r\nMessage-ID: <label${counter++}@test>\r\nSubject: ${subject}\r\n\r\nService: Disk\r\nState: CRITICAL\r\n`);
}

const DISK = (host: string) => `** PROBLEM Service Alert: ${host}/Disk is CRITICAL **`;
const LOAD = (host: string) => `** PROBLEM Service Alert: ${host}/Load is WARNING **`;

describe('labelling a message by filing it', () => {
  let t: TestDb;
  let tenantId: number;
  let otherTenantId: number;
  const deliver = async (raw: Buffer, tenant = tenantId) => (await receive(t.deps, [{ tenantId: tenant, mailboxId: null, raw, source: 'imap' }]))[0]!;
  const message = async (id: number) => (await t.db.models.Message.findByPk(id))!;
  const eventOf = async (messageId: number) => {
    const link = await t.db.models.EventMessage.findOne({ where: { messageId } });
    return (await t.db.models.Event.findByPk(link!.eventId))!;
  };
  const byAlice = { org: 'ops.db', by: 'alice', via: 'mailbox' as const };
  const expectError = async (work: Promise<unknown>, code: 'NOT_FOUND' | 'INPUT_INVALID') => {
    try {
      await work;
      expect.fail(`expected ${code}`);
    } catch (err) {
      expect(isDatamerError(err, code), String(err)).to.equal(true);
    }
  };

  beforeEach(async () => {
    t = await openTestDb();
    tenantId = (await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' })).tenant.id;
    otherTenantId = (await addTenant(t.deps, { name: 'globex', address: 'alerts@globex.test' })).tenant.id;
  });
  afterEach(() => t.dispose());

  it('files the message and its event under the org, records the example and who did it, and proposes a disabled rule', async () => {
    const filed = await deliver(mse(DISK('db1.example.com')));
    // Nagios states the severity and the server (its tool pack), not the org.
    expect(await message(filed.messageId)).to.deep.include({ org: null, classifiedBy: 'tool:nagios' });
    t.clock.advance(60_000);

    const { example, rule, reclassified } = await labelMessage(t.deps, tenantId, filed.messageId, byAlice);

    expect(reclassified).to.equal(true);
    const m = await message(filed.messageId);
    expect(m).to.deep.include({ org: 'ops.db', classifiedBy: 'label' });
    expect(m.decidedBy).to.deep.equal({ org: 'label:alice', severity: 'tool:nagios', servers: 'tool:nagios' });
    expect(await eventOf(filed.messageId)).to.deep.include({ org: 'ops.db', triage: false });

    expect(rule).to.not.equal(null);
    expect(rule!).to.deep.include({ enabled: false, createdBy: SUGGESTED_BY, name: 'suggested: ops.db from nagios@mon.example.com', continue: true, override: false });
    expect(rule!.conditions).to.deep.equal([
      { field: 'from', pattern: '^nagios@mon\\.example\\.com$' },
      { field: 'subject', pattern: '^\\*\\* PROBLEM Service Alert: (?P<server>[a-z0-9.-]+)/Disk is CRITICAL \\*\\*$' },
    ]);
    expect(rule!.actions).to.deep.equal({ org: 'ops.db', servers: ['$server'] });

    expect(example.get({ plain: true })).to.deep.include({ tenantId, messageId: filed.messageId, org: 'ops.db', previousOrg: null, labelledBy: 'alice', via: 'mailbox', suggestedRuleId: rule!.id });
    const activity = await t.db.models.Activity.findAll({ where: { tenantId, action: 'labelled' } });
    expect(activity).to.have.length(1);
    expect(activity[0]!.get({ plain: true })).to.deep.include({ eventId: filed.eventId, actor: 'alice', via: 'mailbox' });
    expect(activity[0]!.detail).to.deep.equal({ org: 'ops.db', previousOrg: null, messageId: filed.messageId, suggestedRuleId: rule!.id });
    expect(activity[0]!.at.toISOString()).to.equal(t.clock.now().toISOString());
  });

  it('keeps the label when the tenant reclassifies its messages after a rule change', async () => {
    const filed = await deliver(mse(DISK('db1.example.com')));
    const other = await deliver(mse(LOAD('web1.example.com')));
    await labelMessage(t.deps, tenantId, filed.messageId, byAlice);
    // A rule that files the other message, so the run has something to change.
    await addRule(t.deps, tenantId, { name: 'load', conditions: [{ field: 'subject', pattern: '/Load is' }], actions: { org: 'ops.web' } }, 'cli');

    const report = await reclassify(t.deps, tenantId);

    expect(report.changed).to.equal(1);
    expect(await message(other.messageId)).to.deep.include({ org: 'ops.web' });
    const labelled = await message(filed.messageId);
    expect(labelled).to.deep.include({ org: 'ops.db', classifiedBy: 'label' });
    expect(labelled.decidedBy).to.deep.include({ org: 'label:alice' });
    expect(await eventOf(filed.messageId)).to.deep.include({ org: 'ops.db' });
  });

  it('classifies later messages of the same shape once the suggestion is enabled, and only those', async () => {
    const filed = await deliver(mse(DISK('db1.example.com')));
    const { rule } = await labelMessage(t.deps, tenantId, filed.messageId, byAlice);

    const beforeAccepted = await deliver(mse(DISK('db2.example.com')));
    expect((await message(beforeAccepted.messageId)).org, 'a suggestion classifies nothing').to.equal(null);

    await setRuleEnabled(t.deps, tenantId, String(rule!.id), true);
    const sameShape = await deliver(mse(DISK('db7.dc2.example.com')));
    const m = await message(sameShape.messageId);
    expect(m).to.deep.include({ org: 'ops.db', classifiedBy: `rule:${rule!.id}` });
    expect(m.servers).to.deep.equal(['db7.dc2.example.com']);
    expect(await eventOf(sameShape.messageId)).to.deep.include({ org: 'ops.db', triage: false });

    const otherShape = await deliver(mse(LOAD('db7.dc2.example.com')));
    expect((await message(otherShape.messageId)).org).to.equal(null);
    const otherSender = await deliver(mse(DISK('db7.dc2.example.com'), 'nagios@legacy.example.com'));
    expect((await message(otherSender.messageId)).org).to.equal(null);
    expect((await findRule(t.deps, tenantId, String(rule!.id))).hits).to.equal(1);
  });

  it('acts once when the same filing is reported twice', async () => {
    const filed = await deliver(mse(DISK('db1.example.com')));
    const first = await labelMessage(t.deps, tenantId, filed.messageId, byAlice);
    t.clock.advance(5_000);
    const again = await labelMessage(t.deps, tenantId, filed.messageId, { ...byAlice, org: 'OPS.DB' });

    expect(again.reclassified).to.equal(false);
    expect(again.example.id).to.equal(first.example.id);
    expect(again.rule!.id).to.equal(first.rule!.id);
    expect(await t.db.models.LabelledExample.count({ where: { tenantId } })).to.equal(1);
    expect(await t.db.models.Rule.count({ where: { tenantId } })).to.equal(1);
    expect(await t.db.models.Activity.count({ where: { tenantId, action: 'labelled' } })).to.equal(1);
  });

  it('acts once when two watchers report the same filing at the same moment', async () => {
    const filed = await deliver(mse(DISK('db1.example.com')));
    const both = await Promise.all([labelMessage(t.deps, tenantId, filed.messageId, byAlice), labelMessage(t.deps, tenantId, filed.messageId, byAlice)]);
    expect(both.map((b) => b.reclassified).sort()).to.deep.equal([false, true]);
    expect(both[0].example.id).to.equal(both[1].example.id);
    expect(await t.db.models.LabelledExample.count({ where: { tenantId } })).to.equal(1);
    expect(await t.db.models.Rule.count({ where: { tenantId } })).to.equal(1);
    expect(await t.db.models.Activity.count({ where: { tenantId, action: 'labelled' } })).to.equal(1);
  });

  it('links the rule that already files the message so instead of proposing a second one', async () => {
    const first = await deliver(mse(DISK('db1.example.com')));
    const second = await deliver(mse(DISK('db2.example.com')));
    const { rule } = await labelMessage(t.deps, tenantId, first.messageId, byAlice);
    const next = await labelMessage(t.deps, tenantId, second.messageId, { ...byAlice, by: 'bob' });
    expect(next.rule!.id).to.equal(rule!.id);

    // An engineer's own rule, even a disabled one, counts too.
    const own = await addRule(t.deps, tenantId, { name: 'load', enabled: false, conditions: [{ field: 'subject', pattern: '/Load is' }], actions: { org: 'ops.load' } }, 'carol');
    const load = await deliver(mse(LOAD('web1.example.com')));
    expect((await labelMessage(t.deps, tenantId, load.messageId, { ...byAlice, org: 'ops.load' })).rule!.id).to.equal(own.id);

    expect(await t.db.models.Rule.count({ where: { tenantId } })).to.equal(2);
    expect(await t.db.models.LabelledExample.count({ where: { tenantId } })).to.equal(3);
  });

  it('places the suggestion before a rule that would stop the search, and keeps what that rule adds', async () => {
    const severity = await addRule(t.deps, tenantId, { name: 'nagios is warn', conditions: [{ field: 'from', pattern: '^nagios@' }], actions: { severity: 'warn' } }, 'carol');
    const filed = await deliver(mse(DISK('db1.example.com')));
    expect(await message(filed.messageId)).to.deep.include({ severity: 'warn', org: null });

    const { rule } = await labelMessage(t.deps, tenantId, filed.messageId, byAlice);
    expect(rule!.position).to.be.lessThan(severity.position);
    await setRuleEnabled(t.deps, tenantId, String(rule!.id), true);
    const later = await deliver(mse(DISK('db3.example.com')));
    expect(await message(later.messageId)).to.deep.include({ org: 'ops.db', severity: 'warn', classifiedBy: `rule:${rule!.id}` });
  });

  it('corrects what a sender\'s tag said with a suggestion that overrides the tag', async () => {
    const tagged = await deliver(mse(`${DISK('db1.example.com')} :org:ops.web:`));
    expect(await message(tagged.messageId)).to.deep.include({ org: 'ops.web', classifiedBy: 'tag' });
    const { rule, example } = await labelMessage(t.deps, tenantId, tagged.messageId, byAlice);
    expect(example.previousOrg).to.equal('ops.web');
    expect(rule!.override).to.equal(true);
    await setRuleEnabled(t.deps, tenantId, String(rule!.id), true);
    const later = await deliver(mse(`${DISK('db2.example.com')} :org:ops.web:`));
    expect(await message(later.messageId)).to.deep.include({ org: 'ops.db', classifiedBy: `rule:${rule!.id}` });
  });

  it('checks a suggestion against the messages filed by hand before: one that would file them elsewhere is narrowed until it does not', async () => {
    const FAILED = (host: string) => `Backup of ${host} FAILED`;
    const db = await deliver(mse(FAILED('db1.example.com'), 'backup@acme.example.com'));
    const { rule: first } = await labelMessage(t.deps, tenantId, db.messageId, byAlice);
    expect(first!.conditions[1]!.pattern).to.equal('^Backup of (?P<server>[a-z0-9.-]+) FAILED$');

    // The same shape filed into another org: the general rule would take the first example from
    // ops.db, so the suggestion is the exact subject.
    const web = await deliver(mse(FAILED('web1.example.com'), 'backup@acme.example.com'));
    const { rule: second } = await labelMessage(t.deps, tenantId, web.messageId, { ...byAlice, org: 'ops.web' });
    expect(second!.id).to.not.equal(first!.id);
    expect(second!.conditions[1]!.pattern).to.equal('^Backup of web1\\.example\\.com FAILED$');
    expect(second!.actions).to.deep.equal({ org: 'ops.web' });

    // Filed into two orgs with the very same subject: no rule can do both right; none is offered.
    const again = await deliver(mse(FAILED('db1.example.com'), 'backup@acme.example.com'));
    const { rule: none, example } = await labelMessage(t.deps, tenantId, again.messageId, { ...byAlice, org: 'ops.backup' });
    expect(none).to.equal(null);
    expect(example.suggestedRuleId).to.equal(null);
    expect(await t.db.models.Rule.count({ where: { tenantId } })).to.equal(2);
  });

  it('refuses what is not an org path, a label by nobody, and a message of another tenant, writing nothing', async () => {
    const ours = await deliver(mse(DISK('db1.example.com')));
    const theirs = await deliver(mse(DISK('db1.globex.test')), otherTenantId);
    await expectError(labelMessage(t.deps, tenantId, ours.messageId, { ...byAlice, org: 'ops/db' }), 'INPUT_INVALID');
    await expectError(labelMessage(t.deps, tenantId, ours.messageId, { ...byAlice, by: ' ' }), 'INPUT_INVALID');
    await expectError(labelMessage(t.deps, tenantId, theirs.messageId, byAlice), 'NOT_FOUND');
    await expectError(labelMessage(t.deps, tenantId, 999_999, byAlice), 'NOT_FOUND');

    expect(await message(theirs.messageId)).to.deep.include({ org: null, tenantId: otherTenantId });
    expect(await t.db.models.LabelledExample.count()).to.equal(0);
    expect(await t.db.models.Rule.count()).to.equal(0);
    expect(await t.db.models.Activity.count({ where: { action: 'labelled' } })).to.equal(0);
  });

  it('lists the suggestions waiting, with their example and what they match, until one is enabled', async () => {
    const filed = await deliver(mse(DISK('db1.example.com')));
    await deliver(mse(DISK('db2.example.com')));
    await deliver(mse(LOAD('db2.example.com')));
    const { rule } = await labelMessage(t.deps, tenantId, filed.messageId, byAlice);

    const [waiting, ...none] = await listSuggestions(t.deps, tenantId);
    expect(none).to.deep.equal([]);
    expect(waiting!.rule.id).to.equal(rule!.id);
    expect(waiting!).to.deep.include({ matches: 2, scanned: 3, examples: 1 });
    expect(waiting!.example).to.deep.include({ messageId: filed.messageId, subject: DISK('db1.example.com'), labelledBy: 'alice' });
    expect(await listSuggestions(t.deps, otherTenantId)).to.deep.equal([]);

    const env = { ...process.env, DATABASE_URL: t.url, DATAMER_LOG_LEVEL: 'silent' };
    const shown = await inProcess(env, 'rule', 'suggestions', '--tenant', 'acme');
    expect(shown.stderr).to.equal('');
    expect(shown.stdout).to.contain(`rule ${rule!.id} "suggested: ops.db from nagios@mon.example.com": matches 2 of the last 3 messages\n`);
    expect(shown.stdout).to.contain(`  from message ${filed.messageId} (${DISK('db1.example.com')}), filed by alice at `);

    await setRuleEnabled(t.deps, tenantId, String(rule!.id), true);
    expect(await listSuggestions(t.deps, tenantId)).to.deep.equal([]);
    expect((await inProcess(env, 'rule', 'suggestions', '--tenant', 'acme')).stdout).to.equal('no suggestions waiting\n');
  });
});
