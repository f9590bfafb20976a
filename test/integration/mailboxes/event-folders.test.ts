// The shared mailbox follows the event, not the message (docs/mailbox.md, "Events of several
// messages"): one table of cases for every provider, a real Dovecot and the fake Graph and Gmail
// (test/fakes). The messages of one event are filed together; claiming or completing one of them
// in a mail client takes them all; a merge moves the merged mail to the event it joined, a split
// sends the split message back to its org's folder.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { changeEvent } from '../../../src/events/change.js';
import { mergeEvents, splitMessage } from '../../../src/events/corrections.js';
import { addGroup, addUser, joinGroup, subscribe } from '../../../src/people/people.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { startWatching, type RunningWatcher } from '../../helpers/imap.js';
import { waitFor } from '../../helpers/net.js';
import { openSharedMailbox, SHARED_MAILBOX_KINDS, type SharedMailbox } from '../../helpers/shared-mailboxes.js';

const SERVER = { imap: 'Dovecot', graph: 'Microsoft Graph, fake', gmail: 'Gmail, fake' } as const;

for (const kind of SHARED_MAILBOX_KINDS) describe(`the shared mailbox follows events of several messages (${SERVER[kind]})`, function () {
  this.timeout(60_000);
  let t: TestDb;
  let tenantId: number;
  let watcher: RunningWatcher;
  let shared: SharedMailbox;

  const messageOf = async (messageIdHeader: string) => (await t.db.models.Message.findOne({ where: { tenantId, messageIdHeader } }))!;
  const eventIdOf = async (messageIdHeader: string) =>
    (await t.db.models.EventMessage.findOne({ where: { tenantId, messageId: (await messageOf(messageIdHeader)).id } }))!.eventId;
  const eventOf = async (messageIdHeader: string) => (await t.db.models.Event.findOne({ where: { tenantId, id: await eventIdOf(messageIdHeader) } }))!;
  const handleOf = async (userId: number | null) => (userId === null ? null : (await t.db.models.User.findByPk(userId))!.handle);
  const allIn = (folder: string, ids: string[]) => async () => {
    const there = await shared.idsIn(folder);
    return ids.every((id) => there.includes(id));
  };
  const by = { actor: 'carol', via: 'cli' as const, reason: null };

  /** Mail that arrives and is filed, then is made one event by MERGE; answers the Message-IDs, the first one's event first. */
  async function oneEvent(subjects: string[], folder: string): Promise<string[]> {
    const ids: string[] = [];
    for (const subject of subjects) ids.push(await shared.deliver({ subject }));
    await waitFor(allIn(folder, ids), `the messages filed into ${folder}`);
    const target = await eventIdOf(ids[0]!);
    for (const id of ids.slice(1)) await mergeEvents(t.deps, tenantId, await eventIdOf(id), target, by);
    return ids;
  }

  before(async () => {
    t = await openTestDb();
    ({ tenant: { id: tenantId } } = await addTenant(t.deps, { name: 'ops', address: 'ops@datamer.test' }));
    for (const handle of ['alice', 'bob', 'carol']) await addUser(t.deps, tenantId, { email: `${handle}@acme.test`, handle });
    await addGroup(t.deps, tenantId, 'dbas');
    await joinGroup(t.deps, tenantId, 'dbas', 'alice');
    await joinGroup(t.deps, tenantId, 'dbas', 'bob');
    await subscribe(t.deps, tenantId, 'dbas', 'acme.*', 'responder');
    shared = await openSharedMailbox(kind, t.deps, tenantId);
    watcher = startWatching(t.deps, shared.mailbox);
    await waitFor(async () => (await t.db.models.Mailbox.findByPk(shared.mailbox.id))!.lastSyncedAt !== null, 'the first pass over the mailbox');
  });

  after(async () => {
    await watcher?.stop();
    await shared?.dispose();
    await t?.dispose();
  });

  it('moving one message into a claim folder claims its event and brings the other messages; completed takes them all', async () => {
    const ids = await oneEvent([':warn: :org:acme.nfs: stale file handle on app1', ':warn: :org:acme.nfs: stale file handle on app2', ':critical: :org:acme.nfs: NFS server not responding'], 'DaTamer/acme/nfs');

    expect(await shared.move('DaTamer/acme/nfs', ids[1]!, 'DaTamer/acme/nfs/@bob')).to.equal(true);
    await waitFor(allIn('DaTamer/acme/nfs/@bob', ids), "all three messages in bob's claim folder");
    const event = await eventOf(ids[0]!);
    expect(event.status).to.equal('assigned');
    expect(await handleOf(event.assigneeId)).to.equal('bob');
    expect(await shared.idsIn('DaTamer/acme/nfs')).to.not.include.members(ids);

    expect(await shared.move('DaTamer/acme/nfs/@bob', ids[2]!, 'DaTamer/acme/nfs/completed')).to.equal(true);
    await waitFor(allIn('DaTamer/acme/nfs/completed', ids), 'all three messages in completed');
    expect((await eventOf(ids[0]!)).status).to.equal('completed');
    // The engineer made two moves; the messages DaTamer moved after them are not taken for more.
    const viaMailbox = await t.db.models.Activity.findAll({ where: { tenantId, eventId: event.id, via: 'mailbox' }, order: [['id', 'ASC']] });
    expect(viaMailbox.map((a) => a.action)).to.deep.equal(['assigned', 'completed']);
  });

  it('after MERGE the merged mail moves to where the event it joined is, in that event\'s org', async () => {
    const db = await shared.deliver({ subject: ':warn: :org:acme.db: NFS stale handle under /var/lib/pg on db1' });
    const web = await shared.deliver({ subject: ':warn: :org:acme.web: NFS stale handle under /srv on web1' });
    await waitFor(allIn('DaTamer/acme/db', [db]), 'the db message filed');
    await waitFor(allIn('DaTamer/acme/web', [web]), 'the web message filed');
    await changeEvent(t.deps, tenantId, await eventIdOf(db), { command: 'assign', handle: 'alice', actor: 'alice', via: 'cli' });
    await waitFor(allIn('DaTamer/acme/db/@alice', [db]), "the db message in alice's claim folder");

    await mergeEvents(t.deps, tenantId, await eventIdOf(web), await eventIdOf(db), { ...by, reason: 'one NFS outage' });
    await waitFor(allIn('DaTamer/acme/db/@alice', [db, web]), "the web message beside it in alice's claim folder");
    expect(await shared.idsIn('DaTamer/acme/web')).to.not.include(web);
    expect((await eventOf(web)).assigneeId).to.equal((await eventOf(db)).assigneeId);
  });

  it('after SPLIT the split message goes back to its org\'s folder, open; the others stay with the claim', async () => {
    const ids = await oneEvent([':warn: :org:acme.db: replication lag on db2', ':info: :org:acme.db: vacuum finished on db2'], 'DaTamer/acme/db');
    await changeEvent(t.deps, tenantId, await eventIdOf(ids[0]!), { command: 'assign', handle: 'bob', actor: 'carol', via: 'cli' });
    await waitFor(allIn('DaTamer/acme/db/@bob', ids), "both messages in bob's claim folder");

    await splitMessage(t.deps, tenantId, await eventIdOf(ids[0]!), (await messageOf(ids[1]!)).id, { ...by, reason: 'routine mail' });
    await waitFor(allIn('DaTamer/acme/db', [ids[1]!]), 'the split message back in DaTamer/acme/db');
    expect(await shared.idsIn('DaTamer/acme/db/@bob')).to.include(ids[0]!).and.not.include(ids[1]!);
    expect(await eventOf(ids[1]!)).to.include({ status: 'open', assigneeId: null });
  });

  it('filing one message into another org\'s folder files the event there: the others follow, and it stays as loud as its loudest', async () => {
    const ids = await oneEvent([':critical: :org:acme.web: NFS mount lost on web5', ':info: :org:acme.web: NFS mount retrying on web5'], 'DaTamer/acme/web');
    expect(await shared.move('DaTamer/acme/web', ids[1]!, 'DaTamer/acme/db')).to.equal(true);
    await waitFor(allIn('DaTamer/acme/db', ids), 'both messages in DaTamer/acme/db');
    expect(await eventOf(ids[0]!)).to.include({ org: 'acme.db', severity: 'critical', status: 'open' });
  });

  it('new mail that joins a claimed event is filed straight into the claimer\'s folder; completed then takes it with the rest', async () => {
    const first = await shared.deliver({ subject: ':critical: :org:acme.db: :svr:db8.acme.test: disk 1 of the RAID array failed on db8' });
    await waitFor(allIn('DaTamer/acme/db', [first]), 'the first message filed');
    expect(await shared.move('DaTamer/acme/db', first, 'DaTamer/acme/db/@alice')).to.equal(true);
    await waitFor(async () => (await eventOf(first)).status === 'assigned', "the event claimed by alice's move");

    // The same problem of the same host again (a repeat, which joins even on a tenant with no
    // history yet): grouping joins it to the claimed event, and it goes to alice at once.
    const later = await shared.deliver({ subject: ':critical: :org:acme.db: :svr:db8.acme.test: disk 2 of the RAID array failed on db8' });
    await waitFor(allIn('DaTamer/acme/db/@alice', [first, later]), "the new message in alice's claim folder");
    expect(await eventIdOf(later)).to.equal(await eventIdOf(first));
    expect(await shared.idsIn('DaTamer/acme/db')).to.not.include(later);
    // DaTamer filed it there; it is no move of alice's.
    expect((await t.db.models.Activity.findAll({ where: { tenantId, eventId: await eventIdOf(first) } })).map((a) => a.action)).to.deep.equal(['assigned']);

    expect(await shared.move('DaTamer/acme/db/@alice', first, 'DaTamer/acme/db/completed')).to.equal(true);
    await waitFor(allIn('DaTamer/acme/db/completed', [first, later]), 'both messages in completed');
    expect((await eventOf(later)).status).to.equal('completed');
  });

  it('after MERGE of a claimed event into one nobody had, the target is the claimer\'s and all its mail goes to their folder', async () => {
    const target = await shared.deliver({ subject: ':warn: :org:acme.web: 502 errors from the load balancer' });
    const claimed = await shared.deliver({ subject: ':critical: :org:acme.web: :svr:api4.acme.test: upstream api4 unreachable' });
    await waitFor(allIn('DaTamer/acme/web', [target, claimed]), 'both filed');
    expect(await eventIdOf(claimed)).to.not.equal(await eventIdOf(target));
    expect(await shared.move('DaTamer/acme/web', claimed, 'DaTamer/acme/web/@bob')).to.equal(true);
    await waitFor(async () => (await eventOf(claimed)).status === 'assigned', "the event claimed by bob's move");

    await mergeEvents(t.deps, tenantId, await eventIdOf(claimed), await eventIdOf(target), { ...by, reason: 'the 502s are api4' });
    const merged = await eventOf(target);
    expect(merged.status).to.equal('assigned');
    expect(await handleOf(merged.assigneeId)).to.equal('bob');
    await waitFor(allIn('DaTamer/acme/web/@bob', [target, claimed]), "both messages in bob's claim folder");
    expect(await shared.idsIn('DaTamer/acme/web')).to.not.include(target);
  });

  it('mail of a claimed event arriving later is filed straight into the claimer\'s folder', async () => {
    const first = await shared.deliver({ subject: ':critical: :org:acme.db: disk failed on db3' });
    const again = { subject: ':critical: :org:acme.db: disk failed on db4', messageId: `<${randomUUID()}@monitor.example.com>` };
    const second = await shared.deliverExactly(again);
    await waitFor(allIn('DaTamer/acme/db', [first, second]), 'both filed');
    await mergeEvents(t.deps, tenantId, await eventIdOf(second), await eventIdOf(first), by);
    expect(await shared.move('DaTamer/acme/db', first, 'DaTamer/acme/db/@alice')).to.equal(true);
    await waitFor(allIn('DaTamer/acme/db/@alice', [first, second]), "both in alice's claim folder");

    // The same mail once more (a relay retried it): it belongs to the claimed event, and goes to alice at once.
    await shared.deliverExactly(again);
    await waitFor(async () => (await shared.idsIn('DaTamer/acme/db/@alice')).filter((id) => id === second).length === 2, "the retried mail in alice's claim folder");
    expect(await shared.idsIn('DaTamer/acme/db')).to.not.include(second);
    expect((await messageOf(second)).deliveries).to.equal(2);
  });
});
