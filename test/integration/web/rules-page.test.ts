// The rules page in a real Chromium: the rules in order with their hits; a rule edited with its
// preview following the typing, saved through the rule store; moved, disabled, deleted; the rules
// DaTamer proposed from messages filed by hand, accepted and dismissed; each in the database and
// the activity trail, and another tenant's rules out of reach.
import { expect } from 'chai';
import { labelMessage } from '../../../src/classification/label.js';
import { addRule, listRules } from '../../../src/classification/rule-store.js';
import { runCli } from '../../../src/cli/program.js';
import { receive } from '../../../src/pipeline.js';
import { csrfOf, flashOf, openTeamSite, shoot, submit, type TeamSite } from '../../helpers/team-site.js';

/** The instant a <time datetime> names (the site writes it with the reader's offset). */
const instant = (datetime: string | null) => new Date(datetime!).toISOString();

describe('the rules page', function () {
  this.timeout(120_000);
  let site: TeamSite;
  const ruleId: Record<string, number> = {};
  const messageId: Record<string, number> = {};

  const mse = (from: string, subject: string) => Buffer.from(`From: ${from}\r\nTo: ops@acme.test\r\nSubject: ${subject}\r\n\r\ndetails inside\r\n`);

  before(async () => {
    site = await openTeamSite();
    const { t, acmeId, globexId } = site;
    ruleId.disk = (await addRule(t.deps, acmeId, { name: 'disk full', conditions: [{ field: 'subject', pattern: 'disk full' }], actions: { severity: 'critical', org: 'ops.storage' } }, 'alice')).id;
    ruleId.backup = (await addRule(t.deps, acmeId, { name: 'backups', conditions: [{ field: 'subject', pattern: 'backup' }], actions: { org: 'ops.backup' } }, 'alice')).id;
    ruleId.noise = (await addRule(t.deps, acmeId, { name: 'noise', conditions: [{ field: 'from', pattern: '^noise@' }], actions: { severity: 'info' } }, 'alice')).id;
    ruleId.globex = (await addRule(t.deps, globexId, { name: 'globex secret rule', conditions: [{ field: 'subject', pattern: 'payroll' }], actions: { org: 'globex.pay' } }, 'gus')).id;
    const arrive = async (name: string, raw: Buffer) => {
      t.clock.advance(60_000);
      const [r] = await receive(t.deps, [{ tenantId: acmeId, mailboxId: null, raw, source: 'smtp' }]);
      messageId[name] = (r as { messageId: number }).messageId;
    };
    await arrive('disk1', mse('monitor@db1.example.com', 'disk full on db1'));
    await arrive('disk2', mse('monitor@db2.example.com', 'disk full on db2'));
    await arrive('backup', mse('cron@db1.example.com', 'backup of db1 FAILED'));
    await arrive('restore', mse('cron@db1.example.com', 'restore test of db1 FAILED'));
    await arrive('cert', mse('certbot@web1.example.com', 'certificate for web1.example.com renewed'));
    await arrive('queue', mse('mq@mq1.example.com', 'queue depth 5000 on mq1'));
    // Two messages filed by hand: two suggestions.
    await labelMessage(t.deps, acmeId, messageId.cert!, { org: 'ops.web', by: 'alice', via: 'mailbox' });
    await labelMessage(t.deps, acmeId, messageId.queue!, { org: 'ops.mq', by: 'alice', via: 'mailbox' });
  });
  after(() => site?.close());

  it('lists the rules in the order they are tried, with their hits and last hit, and the suggestions apart', async () => {
    const { t, acmeId } = site;
    const { context, page } = await site.as('alice');
    try {
      await page.goto('/rules');
      await shoot(page, 'rules');
      const shown = await page.locator('#rules tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-rule'))));
      expect(shown).to.deep.equal([ruleId.disk, ruleId.backup, ruleId.noise]);
      const disk = (await t.db.models.Rule.findByPk(ruleId.disk))!;
      expect(disk.hits).to.equal(2);
      const row = page.locator(`#rules tr[data-rule="${ruleId.disk}"]`);
      expect(await row.locator('.hits').innerText()).to.equal('2');
      expect(instant(await row.locator('.last-hit time').getAttribute('datetime'))).to.equal(disk.lastMatchedAt!.toISOString());
      expect(await row.locator('.conditions').innerText()).to.equal('subject ~ /disk full/i');
      expect(await row.locator('.actions').innerText()).to.equal('severity=critical org=ops.storage');
      expect(await page.locator(`#rules tr[data-rule="${ruleId.noise}"] .last-hit`).innerText()).to.equal('never');
      const suggested = (await listRules(t.deps, acmeId)).filter((r) => !r.enabled).map((r) => r.id);
      expect(suggested).to.have.length(2);
      expect(await page.locator('#suggestions tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-rule'))).sort())).to.deep.equal([...suggested].sort());
      expect(await page.locator('main').innerText()).not.to.contain('globex');
    } finally {
      await context.close();
    }
  });

  it('edits a rule with a preview that follows the typing, and saves it through the rule store', async () => {
    const { t, acmeId } = site;
    const { context, page } = await site.as('alice');
    try {
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto('/rules');
      await submit(page, `#rules tr[data-rule="${ruleId.backup}"] .name a`);
      expect(await page.inputValue('input[name=subject]')).to.equal('backup');
      // Typed, not submitted: the page asks for the preview by itself.
      await page.fill('input[name=subject]', '(backup|restore).*FAILED');
      await page.waitForFunction(() => /matches 2;/.test(document.getElementById('preview-summary')?.textContent ?? ''));
      expect(await page.locator('#preview-summary').innerText()).to.equal('Of the last 6 messages it matches 2; 1 would be classified differently.');
      await page.selectOption('select[name=severity]', 'critical');
      await page.waitForFunction(() => /2 would be/.test(document.getElementById('preview-summary')?.textContent ?? ''));
      await shoot(page, 'rule-edit');
      await submit(page, '#rule-form button[value=save]');
      expect(await flashOf(page)).to.match(new RegExp(`^Rule #${ruleId.backup} "backups" changed: it classifies new mail from now on`));
      const saved = (await t.db.models.Rule.findByPk(ruleId.backup))!;
      expect(saved.conditions).to.deep.equal([{ field: 'subject', pattern: '(backup|restore).*FAILED' }]);
      expect(saved.actions).to.deep.equal({ severity: 'critical', org: 'ops.backup' });
      const trail = await t.db.models.Activity.findOne({ where: { tenantId: acmeId, action: 'rule-edited' } });
      expect(trail).to.deep.include({ actor: 'alice', via: 'web', eventId: null });
      expect(trail!.detail).to.deep.include({ id: ruleId.backup, conditions: 'subject ~ /(backup|restore).*FAILED/i' });
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it('refuses an expression RE2 cannot run, with the reason beside the form, and keeps the rule as it was', async () => {
    const { t } = site;
    const { context, page } = await site.as('alice');
    try {
      await page.goto(`/rules/${ruleId.noise}`);
      await page.fill('input[name=from]', '(unclosed');
      await page.click('#rule-form button[value=save]');
      await page.waitForSelector('#rule-problem');
      expect(await page.locator('#rule-problem').innerText()).to.match(/cannot be saved/);
      expect((await t.db.models.Rule.findByPk(ruleId.noise))!.conditions).to.deep.equal([{ field: 'from', pattern: '^noise@' }]);
    } finally {
      await context.close();
    }
  });

  it('moves a rule down and up, disables and deletes one, in the database and the trail', async () => {
    const { t, acmeId } = site;
    const { context, page } = await site.as('alice');
    const order = async () => (await listRules(t.deps, acmeId)).filter((r) => r.enabled || r.id === ruleId.noise).map((r) => r.id);
    try {
      await page.goto('/rules');
      await submit(page, `#rules tr[data-rule="${ruleId.disk}"] button.down`);
      expect(await order()).to.deep.equal([ruleId.backup, ruleId.disk, ruleId.noise]);
      expect(await flashOf(page)).to.equal(`Rule #${ruleId.disk} "disk full" is now tried in place 2.`);
      await submit(page, `#rules tr[data-rule="${ruleId.noise}"] button.up`);
      expect(await order()).to.deep.equal([ruleId.backup, ruleId.noise, ruleId.disk]);
      expect(await page.locator('#rules tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-rule'))))).to.deep.equal(await order());

      await submit(page, `#rules tr[data-rule="${ruleId.noise}"] button.toggle`);
      expect((await t.db.models.Rule.findByPk(ruleId.noise))!.enabled).to.equal(false);
      expect(await page.locator(`#rules tr[data-rule="${ruleId.noise}"] .state`).innerText()).to.equal('(disabled)');
      await submit(page, `#rules tr[data-rule="${ruleId.noise}"] button.delete`);
      expect(await t.db.models.Rule.findByPk(ruleId.noise)).to.equal(null);
      const trail = await t.db.models.Activity.findAll({ where: { tenantId: acmeId, action: ['rule-moved', 'rule-disabled', 'rule-deleted'] }, order: [['id', 'ASC']] });
      expect(trail.map((a) => [a.action, a.detail.id, a.actor, a.via])).to.deep.equal([
        ['rule-moved', ruleId.disk, 'alice', 'web'], ['rule-moved', ruleId.noise, 'alice', 'web'],
        ['rule-disabled', ruleId.noise, 'alice', 'web'], ['rule-deleted', ruleId.noise, 'alice', 'web'],
      ]);
    } finally {
      await context.close();
    }
  });

  it('accepts one suggested rule and dismisses the other', async () => {
    const { t, acmeId } = site;
    const { context, page } = await site.as('alice');
    try {
      const [first, second] = (await t.db.models.LabelledExample.findAll({ where: { tenantId: acmeId }, order: [['id', 'ASC']] })).map((e) => e.suggestedRuleId!);
      await page.goto('/rules');
      await submit(page, `#suggestions tr[data-rule="${first}"] button.accept`);
      expect(await flashOf(page)).to.match(new RegExp(`^Suggested rule #${first} ".*" accepted`));
      expect((await t.db.models.Rule.findByPk(first))!.enabled).to.equal(true);
      expect(await page.locator(`#rules tr[data-rule="${first}"]`).count()).to.equal(1);
      await submit(page, `#suggestions tr[data-rule="${second}"] button.dismiss`);
      // Kept, disabled and marked dismissed: it stays in the list, not among the suggestions.
      expect(await t.db.models.Rule.findByPk(second)).to.deep.include({ enabled: false, dismissedBy: 'alice' });
      expect(await page.locator('#suggestions-none').count()).to.equal(1);
      expect(await page.locator(`#rules tr[data-rule="${second}"] .state`).innerText()).to.equal('(a dismissed suggestion)');

      // Another message of that shape filed by hand does not propose it again.
      const rulesBefore = await t.db.models.Rule.count({ where: { tenantId: acmeId } });
      const [again] = await receive(t.deps, [{ tenantId: acmeId, mailboxId: null, raw: mse('mq@mq1.example.com', 'queue depth 6100 on mq1'), source: 'smtp' }]);
      await labelMessage(t.deps, acmeId, (again as { messageId: number }).messageId, { org: 'ops.mq', by: 'alice', via: 'mailbox' });
      expect(await t.db.models.Rule.count({ where: { tenantId: acmeId } })).to.equal(rulesBefore);
      await page.goto('/rules');
      expect(await page.locator('#suggestions-none').count()).to.equal(1);
      expect(await page.locator('#suggestions tbody tr').count()).to.equal(0);
      const trail = await t.db.models.Activity.findAll({ where: { tenantId: acmeId, action: ['rule-accepted', 'rule-dismissed'] }, order: [['id', 'ASC']] });
      expect(trail.map((a) => [a.action, a.detail.id])).to.deep.equal([['rule-accepted', first], ['rule-dismissed', second]]);
    } finally {
      await context.close();
    }
  });

  it('shows a change made from the command line in the same trail, under the user --as names', async () => {
    const { t, acmeId } = site;
    let err = '';
    const io = { env: { DATABASE_URL: t.url }, stdout: { write: () => undefined }, stderr: { write: (s: string) => void (err += s) } };
    expect(await runCli(['rule', 'add', 'from the terminal', '--subject', 'terminal', '--org', 'ops.cli', '--as', 'ada', '--tenant', 'acme'], io), err).to.equal(0);
    expect(await runCli(['rule', 'disable', 'from the terminal', '--tenant', 'acme'], io), err).to.equal(0);
    const trail = await t.db.models.Activity.findAll({ where: { tenantId: acmeId, action: ['rule-added', 'rule-disabled'], via: 'cli' }, order: [['id', 'ASC']] });
    expect(trail.map((a) => a.action)).to.deep.equal(['rule-added', 'rule-disabled']);
    expect(trail[0]!.actor).to.equal('ada');
    expect(trail[1]!.actor).to.match(/^cli:/);
    const { context, page } = await site.as('alice');
    try {
      await page.goto('/rules');
      const first = page.locator('#changes tbody tr').first();
      expect(await first.locator('.action').innerText()).to.equal('rule-disabled');
      expect(await first.innerText()).to.contain('via cli');
    } finally {
      await context.close();
    }
  });

  it("answers 404 for another tenant's rule, and changes nothing when its forms are posted", async () => {
    const { t, globexId } = site;
    const { context, page } = await site.as('alice');
    try {
      expect((await page.goto(`/rules/${ruleId.globex}`))?.status()).to.equal(404);
      await page.goto('/rules');
      const _csrf = await csrfOf(page);
      for (const action of ['move', 'disable', 'delete', 'accept', 'dismiss']) {
        const r = await page.request.post(`/rules/${ruleId.globex}/${action}`, { form: { _csrf, direction: 'up' }, maxRedirects: 0 });
        expect(r.status(), action).to.equal(404);
      }
      const edit = await page.request.post(`/rules/${ruleId.globex}`, { form: { _csrf, name: 'mine now', subject: 'x', intent: 'save' }, maxRedirects: 0 });
      expect(edit.status()).to.equal(404);
      expect((await t.db.models.Rule.findByPk(ruleId.globex))!).to.deep.include({ name: 'globex secret rule', enabled: true });
      expect(await t.db.models.Activity.count({ where: { tenantId: globexId } })).to.equal(0);
    } finally {
      await context.close();
    }
  });
});
