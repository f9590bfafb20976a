// Microsoft Graph and Gmail when things go wrong, one table of cases against the fakes
// (test/fakes), through the official clients: a throttling storm, an expired delta link or
// history id, access revoked by an admin, the service gone and back, a message deleted by a
// person in the middle of a pass, and ingest mode. In every case: nothing lost, nothing doubled.
import { expect } from 'chai';
import { providerFor, secretOf } from '../../../src/mailboxes/mailbox-store.js';
import { addGroup, addUser, joinGroup, subscribe } from '../../../src/people/people.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import type { Mailbox } from '../../../models/index.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { rawMail, startWatching, TEST_KEY } from '../../helpers/imap.js';
import { waitFor } from '../../helpers/net.js';
import { gmailShared, graphShared, type ApiFaults, type SharedMailbox } from '../../helpers/shared-mailboxes.js';

const KINDS = { graph: { name: 'Microsoft Graph, fake', open: graphShared }, gmail: { name: 'Gmail, fake', open: gmailShared } } as const;

for (const [kind, { name, open }] of Object.entries(KINDS)) describe(`${name}: when things go wrong`, function () {
  this.timeout(60_000);
  let t: TestDb;
  let tenantId: number;
  let cleanups: Array<() => Promise<unknown>> = [];
  const later = (cleanup: () => Promise<unknown>) => cleanups.push(cleanup);

  const storedTimes = (messageIdHeader: string) => t.db.models.Message.count({ where: { tenantId, messageIdHeader } });
  const eventOf = async (messageIdHeader: string) => {
    const message = await t.db.models.Message.findOne({ where: { tenantId, messageIdHeader } });
    const link = message && (await t.db.models.EventMessage.findOne({ where: { tenantId, messageId: message.id } }));
    return link ? t.db.models.Event.findOne({ where: { tenantId, id: link.eventId } }) : null;
  };
  const row = async (mailbox: Mailbox) => (await t.db.models.Mailbox.findByPk(mailbox.id))!;

  /** A fresh mailbox on a fake of its own, watched, after its first pass. */
  async function watched(mode: 'organize' | 'ingest' = 'organize'): Promise<SharedMailbox & { faults: ApiFaults }> {
    const shared = await open(t.deps, tenantId, { mode });
    later(() => shared.dispose());
    const watcher = startWatching(t.deps, shared.mailbox);
    later(() => watcher.stop());
    await waitFor(async () => (await row(shared.mailbox)).lastSyncedAt !== null, 'the first pass over the mailbox');
    return Object.assign(shared, { restart: watcher });
  }
  const filed = (shared: SharedMailbox, folder: string, ids: string[]) => async () => {
    const there = await shared.idsIn(folder);
    return ids.every((id) => there.includes(id));
  };

  before(async () => {
    t = await openTestDb();
    ({ tenant: { id: tenantId } } = await addTenant(t.deps, { name: 'ops', address: 'ops@datamer.test' }));
    await addUser(t.deps, tenantId, { email: 'alice@acme.test', handle: 'alice' });
    await addGroup(t.deps, tenantId, 'dbas');
    await joinGroup(t.deps, tenantId, 'dbas', 'alice');
    await subscribe(t.deps, tenantId, 'dbas', 'acme.db', 'responder');
  });

  afterEach(async () => {
    const undo = cleanups.reverse();
    cleanups = [];
    for (const cleanup of undo) await cleanup().catch(() => undefined);
  });

  after(() => t?.dispose());

  it('a throttling storm: every message is filed once, and the mailbox never has more requests in flight than the service allows', async () => {
    const shared = await watched();
    shared.faults.throttle(6);
    const ids = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => shared.deliver({ subject: `:warn: :org:acme.db: replication lag ${n} on db1` })));
    await waitFor(filed(shared, 'DaTamer/acme/db', ids), 'every message filed');
    for (const id of ids) expect(await storedTimes(id), `${id} stored once`).to.equal(1);
    expect(await shared.idsIn(shared.faults.inbox)).to.deep.equal([]);
    const { refused, maxInFlight } = shared.faults.pressure();
    expect(refused, "the storm happened").to.equal(6);
    if (maxInFlight !== null) expect(maxInFlight).to.be.at.most(4);
  });

  it('an expired cursor: the folders are read again, nothing is stored twice, and a claim made meanwhile counts once', async () => {
    const shared = await watched();
    const first = await shared.deliver({ subject: ':critical: :org:acme.db: primary down on db2' });
    await waitFor(filed(shared, 'DaTamer/acme/db', [first]), 'the first message filed');
    shared.faults.expireCursors();
    const second = await shared.deliver({ subject: ':warn: :org:acme.db: standby lagging on db2' });
    expect(await shared.move('DaTamer/acme/db', first, 'DaTamer/acme/db/@alice')).to.equal(true);
    await waitFor(filed(shared, 'DaTamer/acme/db', [second]), 'the message that came after the cursor expired');
    await waitFor(async () => (await eventOf(first))?.status === 'assigned', "alice's claim");
    const claims = await t.db.models.Activity.count({ where: { tenantId, eventId: (await eventOf(first))!.id, action: 'assigned' } });
    expect(claims).to.equal(1);
    // Expired again (Graph: the other of its two answers): still nothing twice.
    shared.faults.expireCursors();
    const third = await shared.deliver({ subject: ':warn: :org:acme.db: standby caught up on db2' });
    await waitFor(filed(shared, 'DaTamer/acme/db', [third]), 'the message that came after the cursor expired again');
    for (const id of [first, second, third]) expect(await storedTimes(id), `${id} stored once`).to.equal(1);
    expect(await shared.idsIn('DaTamer/acme/db/@alice')).to.deep.equal([first]);
    expect(await t.db.models.Activity.count({ where: { tenantId, eventId: (await eventOf(first))!.id, action: 'assigned' } })).to.equal(1);
  });

  it('access revoked by an admin: the mailbox says so in the admin\'s words; once it is back, what came meanwhile is filed once', async () => {
    const shared = await watched();
    shared.faults.refuseCredential();
    const meanwhile = await shared.deliver({ subject: ':warn: :org:acme.db: checkpoint slow on db3' });
    await waitFor(async () => (await row(shared.mailbox)).lastError !== null, 'the mailbox to record the refusal');
    const said = (await row(shared.mailbox)).lastError;
    expect(said, said ?? '').to.match(kind === 'graph' ? /Microsoft Entra ID refused the app's client secret/ : /Google refused to let service account \S+ act for \S+: in the Admin console .*Domain-wide delegation/);
    expect(await storedTimes(meanwhile)).to.equal(0);
    await shared.faults.restoreCredential();
    await waitFor(filed(shared, 'DaTamer/acme/db', [meanwhile]), 'the mail that came meanwhile');
    await waitFor(async () => (await row(shared.mailbox)).lastError === null, 'the error to clear');
    expect(await storedTimes(meanwhile)).to.equal(1);
  });

  it('the service goes away and comes back: the mailbox says it cannot be reached, then files what came meanwhile, once', async () => {
    const shared = await watched();
    await shared.faults.goAway();
    let away = true;
    later(async () => away && shared.faults.comeBack());
    const meanwhile = await Promise.all([1, 2].map((n) => shared.deliver({ subject: `:critical: :org:acme.db: outage ${n}` })));
    await waitFor(async () => /cannot reach/.test((await row(shared.mailbox)).lastError ?? ''), 'the mailbox to say the service cannot be reached');
    await shared.faults.comeBack();
    away = false;
    await waitFor(filed(shared, 'DaTamer/acme/db', meanwhile), 'the mail that came while it was away');
    await waitFor(async () => (await row(shared.mailbox)).lastError === null, 'the error to clear');
    for (const id of meanwhile) expect(await storedTimes(id)).to.equal(1);
  });

  it('a message deleted by a person while DaTamer takes it in: the others are filed once, and the next pass goes on', async () => {
    const shared = await watched();
    const doomed = `<doomed-${Date.now()}@monitor.example.com>`;
    shared.faults.deleteWhenFetched(doomed);
    const before = await shared.deliver({ subject: ':info: :org:acme.db: vacuum 1 done' });
    await shared.deliver({ subject: ':info: :org:acme.db: vacuum 2 done', messageId: doomed });
    const after = await shared.deliver({ subject: ':info: :org:acme.db: vacuum 3 done' });
    await waitFor(filed(shared, 'DaTamer/acme/db', [before, after]), 'the other messages filed');
    expect(await storedTimes(doomed)).to.equal(0);
    for (const id of [before, after]) expect(await storedTimes(id)).to.equal(1);
    const next = await shared.deliver({ subject: ':info: :org:acme.db: vacuum 4 done' });
    await waitFor(filed(shared, 'DaTamer/acme/db', [next]), 'the next message filed');
    expect((await row(shared.mailbox)).lastError).to.equal(null);
  });

  it('ingest mode: each message is stored once, then deleted from the mailbox; no folders are made', async () => {
    const shared = await watched('ingest');
    const ids = await Promise.all([1, 2, 3].map((n) => shared.deliver({ subject: `:warn: :org:acme.db: disk ${n} failing` })));
    await waitFor(filed(shared, shared.faults.deletedFolder, ids), `the messages in ${shared.faults.deletedFolder}`);
    for (const id of ids) expect(await storedTimes(id)).to.equal(1);
    expect(await shared.idsIn(shared.faults.inbox)).to.deep.equal([]);
    expect((await shared.folders()).filter((f) => f.startsWith('DaTamer'))).to.deep.equal([]);
  });

  it('sends mail as the mailbox, once, also when the first try is throttled', async () => {
    const shared = await open(t.deps, tenantId);
    later(() => shared.dispose());
    const session = await providerFor(shared.mailbox).open(shared.mailbox.settings, secretOf(shared.mailbox, TEST_KEY), t.deps.log);
    later(() => session.close());
    const raw = rawMail({ subject: '[DaTamer] replication broken on db1', from: shared.mailbox.address.replace(/^\w+:/, ''), messageId: `<sent-${Date.now()}@datamer.test>` }, 'alice@acme.test');
    shared.faults.throttle(1);
    await session.send!(raw);
    const sent = shared.faults.sent();
    expect(sent).to.have.length(1);
    expect(sent[0]!.toString()).to.equal(raw.toString());
    expect(shared.faults.pressure().refused).to.equal(1);
  });
});
