// The shared mailbox when things go wrong, against a real Dovecot and Postfix: DaTamer stopped
// while mail arrives and engineers work, folders renumbered by the server, the server itself
// restarted mid-work, a wrong password next to a good mailbox, odd folder names, and a server
// without MOVE. In every case: nothing lost, nothing stored twice, nothing done twice.
import { expect } from 'chai';
import { ImapFlow } from 'imapflow';
import { changeEvent } from '../../../src/events/change.js';
import { imapMailbox } from '../../../src/mailboxes/imap/provider.js';
import { addMailbox } from '../../../src/mailboxes/mailbox-store.js';
import { watchMailboxes } from '../../../src/mailboxes/watcher.js';
import { addGroup, addUser, joinGroup, subscribe } from '../../../src/people/people.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import type { Mailbox } from '../../../models/index.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import {
  addTestMailbox,
  appendTo,
  deliverThroughPostfix,
  engineerClient,
  FAST_WATCH,
  flushPostfixQueue,
  folderStatus,
  freshMailboxUser,
  MAIL_PASSWORD,
  messageIdsIn,
  moveMessage,
  renumberFolder,
  startDovecot,
  startDovecotWithCapabilities,
  startWatching,
  stopDovecot,
  TEST_KEY,
} from '../../helpers/imap.js';
import { freePort, requireMailServers, waitFor } from '../../helpers/net.js';

describe('the shared mailbox when things go wrong (Dovecot)', function () {
  this.timeout(60_000);
  let t: TestDb;
  let tenantId: number;
  /** undone after each test, last first, even when it failed */
  let cleanups: Array<() => Promise<unknown>> = [];
  const later = (cleanup: () => Promise<unknown>) => cleanups.push(cleanup);

  const messageOf = (messageIdHeader: string) => t.db.models.Message.findOne({ where: { tenantId, messageIdHeader } });
  /** How many times a message is in the database: it must be once. */
  const storedTimes = (messageIdHeader: string) => t.db.models.Message.count({ where: { tenantId, messageIdHeader } });
  const eventOf = async (messageIdHeader: string) => {
    const message = await messageOf(messageIdHeader);
    if (!message) return null;
    const link = await t.db.models.EventMessage.findOne({ where: { tenantId, messageId: message.id } });
    return link ? t.db.models.Event.findOne({ where: { tenantId, id: link.eventId } }) : null;
  };
  const assigneeOf = async (messageIdHeader: string) => {
    const event = await eventOf(messageIdHeader);
    return event?.assigneeId ? (await t.db.models.User.findByPk(event.assigneeId))!.handle : null;
  };
  const claimsOf = async (messageIdHeader: string) =>
    t.db.models.Activity.findAll({ where: { tenantId, eventId: (await eventOf(messageIdHeader))!.id, action: ['assigned', 'reassigned'] }, order: [['id', 'ASC']] });
  const mailboxRow = async (mailbox: Mailbox) => (await t.db.models.Mailbox.findByPk(mailbox.id))!;
  const firstPass = (mailbox: Mailbox) => waitFor(async () => (await mailboxRow(mailbox)).lastSyncedAt !== null, 'the first pass over the mailbox');

  /** A fresh shared mailbox of the tenant, and an engineer logged in to it. */
  async function workspace(options: { query?: string } = {}) {
    const user = freshMailboxUser();
    const mailbox = await addTestMailbox(t.deps, tenantId, user, options);
    const engineer = await engineerClient(user);
    later(() => engineer.logout().catch(() => undefined));
    const inFolder = (folder: string, id: string) => async () => (await messageIdsIn(engineer, folder)).includes(id);
    return { user, mailbox, engineer, inFolder };
  }
  function watch(mailbox: Mailbox) {
    const watcher = startWatching(t.deps, mailbox);
    later(() => watcher.stop());
    return watcher;
  }

  before(async () => {
    requireMailServers();
    t = await openTestDb();
    ({ tenant: { id: tenantId } } = await addTenant(t.deps, { name: 'ops', address: 'ops@datamer.test' }));
    for (const handle of ['alice', 'bob', 'j.doe']) await addUser(t.deps, tenantId, { email: `${handle}@acme.test`, handle });
    await addGroup(t.deps, tenantId, 'dbas');
    await joinGroup(t.deps, tenantId, 'dbas', 'alice');
    await joinGroup(t.deps, tenantId, 'dbas', 'bob');
    await subscribe(t.deps, tenantId, 'dbas', 'acme.db', 'responder');
    await addGroup(t.deps, tenantId, 'web');
    await joinGroup(t.deps, tenantId, 'web', 'j.doe');
    await subscribe(t.deps, tenantId, 'web', 'acme.web', 'responder');
  });

  afterEach(async () => {
    const undo = cleanups.reverse();
    cleanups = [];
    for (const cleanup of undo) await cleanup().catch(() => undefined);
  });

  after(async () => {
    // Whatever happened, the next test file finds a running Dovecot.
    await startDovecot();
    await t?.dispose();
  });

  it('takes in mail that came while it was stopped, and a claim made meanwhile, when it starts again', async () => {
    const { user, mailbox, engineer, inFolder } = await workspace();
    let watcher = watch(mailbox);
    await firstPass(mailbox);
    const before = await deliverThroughPostfix(user, { subject: ':warn: :org:acme.db: disk 91% full on db1' });
    await waitFor(inFolder('DaTamer/acme/db', before), 'the first message to be filed');
    await watcher.stop();

    // DaTamer is down: mail keeps coming, and alice claims the filed message from her mail client.
    const arrived = await Promise.all([1, 2, 3].map((n) => deliverThroughPostfix(user, { subject: `:critical: :org:acme.db: replica ${n} stopped` })));
    await waitFor(async () => (await messageIdsIn(engineer, 'INBOX')).length === 3, 'the three messages in INBOX');
    expect(await moveMessage(engineer, 'DaTamer/acme/db', before, 'DaTamer/acme/db/@alice')).to.equal(true);
    for (const id of arrived) expect(await messageOf(id), 'nothing is taken in while stopped').to.equal(null);

    watcher = watch(mailbox);
    for (const id of arrived) await waitFor(inFolder('DaTamer/acme/db', id), 'the mail that came meanwhile to be filed');
    await waitFor(async () => (await assigneeOf(before)) === 'alice', "alice's claim to be recorded");
    expect(await messageIdsIn(engineer, 'INBOX')).to.deep.equal([]);
    const claims = await claimsOf(before);
    expect(claims).to.have.length(1);
    expect(claims[0]).to.include({ via: 'mailbox', actor: 'alice' });
    for (const id of [before, ...arrived]) expect(await storedTimes(id), `${id} stored once`).to.equal(1);
  });

  it('reads the whole inbox again when the server renumbers it, and stores nothing twice', async () => {
    const { user, mailbox, engineer, inFolder } = await workspace();
    let watcher = watch(mailbox);
    await firstPass(mailbox);
    const filed = await Promise.all([1, 2, 3, 4, 5].map((n) => deliverThroughPostfix(user, { subject: `:info: :org:acme.db: nightly check ${n} ok` })));
    for (const id of filed) await waitFor(inFolder('DaTamer/acme/db', id), 'the first messages to be filed');
    await watcher.stop();

    // While DaTamer is stopped: new mail, and an engineer drags a filed message back to the inbox.
    const unfiled = [];
    for (const n of [1, 2, 3]) {
      const messageId = `<renumbered-${n}-${user}>`;
      await appendTo(engineer, 'INBOX', { subject: `:warn: :org:acme.db: lag ${n} on db7`, messageId }, user);
      unfiled.push(messageId);
    }
    expect(await moveMessage(engineer, 'DaTamer/acme/db', filed[0]!, 'INBOX')).to.equal(true);
    const was = await folderStatus(engineer, 'INBOX');
    // Restored from a backup: the four messages now have UIDs 1-4, below where DaTamer had read
    // to. The engineer logs out first, so that no Dovecot process holds on to the old index.
    await engineer.logout();
    renumberFolder(user, 'INBOX');
    const client = await engineerClient(user);
    later(() => client.logout().catch(() => undefined));
    const now = await folderStatus(client, 'INBOX');
    expect(now.uidValidity).to.not.equal(was.uidValidity);
    expect(now.uidNext).to.equal(5);

    watcher = watch(mailbox);
    for (const id of [...unfiled, filed[0]!]) {
      await waitFor(async () => (await messageIdsIn(client, 'DaTamer/acme/db')).includes(id), 'every message of the renumbered inbox to be filed');
    }
    expect(await messageIdsIn(client, 'INBOX')).to.deep.equal([]);
    for (const id of [...filed, ...unfiled]) expect(await storedTimes(id), `${id} stored once`).to.equal(1);
  });

  it('a renumbered claim folder: a claim made while stopped counts, one made before is not made again', async () => {
    const { user, mailbox, engineer, inFolder } = await workspace();
    let watcher = watch(mailbox);
    await firstPass(mailbox);
    const [first, second, third] = await Promise.all([1, 2, 3].map((n) => deliverThroughPostfix(user, { subject: `:critical: :org:acme.db: primary ${n} down` })));
    for (const id of [first!, second!, third!]) await waitFor(inFolder('DaTamer/acme/db', id), 'the messages to be filed');
    // alice claims two and completes one: her folder holds one message, DaTamer has read it to UID 2.
    for (const id of [first!, second!]) {
      expect(await moveMessage(engineer, 'DaTamer/acme/db', id, 'DaTamer/acme/db/@alice')).to.equal(true);
      await waitFor(async () => (await assigneeOf(id)) === 'alice', "alice's claim");
    }
    expect(await moveMessage(engineer, 'DaTamer/acme/db/@alice', second!, 'DaTamer/acme/db/completed')).to.equal(true);
    await waitFor(async () => (await eventOf(second!))?.status === 'completed', 'the completion');
    await watcher.stop();

    // While DaTamer is stopped: the first event goes to bob from the command line, alice claims
    // the third message, and the server renumbers her folder: both messages in it now have UIDs
    // DaTamer has read past, and the first one looks like a move it has not seen.
    const event = (await eventOf(first!))!;
    await changeEvent(t.deps, tenantId, event.id, { command: 'assign', handle: 'bob', actor: 'carol', via: 'cli' });
    expect(await moveMessage(engineer, 'DaTamer/acme/db', third!, 'DaTamer/acme/db/@alice')).to.equal(true);
    const was = await folderStatus(engineer, 'DaTamer/acme/db/@alice');
    await engineer.logout();
    renumberFolder(user, 'DaTamer/acme/db/@alice');
    const client = await engineerClient(user);
    later(() => client.logout().catch(() => undefined));
    const now = await folderStatus(client, 'DaTamer/acme/db/@alice');
    expect(now.uidValidity).to.not.equal(was.uidValidity);
    expect(now.uidNext).to.equal(3);

    watcher = watch(mailbox);
    await waitFor(async () => (await assigneeOf(third!)) === 'alice', "alice's claim made while DaTamer was stopped");
    // The first message goes where the database says (bob's folder); alice's old move is not replayed.
    await waitFor(async () => (await messageIdsIn(client, 'DaTamer/acme/db/@bob')).includes(first!), "the first message to follow the assignment into bob's folder");
    expect(await assigneeOf(first!)).to.equal('bob');
    expect((await claimsOf(first!)).map((c) => [c.actor, c.via])).to.deep.equal([
      ['alice', 'mailbox'],
      ['carol', 'cli'],
    ]);
    expect((await claimsOf(third!)).map((c) => [c.actor, c.via])).to.deep.equal([['alice', 'mailbox']]);
    expect(await messageIdsIn(client, 'DaTamer/acme/db/@alice')).to.deep.equal([third]);
    for (const id of [first!, second!, third!]) expect(await storedTimes(id)).to.equal(1);
  });

  it('says the server cannot be reached while Dovecot is down, and files what Postfix held back once it is up', async () => {
    const { user, mailbox } = await workspace();
    watch(mailbox);
    await firstPass(mailbox);
    later(() => startDovecot());

    await stopDovecot();
    // Postfix takes the mail and keeps it queued: its LMTP delivery to Dovecot is refused.
    const held = await Promise.all([1, 2].map((n) => deliverThroughPostfix(user, { subject: `:critical: :org:acme.db: outage ${n}` })));
    await waitFor(async () => /cannot reach the server/.test((await mailboxRow(mailbox)).lastError ?? ''), 'the mailbox to say the server cannot be reached');
    const broken = await mailboxRow(mailbox);
    expect(broken.lastError).to.contain('127.0.0.1:');
    expect(broken.lastErrorAt).to.not.equal(null);

    await startDovecot();
    flushPostfixQueue();
    const engineer = await engineerClient(user);
    later(() => engineer.logout().catch(() => undefined));
    for (const id of held) await waitFor(async () => (await messageIdsIn(engineer, 'DaTamer/acme/db')).includes(id), 'the held-back mail to be filed');
    await waitFor(async () => (await mailboxRow(mailbox)).lastError === null, 'the error to clear');
    for (const id of held) expect(await storedTimes(id)).to.equal(1);
  });

  it('a mailbox with a wrong password says the login was refused, and the tenant\'s good mailbox keeps filing', async () => {
    // watchMailboxes works every mailbox in the database: a database of its own for this test.
    const own = await openTestDb();
    later(() => own.dispose());
    const { tenant } = await addTenant(own.deps, { name: 'ops', address: 'ops@datamer.test' });
    const wrong = 'Not-The-Password-4711';
    const badUser = freshMailboxUser('bad');
    const goodUser = freshMailboxUser('good');
    const bad = await addTestMailbox(own.deps, tenant.id, badUser, { password: wrong });
    const good = await addTestMailbox(own.deps, tenant.id, goodUser);
    const watchers = watchMailboxes(own.deps, FAST_WATCH);
    later(() => watchers.stop());

    const row = async (m: Mailbox) => (await own.db.models.Mailbox.findByPk(m.id))!;
    await waitFor(async () => (await row(bad)).lastError !== null, 'the bad mailbox to record its error');
    const error = (await row(bad)).lastError!;
    expect(error).to.match(/login refused: wrong user name or password/);
    expect(error).to.contain(encodeURIComponent(badUser));
    expect(error).to.not.contain(wrong);
    expect((await row(bad)).lastSyncedAt).to.equal(null);

    const engineer = await engineerClient(goodUser);
    later(() => engineer.logout().catch(() => undefined));
    await waitFor(async () => (await row(good)).lastSyncedAt !== null, 'the first pass over the good mailbox');
    const id = await deliverThroughPostfix(goodUser, { subject: 'Backup of web3 finished' });
    await waitFor(async () => (await messageIdsIn(engineer, 'DaTamer/Unclassified')).includes(id), 'the good mailbox to file new mail');
    expect((await row(good)).lastError).to.equal(null);
    // Still refused, still saying so: one broken mailbox stops only itself.
    expect((await row(bad)).lastError).to.match(/login refused/);
  });

  it('works under a root with a space, a dot and two levels, with a claim folder for a handle with a dot', async () => {
    const { user, mailbox, engineer, inFolder } = await workspace({ query: 'root=Ops%20Desk/Da.Tamer' });
    watch(mailbox);
    await firstPass(mailbox);
    const id = await deliverThroughPostfix(user, { subject: ':warn: :org:acme.web: 502s from the load balancer' });
    await waitFor(inFolder('Ops Desk/Da.Tamer/acme/web', id), 'the message in Ops Desk/Da.Tamer/acme/web');

    const folders = (await engineer.list()).map((f) => f.path);
    expect(folders).to.include.members(['Ops Desk/Da.Tamer/Unclassified', 'Ops Desk/Da.Tamer/acme/web', 'Ops Desk/Da.Tamer/acme/web/@j.doe', 'Ops Desk/Da.Tamer/acme/web/completed']);
    expect(folders.filter((f) => f.startsWith('DaTamer')), 'nothing under the default root').to.deep.equal([]);

    expect(await moveMessage(engineer, 'Ops Desk/Da.Tamer/acme/web', id, 'Ops Desk/Da.Tamer/acme/web/@j.doe')).to.equal(true);
    await waitFor(async () => (await assigneeOf(id)) === 'j.doe', 'the claim by j.doe');
    expect((await claimsOf(id))[0]).to.include({ via: 'mailbox', actor: 'j.doe' });
  });

  it('files and follows changes on a server without MOVE (COPY, then delete), leaving nothing behind in the inbox', async () => {
    const user = freshMailboxUser();
    const probe = await engineerClient(user);
    later(() => probe.logout().catch(() => undefined));
    const withoutMove = [...probe.capabilities.keys()].filter((c) => c !== 'MOVE');
    const server = await startDovecotWithCapabilities(withoutMove, await freePort());
    later(() => server.stop());
    const onIt = new ImapFlow({ host: '127.0.0.1', port: server.imapPort, secure: false, auth: { user, pass: MAIL_PASSWORD }, logger: false });
    onIt.on('error', () => undefined);
    await onIt.connect();
    later(() => onIt.logout().catch(() => undefined));
    expect(onIt.capabilities.has('MOVE'), 'the second server does not offer MOVE').to.equal(false);
    expect(onIt.capabilities.has('UIDPLUS')).to.equal(true);

    const mailbox = await addMailbox(t.deps, tenantId, { kind: 'imap', ...imapMailbox(`imap://${encodeURIComponent(user)}@127.0.0.1:${server.imapPort}/INBOX?tls=none`, MAIL_PASSWORD), mode: 'organize' }, TEST_KEY);
    watch(mailbox);
    await firstPass(mailbox);
    const inFolder = (folder: string, id: string) => async () => (await messageIdsIn(probe, folder)).includes(id);
    const ids = await Promise.all([1, 2, 3].map((n) => deliverThroughPostfix(user, { subject: `:warn: :org:acme.db: checkpoint ${n} slow` })));
    for (const id of ids) await waitFor(inFolder('DaTamer/acme/db', id), 'the messages to be filed');
    // Copied and then deleted and expunged: not left behind flagged \Deleted.
    expect((await folderStatus(probe, 'INBOX')).messages).to.equal(0);

    const event = (await eventOf(ids[0]!))!;
    await changeEvent(t.deps, tenantId, event.id, { command: 'assign', handle: 'bob', actor: 'carol', via: 'cli' });
    await waitFor(inFolder('DaTamer/acme/db/@bob', ids[0]!), "the message to follow the assignment into bob's folder");
    expect(await messageIdsIn(probe, 'DaTamer/acme/db')).to.have.members(ids.slice(1));
    // DaTamer's own move is not mistaken for an engineer's claim.
    expect((await claimsOf(ids[0]!)).map((c) => c.via)).to.deep.equal(['cli']);
    for (const id of ids) expect(await storedTimes(id)).to.equal(1);
  });
});
