// A change to a setting and its line in the activity trail commit together (docs/web.md, Roles):
// when the database refuses the line (a trigger here, a real fault of the database's own, not a
// stub of DaTamer's code), the change is not made either, from the site as from the command line;
// when it takes it, there is exactly one line per change.
import { expect } from 'chai';
import { addRule } from '../../../src/classification/rule-store.js';
import type { Db } from '../../../src/db.js';
import { changeEvent } from '../../../src/events/change.js';
import { addMailbox } from '../../../src/mailboxes/mailbox-store.js';
import { imapMailbox } from '../../../src/mailboxes/imap/provider.js';
import { receive } from '../../../src/pipeline.js';
import { addUser } from '../../../src/people/people.js';
import { inProcess } from '../../helpers/cli.js';
import { TEST_KEY } from '../../helpers/imap.js';
import { flashOf, openTeamSite, submit, type TeamSite } from '../../helpers/team-site.js';

/** Makes the database refuse the trail's lines of this action until the returned function is called. */
async function refuseTrail(db: Db, action: string): Promise<() => Promise<void>> {
  const q = (sql: string) => db.sequelize.query(sql);
  if (db.dialect === 'sqlite') {
    await q(`CREATE TRIGGER refuse_trail BEFORE INSERT ON activities WHEN NEW.action = '${action}' BEGIN SELECT RAISE(ABORT, 'the trail refuses ${action}'); END`);
    return async () => void (await q('DROP TRIGGER refuse_trail'));
  }
  await q(`CREATE FUNCTION refuse_trail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the trail refuses %', NEW.action; END $$`);
  await q(`CREATE TRIGGER refuse_trail BEFORE INSERT ON activities FOR EACH ROW WHEN (NEW.action = '${action}') EXECUTE FUNCTION refuse_trail()`);
  return async () => {
    await q('DROP TRIGGER refuse_trail ON activities');
    await q('DROP FUNCTION refuse_trail()');
  };
}

describe('the activity trail of a change to a setting', function () {
  this.timeout(120_000);
  let site: TeamSite;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    site = await openTeamSite();
    env = { ...process.env, DATABASE_URL: site.t.url, DATAMER_LOG_LEVEL: 'silent' };
  });
  after(() => site?.close());

  const trailOf = (action: string) => site.t.db.models.Activity.findAll({ where: { tenantId: site.acmeId, eventId: null, action } });

  /**
   * Runs `change` with the trail refusing `action`: nothing changes (`state` reads the same) and
   * no line is written; then again with the trail working: the change is made, with one line.
   */
  async function refusedThenDone(action: string, state: () => Promise<unknown>, change: () => Promise<void>): Promise<void> {
    const before = JSON.stringify(await state());
    const lines = (await trailOf(action)).length;
    const allow = await refuseTrail(site.t.db, action);
    try {
      await change();
    } finally {
      await allow();
    }
    expect(JSON.stringify(await state()), `${action}: changed although its trail line was refused`).to.equal(before);
    expect(await trailOf(action), action).to.have.length(lines);
    await change();
    expect(JSON.stringify(await state()), `${action}: not changed`).not.to.equal(before);
    expect(await trailOf(action), action).to.have.length(lines + 1);
  }

  it('on the site: a group, a rule, a maintenance window, a mailbox and a user are not changed when their trail line fails, and have one line when it does not', async () => {
    const { t, acmeId } = site;
    const rule = await addRule(t.deps, acmeId, { name: 'disk full', conditions: [{ field: 'subject', pattern: 'disk full' }], actions: { severity: 'critical' } }, 'alice');
    const mailbox = await addMailbox(t.deps, acmeId, { kind: 'imap', ...imapMailbox('imap://trail%40acme.test@127.0.0.1:1/', 'the password'), mode: 'organize' }, TEST_KEY);
    const { context, page } = await site.as('ada');
    /** Submits a form: the first time the database refuses, an error page; the second, the page's message. */
    let tries = 0;
    const post = async (path: string, selector: string, fill?: () => Promise<void>) => {
      await page.goto(path);
      await fill?.();
      await submit(page, selector);
      if (tries++ % 2 === 0) expect(await page.locator('#flash').count(), `${path}: a message, but the change failed`).to.equal(0);
      else expect(await flashOf(page)).not.to.match(/^Not done/);
    };
    try {
      await refusedThenDone('group-added', () => t.db.models.Group.count({ where: { tenantId: acmeId } }), () =>
        post('/people', '#add-group button', () => page.fill('#add-group input[name=name]', 'dbas')));
      await refusedThenDone('rule-disabled', async () => (await t.db.models.Rule.findByPk(rule.id))!.enabled, () =>
        post('/rules', `#rules tr[data-rule="${rule.id}"] button.toggle`));
      await refusedThenDone('maintenance-added', () => t.db.models.MaintenanceWindow.count({ where: { tenantId: acmeId } }), () =>
        post('/schedules', '#maintenance-form button', async () => {
          await page.fill('#maintenance-form input[name=scope]', 'acme.db.*');
          await page.fill('#maintenance-form input[name=until]', '2026-12-24T18:00');
          await page.fill('#maintenance-form input[name=reason]', 'db upgrade');
        }));
      await refusedThenDone('mailbox-removed', () => t.db.models.Mailbox.count({ where: { tenantId: acmeId, id: mailbox.id } }), () =>
        post('/mailboxes', `#mailboxes tr[data-mailbox="${mailbox.id}"] button.remove`));

      // Removing a user gives their events back first (the events' own lines): all or nothing.
      await addUser(t.deps, acmeId, { email: 'bob@acme.test', handle: 'bob' });
      const [stored] = await receive(t.deps, [{ tenantId: acmeId, mailboxId: null, raw: Buffer.from('From: nagios@monitor.example.com\r\nTo: ops@acme.test\r\nSubject: disk full on db1\r\n\r\n96%\r\n'), source: 'smtp' }]);
      const link = await t.db.models.EventMessage.findOne({ where: { tenantId: acmeId, messageId: (stored as { messageId: number }).messageId } });
      await changeEvent(t.deps, acmeId, link!.eventId, { command: 'assign', handle: 'bob', actor: 'ada', via: 'web' });
      const who = async () => ({
        bob: await t.db.models.User.count({ where: { tenantId: acmeId, handle: 'bob' } }),
        event: (await t.db.models.Event.findByPk(link!.eventId))!.status,
        unassigned: await t.db.models.Activity.count({ where: { tenantId: acmeId, eventId: link!.eventId, action: 'unassigned' } }),
      });
      await refusedThenDone('user-removed', who, () => post('/people', '#users tr[data-user=bob] .remove-form button'));
      expect(await who()).to.deep.equal({ bob: 0, event: 'open', unassigned: 1 });
    } finally {
      await context.close();
    }
  });

  it('on the command line: a rule, a stream\'s maintenance, a group and a user\'s settings are not changed when their trail line fails, and have one line when it does not', async () => {
    const { t, acmeId } = site;
    const run = async (ok: boolean, ...args: string[]) => {
      const r = await inProcess(env, ...args, '--tenant', 'acme');
      if (ok) expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(0);
      else expect(r.code, `${args.join(' ')}: ${r.stdout}`).not.to.equal(0);
    };
    let tries = 0;
    const twice = (...args: string[]) => () => run(tries++ % 2 === 1, ...args);
    await run(true, 'rule', 'add', 'certificates', '--subject', 'certificate', '--org', 'ops.web');
    await refusedThenDone('rule-added', () => t.db.models.Rule.count({ where: { tenantId: acmeId } }), twice('rule', 'add', 'backups', '--subject', 'backup', '--org', 'ops.backup'));
    await refusedThenDone('rule-moved', async () => (await t.db.models.Rule.findAll({ where: { tenantId: acmeId }, order: [['position', 'ASC']] })).map((r) => r.name), twice('rule', 'move', 'backups', '--first'));
    await refusedThenDone('maintenance-added', () => t.db.models.MaintenanceWindow.count({ where: { tenantId: acmeId } }), twice('maintenance', 'add', '--scope', 'acme.web.*', '--until', '2026-12-25T00:00:00Z', '--reason', 'web upgrade'));
    await refusedThenDone('subscription-added', () => t.db.models.Subscription.count({ where: { tenantId: acmeId } }), twice('subscribe', 'triage', 'acme.web.*', 'interested'));
    await refusedThenDone('user-settings', async () => (await t.db.models.User.findOne({ where: { tenantId: acmeId, handle: 'alice' } }))!.digestHour, twice('user', 'set', 'alice', '--digest', 'off'));
  });
});
