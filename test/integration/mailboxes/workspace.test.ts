// The shared mailbox as the workspace, one table of cases for every provider: a real Dovecot
// with mail delivered through Postfix, and the fake Graph and Gmail (test/fakes) through their
// official clients. Mail is filed into its classification folder; an engineer's own mail client claims,
// completes and puts back by moving messages; a change made elsewhere moves the message to match.
import { expect } from 'chai';
import { setRuleEnabled } from '../../../src/classification/rule-store.js';
import { changeEvent } from '../../../src/events/change.js';
import { commandTokenOf } from '../../../src/people/command-tokens.js';
import { addGroup, addUser, joinGroup, subscribe } from '../../../src/people/people.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import type { Mailbox } from '../../../models/index.js';
import { inProcess } from '../../helpers/cli.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { startWatching, type RunningWatcher } from '../../helpers/imap.js';
import { waitFor } from '../../helpers/net.js';
import { openSharedMailbox, SHARED_MAILBOX_KINDS, type SharedMailbox } from '../../helpers/shared-mailboxes.js';
import { notifyNow } from '../../helpers/notify.js';

const SERVER = { imap: 'Dovecot', graph: 'Microsoft Graph, fake', gmail: 'Gmail, fake' } as const;

for (const kind of SHARED_MAILBOX_KINDS) describe(`the shared mailbox as the workspace (${SERVER[kind]})`, function () {
  this.timeout(60_000);
  let t: TestDb;
  let tenantId: number;
  let mailbox: Mailbox;
  let watcher: RunningWatcher;
  let shared: SharedMailbox;

  const eventOf = async (messageIdHeader: string) => {
    const message = await t.db.models.Message.findOne({ where: { tenantId, messageIdHeader } });
    if (!message) return null;
    const link = await t.db.models.EventMessage.findOne({ where: { tenantId, messageId: message.id } });
    return link ? t.db.models.Event.findOne({ where: { tenantId, id: link.eventId } }) : null;
  };
  const handleOf = async (userId: number | null) => (userId === null ? null : (await t.db.models.User.findByPk(userId))!.handle);
  const inFolder = (folder: string, messageId: string) => async () => (await shared.idsIn(folder)).includes(messageId);

  before(async () => {
    t = await openTestDb();
    ({ tenant: { id: tenantId } } = await addTenant(t.deps, { name: 'ops', address: 'ops@datamer.test' }));
    for (const handle of ['alice', 'bob']) await addUser(t.deps, tenantId, { email: `${handle}@acme.test`, handle });
    await addGroup(t.deps, tenantId, 'dbas');
    await joinGroup(t.deps, tenantId, 'dbas', 'alice');
    await joinGroup(t.deps, tenantId, 'dbas', 'bob');
    await subscribe(t.deps, tenantId, 'dbas', 'acme.db', 'responder');
    shared = await openSharedMailbox(kind, t.deps, tenantId);
    mailbox = shared.mailbox;
    watcher = startWatching(t.deps, mailbox);
    await waitFor(async () => (await t.db.models.Mailbox.findByPk(mailbox.id))!.lastSyncedAt !== null, 'the first pass over the mailbox');
  });

  after(async () => {
    await watcher?.stop();
    await shared?.dispose();
    await t?.dispose();
  });

  it('files new mail into its org folder with its severity as a keyword, and untagged mail into Unclassified', async () => {
    const tagged = await shared.deliver({ subject: ':critical: :org:acme.db: replication broken on db1' });
    const untagged = await shared.deliver({ subject: 'Backup of web3 finished' });
    await waitFor(inFolder('DaTamer/acme/db', tagged), 'the tagged message in DaTamer/acme/db');
    await waitFor(inFolder('DaTamer/Unclassified', untagged), 'the untagged message in DaTamer/Unclassified');
    expect(await shared.idsIn(kind === 'graph' ? 'Inbox' : 'INBOX')).to.not.include.members([tagged, untagged]);
    expect(await shared.severityMarks('DaTamer/acme/db', tagged)).to.include('datamer-critical');
    // The claim folders of the org's responders and its completed folder are there to drag into.
    const folders = await shared.folders();
    expect(folders).to.include.members(['DaTamer/acme/db/@alice', 'DaTamer/acme/db/@bob', 'DaTamer/acme/db/completed']);
    expect((await eventOf(tagged))!.status).to.equal('open');
  });

  it('an engineer moving a message into their claim folder claims its event, is told by mail, and completing it closes it', async () => {
    const id = await shared.deliver({ subject: ':warn: :org:acme.db: slow queries on db2' });
    await waitFor(inFolder('DaTamer/acme/db', id), 'the message to be filed');
    expect(await shared.move('DaTamer/acme/db', id, 'DaTamer/acme/db/@alice')).to.equal(true);
    await waitFor(async () => (await eventOf(id))?.status === 'assigned', 'the event to be claimed');
    const event = (await eventOf(id))!;
    expect(await handleOf(event.assigneeId)).to.equal('alice');
    const claim = await t.db.models.Activity.findOne({ where: { tenantId, eventId: event.id, action: 'assigned' } });
    expect(claim).to.include({ via: 'mailbox', actor: 'alice' });
    await notifyNow(t.deps);
    const notice = await t.db.models.OutboxMail.findOne({ where: { tenantId, kind: 'assignment' }, order: [['id', 'DESC']] });
    expect(notice!.toAddresses).to.deep.equal(['alice@acme.test']);
    expect(notice!.text).to.contain('slow queries on db2');
    expect(notice!.html).to.contain('slow queries on db2');

    expect(await shared.move('DaTamer/acme/db/@alice', id, 'DaTamer/acme/db/completed')).to.equal(true);
    await waitFor(async () => (await eventOf(id))?.status === 'completed', 'the event to be completed');
    const done = await t.db.models.Activity.findOne({ where: { tenantId, eventId: event.id, action: 'completed' } });
    expect(done).to.include({ via: 'mailbox', actor: 'alice' });

    // Dragged back into the pile: open again, nobody's.
    expect(await shared.move('DaTamer/acme/db/completed', id, 'DaTamer/acme/db')).to.equal(true);
    await waitFor(async () => (await eventOf(id))?.status === 'open', 'the event to be reopened and unassigned');
    expect((await eventOf(id))!.assigneeId).to.equal(null);
  });

  it('an assignment made elsewhere moves the message into the claimer\'s folder, and completion into completed', async () => {
    const id = await shared.deliver({ subject: ':info: :org:acme.db: vacuum took 2h on db3' });
    await waitFor(inFolder('DaTamer/acme/db', id), 'the message to be filed');
    const event = (await eventOf(id))!;
    await changeEvent(t.deps, tenantId, event.id, { command: 'assign', handle: 'bob', actor: 'carol', via: 'cli' });
    await waitFor(inFolder('DaTamer/acme/db/@bob', id), "the message in bob's claim folder");
    await changeEvent(t.deps, tenantId, event.id, { command: 'complete', actor: 'bob', via: 'cli' });
    await waitFor(inFolder('DaTamer/acme/db/completed', id), 'the message in completed');
    // DaTamer's own moves are not mistaken for an engineer's.
    const viaMailbox = await t.db.models.Activity.count({ where: { tenantId, eventId: event.id, via: 'mailbox' } });
    expect(viaMailbox).to.equal(0);
  });

  it('two engineers claiming at the same moment: each event goes to whoever\'s folder holds its message', async () => {
    const ids = await Promise.all([1, 2, 3, 4].map((n) => shared.deliver({ subject: `:warn: :org:acme.db: lock wait ${n} on db4` })));
    for (const id of ids) await waitFor(inFolder('DaTamer/acme/db', id), 'the messages to be filed');
    const other = await shared.otherEngineer();
    try {
      // alice takes 1 and 2, bob takes 3 and 4, and both grab 1 at once: the server decides.
      await Promise.all([
        (async () => {
          for (const id of ids.slice(0, 2)) await shared.move('DaTamer/acme/db', id, 'DaTamer/acme/db/@alice');
        })(),
        (async () => {
          await other.move('DaTamer/acme/db', ids[0]!, 'DaTamer/acme/db/@bob');
          for (const id of ids.slice(2)) await other.move('DaTamer/acme/db', id, 'DaTamer/acme/db/@bob');
        })(),
      ]);
    } finally {
      await other.dispose();
    }
    await waitFor(async () => (await Promise.all(ids.map(eventOf))).every((e) => e?.status === 'assigned'), 'all four events to be claimed');
    const inAlice = await shared.idsIn('DaTamer/acme/db/@alice');
    const inBob = await shared.idsIn('DaTamer/acme/db/@bob');
    for (const id of ids) {
      const owner = await handleOf((await eventOf(id))!.assigneeId);
      expect(owner === 'alice' ? inAlice : inBob, `${id} is in ${owner}'s folder`).to.include(id);
    }
  });

  it('an unclassified message filed by hand becomes an example and a suggested rule; once enabled, the next one is filed alike', async () => {
    // The org folder the engineer files into is one DaTamer made for earlier mail of that org.
    const tagged = await shared.deliver({ subject: ':info: :org:acme.db: vacuum finished on db4' });
    await waitFor(inFolder('DaTamer/acme/db', tagged), 'the org folder');
    const id = await shared.deliver({ subject: 'Backup of pg7.acme.example.com failed after 312 s', from: 'backup@acme.example.com' });
    await waitFor(inFolder('DaTamer/Unclassified', id), 'the message in Unclassified');
    expect(await shared.move('DaTamer/Unclassified', id, 'DaTamer/acme/db')).to.equal(true);
    await waitFor(async () => (await t.db.models.LabelledExample.count({ where: { tenantId } })) > 0, 'the labelled example');
    const example = (await t.db.models.LabelledExample.findOne({ where: { tenantId } }))!;
    expect(example.org).to.equal('acme.db');
    expect(example.via).to.equal('mailbox');
    expect((await eventOf(id))!.org).to.equal('acme.db');
    const rule = (await t.db.models.Rule.findByPk(example.suggestedRuleId!))!;
    expect(rule.enabled).to.equal(false);

    await setRuleEnabled(t.deps, tenantId, String(rule.id), true);
    const next = await shared.deliver({ subject: 'Backup of pg9.acme.example.com failed after 15 s', from: 'backup@acme.example.com' });
    await waitFor(inFolder('DaTamer/acme/db', next), 'the next backup failure in DaTamer/acme/db');
  });

  it('a reply with a command that lands in the mailbox is applied, answered, and taken out of the mailbox', async () => {
    const id = await shared.deliver({ subject: ':critical: :org:acme.db: disk full on db5' });
    await waitFor(inFolder('DaTamer/acme/db', id), 'the message to be filed');
    const event = (await eventOf(id))!;
    const alice = (await t.db.models.User.findOne({ where: { tenantId, handle: 'alice' } }))!;
    // A new mail, not an answer: the key in the subject is what proves it is alice's (docs/commands.md).
    const reply = await shared.deliver({ from: 'alice@acme.test', subject: `Re: [DaTamer #${event.id}] disk full on db5 key:${await commandTokenOf(t.deps, alice)}`, text: 'DONE freed 20 GB\n' });

    await waitFor(async () => (await eventOf(id))?.status === 'completed', 'the event completed by the reply');
    const done = await t.db.models.Activity.findOne({ where: { tenantId, eventId: event.id, action: 'completed' } });
    expect(done).to.include({ via: 'email', actor: 'alice' });
    await waitFor(inFolder('DaTamer/acme/db/completed', id), 'the monitoring mail moved into completed');
    // The reply carries alice's key: nobody else on the team may read it in the mailbox.
    const inbox = kind === 'graph' ? 'Inbox' : 'INBOX';
    await waitFor(async () => !(await shared.idsIn(inbox)).includes(reply), 'the reply taken out of the inbox');
    for (const folder of (await shared.folders()).filter((f) => f.startsWith('DaTamer'))) expect(await shared.idsIn(folder), folder).not.to.include(reply);
    const answer = await t.db.models.OutboxMail.findOne({ where: { tenantId, kind: 'command-reply' }, order: [['id', 'DESC']] });
    expect(answer!.toAddresses).to.deep.equal(['alice@acme.test']);
    expect(answer!.text).to.match(/^DONE {2}DONE freed 20 GB$/m);
  });

  it('a message moved from one org folder into another: the suggestion keeps the tags as tags, and the activity says where it went', async () => {
    const failed = await shared.deliver({ subject: ':critical: :org:acme.db.pg: nightly backup of db3 FAILED', from: 'backup@acme.example.com' });
    const other = await shared.deliver({ subject: ':info: :org:acme.db.mysql: binlog rotated', from: 'backup@acme.example.com' });
    await waitFor(inFolder('DaTamer/acme/db/pg', failed), 'the failure in DaTamer/acme/db/pg');
    await waitFor(inFolder('DaTamer/acme/db/mysql', other), 'the mysql folder');
    expect(await shared.move('DaTamer/acme/db/pg', failed, 'DaTamer/acme/db/mysql')).to.equal(true);
    await waitFor(async () => (await eventOf(failed))?.org === 'acme.db.mysql', 'the message to take the org it was moved to');
    const message = (await t.db.models.Message.findOne({ where: { tenantId, messageIdHeader: failed } }))!;
    const example = (await t.db.models.LabelledExample.findOne({ where: { tenantId, messageId: message.id } }))!;
    const rule = (await t.db.models.Rule.findByPk(example.suggestedRuleId!))!;
    // The org tag is tag text, not a server: nothing is captured, no server is set.
    expect(rule.conditions).to.deep.equal([
      { field: 'from', pattern: '^backup@acme\\.example\\.com$' },
      { field: 'subject', pattern: '^:critical: :org:acme\\.db\\.pg: nightly backup of db\\d+ FAILED$' },
    ]);
    expect(rule.actions).to.deep.equal({ org: 'acme.db.mysql' });

    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: t.url, DATAMER_LOG_LEVEL: 'silent' };
    const tested = await inProcess(env, 'rule', 'test', String(rule.id), String(message.id), '--tenant', 'ops');
    expect(tested.stdout).to.contain('  with this rule alone: severity=critical org=acme.db.mysql svr=- ');
    const shown = await inProcess(env, 'event', 'show', String((await eventOf(failed))!.id), '--tenant', 'ops');
    expect(shown.stdout).to.match(/\n {2}\S+ {2}labelled as acme\.db\.mysql \(was acme\.db\.pg\) by mailbox via mailbox\n/);
  });
});
