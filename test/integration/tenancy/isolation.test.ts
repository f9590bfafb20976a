import { expect } from 'chai';
import { previewRule } from '../../../src/classification/preview.js';
import { reclassify } from '../../../src/classification/reclassify.js';
import { addRule, findRule, listRules, setRuleEnabled } from '../../../src/classification/rule-store.js';
import { isDatamerError } from '../../../src/errors.js';
import { changeEvent } from '../../../src/events/change.js';
import { findEvent, listEvents } from '../../../src/events/events.js';
import { eventDetail, eventSummaries } from '../../../src/events/views.js';
import { countMessages, findMessage, listMessages } from '../../../src/ingest/messages.js';
import { addGroup, addUser, audienceFor, findGroup, findUser, joinGroup, listGroups, listUsers, subscribe } from '../../../src/people/people.js';
import { receive } from '../../../src/pipeline.js';
import { addTenant, findSmtpMailbox, smtpMailboxOf } from '../../../src/tenants/tenants.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';

async function notFound(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (err) {
    if (isDatamerError(err, 'NOT_FOUND')) return err.message;
    throw err;
  }
  throw new Error('expected NOT_FOUND');
}

describe('tenant isolation: nothing crosses tenants', () => {
  let t: TestDb;
  let acme: number;
  let globex: number;
  let globexMessage: number;

  const mail = (subject: string, id: string) =>
    Buffer.from(`From: cron@db1\r\nMessage-ID: <${id}>\r\nSubject: ${subject}\r\n\r\nbody\r\n`);

  before(async () => {
    t = await openTestDb();
    acme = (await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' })).tenant.id;
    globex = (await addTenant(t.deps, { name: 'globex', address: 'ops@globex.test' })).tenant.id;
    await receive(t.deps, [{ tenantId: acme, mailboxId: null, raw: mail('acme backup', 'a1@x'), source: 'import' }]);
    // The very same message (same Message-ID) reaching both tenants is stored for each.
    await receive(t.deps, [{ tenantId: acme, mailboxId: null, raw: mail('shared', 'shared@x'), source: 'import' }]);
    const [g] = await receive(t.deps, [{ tenantId: globex, mailboxId: null, raw: mail('shared', 'shared@x'), source: 'import' }]);
    globexMessage = g!.messageId;
    expect(g!.duplicateOf).to.equal(null);

    for (const [tenantId, name] of [[acme, 'Acme Alice'], [globex, 'Globex Alice']] as const) {
      await addUser(t.deps, tenantId, { email: 'alice@example.com', handle: 'alice', displayName: name });
      await addGroup(t.deps, tenantId, 'oncall');
      await joinGroup(t.deps, tenantId, 'oncall', 'alice');
    }
    await subscribe(t.deps, acme, 'oncall', 'datamer.*', 'responder');
    await addUser(t.deps, globex, { email: 'gus@globex.test', handle: 'gus' });
  });
  after(() => t.dispose());

  it('lists and counts only the asking tenant\'s messages', async () => {
    expect((await listMessages(t.deps, acme)).map((m) => m.subject).sort()).to.deep.equal(['acme backup', 'shared']);
    expect((await listMessages(t.deps, globex)).map((m) => m.subject)).to.deep.equal(['shared']);
    expect(await countMessages(t.deps, acme)).to.equal(2);
    expect(await countMessages(t.deps, globex)).to.equal(1);
  });

  it('does not find another tenant\'s message by its id', async () => {
    expect(await findMessage(t.deps, acme, globexMessage)).to.equal(null);
    expect((await findMessage(t.deps, globex, globexMessage))?.subject).to.equal('shared');
  });

  it('keeps users, handles and groups apart: the same handle exists in both tenants', async () => {
    expect((await findUser(t.deps, acme, 'alice')).displayName).to.equal('Acme Alice');
    expect((await findUser(t.deps, globex, 'alice')).displayName).to.equal('Globex Alice');
    expect((await listUsers(t.deps, acme)).map((u) => u.handle)).to.deep.equal(['alice']);
    expect(await notFound(findUser(t.deps, acme, 'gus'))).to.contain('gus');
    // Each tenant has its own triage group (docs/notifications.md), and only its own groups.
    expect((await listGroups(t.deps, acme)).map((g) => [g.tenantId, g.name])).to.deep.equal([[acme, 'oncall'], [acme, 'triage']]);
    expect((await findGroup(t.deps, globex, 'oncall')).tenantId).to.equal(globex);
  });

  it('cannot put a user into another tenant\'s group or subscribe another tenant\'s group', async () => {
    await addGroup(t.deps, globex, 'globex-only');
    expect(await notFound(joinGroup(t.deps, acme, 'globex-only', 'alice'))).to.contain('globex-only');
    expect(await notFound(joinGroup(t.deps, acme, 'oncall', 'gus'))).to.contain('gus');
    expect(await notFound(subscribe(t.deps, acme, 'globex-only', '*', 'interested'))).to.contain('globex-only');
  });

  it('answers "who responds" from the tenant\'s own subscriptions only', async () => {
    const acmeAlice = await findUser(t.deps, acme, 'alice');
    expect(await audienceFor(t.deps, acme, 'datamer.web')).to.deep.equal({ responders: [acmeAlice.id], interested: [acmeAlice.id] });
    expect(await audienceFor(t.deps, globex, 'datamer.web')).to.deep.equal({ responders: [], interested: [] });
  });

  it('gives each address to exactly one tenant', async () => {
    expect((await findSmtpMailbox(t.deps, 'OPS@globex.test'))?.tenantId).to.equal(globex);
    expect((await smtpMailboxOf(t.deps, acme))?.address).to.equal('alerts@acme.test');
    try {
      await addTenant(t.deps, { name: 'initech', address: 'alerts@acme.test' });
      expect.fail('the address was given to a second tenant');
    } catch (err) {
      expect(isDatamerError(err, 'ADDRESS_TAKEN')).to.equal(true);
    }
  });

  describe('rules and events', () => {
    let acmeEvent: number;
    let globexEvent: number;
    before(async () => {
      await addRule(t.deps, acme, { name: 'backups', conditions: [{ field: 'subject', pattern: 'backup|shared' }], actions: { org: 'acme.backup' } }, 'alice');
      acmeEvent = (await receive(t.deps, [{ tenantId: acme, mailboxId: null, raw: mail('backup again', 'a2@x'), source: 'import' }]))[0]!.eventId!;
      globexEvent = (await receive(t.deps, [{ tenantId: globex, mailboxId: null, raw: mail('backup too', 'g2@x'), source: 'import' }]))[0]!.eventId!;
    });

    it('applies a tenant\'s rules to its own mail only', async () => {
      expect((await findEvent(t.deps, acme, acmeEvent)).org).to.equal('acme.backup');
      expect((await findEvent(t.deps, globex, globexEvent)).org).to.equal(null);
    });

    it('keeps rules apart: list, find, disable', async () => {
      expect((await listRules(t.deps, globex)).length).to.equal(0);
      expect(await notFound(findRule(t.deps, globex, 'backups'))).to.contain('backups');
      expect(await notFound(setRuleEnabled(t.deps, globex, 'backups', false))).to.contain('backups');
      expect((await findRule(t.deps, acme, 'backups')).enabled).to.equal(true);
    });

    it('previews and reclassifies only the tenant\'s own messages', async () => {
      const preview = await previewRule(t.deps, globex, { name: 'draft', conditions: [{ field: 'subject', pattern: '.' }], actions: { org: 'x' } });
      const globexIds = (await listMessages(t.deps, globex)).map((m) => m.id).sort();
      expect(preview.matched.map((m) => m.messageId).sort()).to.deep.equal(globexIds);
      const report = await reclassify(t.deps, globex);
      expect(report.scanned).to.equal(globexIds.length);
      // Acme's rule did not reach Globex's shared message.
      expect((await findMessage(t.deps, globex, globexMessage))?.org).to.equal(null);
    });

    it('lists, shows and changes only the tenant\'s own events', async () => {
      expect((await listEvents(t.deps, globex)).every((e) => e.tenantId === globex)).to.equal(true);
      expect((await eventSummaries(t.deps, acme)).map((e) => e.id)).not.to.include(globexEvent);
      expect(await notFound(eventDetail(t.deps, acme, globexEvent))).to.equal(`no event #${globexEvent}`);
      expect(await notFound(changeEvent(t.deps, acme, globexEvent, { command: 'complete', actor: 'alice', via: 'cli' }))).to.equal(`no event #${globexEvent}`);
      expect((await findEvent(t.deps, globex, globexEvent)).status).to.equal('open');
    });
  });
});
