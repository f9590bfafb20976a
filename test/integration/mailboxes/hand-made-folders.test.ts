// Folders an engineer makes by hand in a mail client, where DaTamer would have made them, before
// DaTamer made them (docs/mailbox.md, "The folder layout"): the running service follows them
// within one poll, and what was moved into them before it looked counts.
import { expect } from 'chai';
import type { ImapFlow } from 'imapflow';
import { addGroup, addUser, joinGroup, subscribe } from '../../../src/people/people.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { addTestMailbox, deliverThroughPostfix, engineerClient, freshMailboxUser, messageIdsIn, moveMessage, startWatching, type RunningWatcher } from '../../helpers/imap.js';
import { requireMailServers, waitFor } from '../../helpers/net.js';

describe('folders an engineer makes by hand while the service runs (Dovecot)', function () {
  this.timeout(60_000);
  let t: TestDb;
  let tenantId: number;
  let user: string;
  let engineer: ImapFlow;
  let watcher: RunningWatcher;

  const messageOf = async (messageIdHeader: string) => (await t.db.models.Message.findOne({ where: { tenantId, messageIdHeader } }))!;
  const eventOf = async (messageIdHeader: string) => {
    const link = (await t.db.models.EventMessage.findOne({ where: { tenantId, messageId: (await messageOf(messageIdHeader)).id } }))!;
    return (await t.db.models.Event.findByPk(link.eventId))!;
  };
  const filed = (folder: string, messageId: string) => async () => (await messageIdsIn(engineer, folder)).includes(messageId);

  before(async () => {
    requireMailServers();
    t = await openTestDb();
    ({ tenant: { id: tenantId } } = await addTenant(t.deps, { name: 'ops', address: 'ops@datamer.test' }));
    await addUser(t.deps, tenantId, { email: 'alice@acme.test', handle: 'alice' });
    // dave is a user of the tenant but answers for no org: DaTamer makes no claim folder for him.
    await addUser(t.deps, tenantId, { email: 'dave@acme.test', handle: 'dave' });
    await addGroup(t.deps, tenantId, 'dbas');
    await joinGroup(t.deps, tenantId, 'dbas', 'alice');
    await subscribe(t.deps, tenantId, 'dbas', 'acme.db', 'responder');
    user = freshMailboxUser();
    engineer = await engineerClient(user);
    const mailbox = await addTestMailbox(t.deps, tenantId, user);
    watcher = startWatching(t.deps, mailbox);
    await waitFor(async () => (await t.db.models.Mailbox.findByPk(mailbox.id))!.lastSyncedAt !== null, 'the first pass over the mailbox');
  });

  after(async () => {
    await watcher?.stop();
    await engineer?.logout().catch(() => undefined);
    await t?.dispose();
  });

  it('a claim folder dave makes for himself and moves a message into at once is his claim', async () => {
    const id = await deliverThroughPostfix(user, { subject: ':critical: :org:acme.db: replication broken on db1' });
    await waitFor(filed('DaTamer/acme/db', id), 'the message filed into its org folder');
    expect(await engineer.list().then((all) => all.map((f) => f.path))).not.to.include('DaTamer/acme/db/@dave');

    await engineer.mailboxCreate('DaTamer/acme/db/@dave');
    expect(await moveMessage(engineer, 'DaTamer/acme/db', id, 'DaTamer/acme/db/@dave')).to.equal(true);

    await waitFor(async () => (await eventOf(id)).status === 'assigned', "dave's claim in the folder he made");
    const dave = await t.db.models.User.findOne({ where: { tenantId, handle: 'dave' } });
    expect((await eventOf(id)).assigneeId).to.equal(dave!.id);
    const claim = await t.db.models.Activity.findOne({ where: { tenantId, eventId: (await eventOf(id)).id, action: 'assigned' } });
    expect(claim).to.include({ via: 'mailbox', actor: 'dave' });
    expect(await messageIdsIn(engineer, 'DaTamer/acme/db/@dave')).to.deep.equal([id]);
  });

  it('an org folder made by hand files what is moved into it under that org, and new mail of the org goes there too', async () => {
    const untagged = await deliverThroughPostfix(user, { subject: 'disk almost full on web1' });
    await waitFor(filed('DaTamer/Unclassified', untagged), 'the untagged message in Unclassified');

    await engineer.mailboxCreate('DaTamer/acme/web');
    expect(await moveMessage(engineer, 'DaTamer/Unclassified', untagged, 'DaTamer/acme/web')).to.equal(true);

    await waitFor(async () => (await messageOf(untagged)).org === 'acme.web', 'the message labelled with the org of the folder');
    const example = await t.db.models.LabelledExample.findOne({ where: { tenantId, messageId: (await messageOf(untagged)).id } });
    expect(example).to.include({ org: 'acme.web' });
    // Its folder is DaTamer's from now on: new mail of the org is filed there, and it stays where it is.
    const next = await deliverThroughPostfix(user, { subject: ':warn: :org:acme.web: slow answers on web2' });
    await waitFor(filed('DaTamer/acme/web', next), 'new mail of the org filed into the folder made by hand');
    expect(await messageIdsIn(engineer, 'DaTamer/acme/web')).to.have.members([untagged, next]);
  });

  it('a folder that is not named as DaTamer names its folders means nothing to it', async () => {
    const id = await deliverThroughPostfix(user, { subject: ':info: :org:acme.db: vacuum done on db1' });
    await waitFor(filed('DaTamer/acme/db', id), 'the message filed into its org folder');
    await engineer.mailboxCreate('DaTamer/acme/db/to look at');
    expect(await moveMessage(engineer, 'DaTamer/acme/db', id, 'DaTamer/acme/db/to look at')).to.equal(true);
    // A later message passes through a whole pass and is filed: the stray folder was seen and left alone by then.
    const later = await deliverThroughPostfix(user, { subject: ':info: :org:acme.db: vacuum done on db2' });
    await waitFor(filed('DaTamer/acme/db', later), 'a later message filed');
    const folders = await t.db.models.MailboxFolder.findAll({ where: { tenantId }, attributes: ['path'] });
    expect(folders.map((f) => f.path)).not.to.include('DaTamer/acme/db/to look at');
    expect(await eventOf(id)).to.include({ status: 'open', assigneeId: null });
  });
});
