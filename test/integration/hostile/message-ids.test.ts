// Colliding Message-IDs (fixtures/hostile/colliding-message-ids): a forgery sent first with the
// Message-ID of a real alert, and a script that gives every run the same Message-ID. Each is a
// message of its own, stored and shown as sharing its Message-ID; only the same content again is
// a re-delivery. Through DaTamer's real listener, and through Postfix into the shared mailbox.
import { expect } from 'chai';
import { VirtualClock } from '../../../src/clock.js';
import { changeEvent } from '../../../src/events/change.js';
import { eventDetail } from '../../../src/events/views.js';
import { loadConfig } from '../../../src/config.js';
import { createSmtpListener, type SmtpListener } from '../../../src/mailboxes/smtp/listener.js';
import { messageIdKey } from '../../../src/ingest/dedup.js';
import { silentLogger } from '../../../src/log.js';
import { migrate } from '../../../src/migrate.js';
import { addGroup, addUser, joinGroup, subscribe } from '../../../src/people/people.js';
import { receive } from '../../../src/pipeline.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { openDb } from '../../../src/db.js';
import type { Mailbox } from '../../../models/index.js';
import { createTestDatabase, openTestDb, TEST_START, type TestDb } from '../../helpers/db.js';
import { addTestMailbox, engineerClient, freshMailboxUser, messageIdsIn, startWatching, type RunningWatcher } from '../../helpers/imap.js';
import { freePort, mailServers, requireMailServers, waitFor } from '../../helpers/net.js';
import { hostileMail, sendRaw } from './corpus.js';

const corpus = hostileMail('colliding-message-ids');
const mail = (name: string) => corpus.get(name)!;
const SHARED_ID = '<backup-20261123@db1.acme.test>';

describe('hostile mail: colliding Message-IDs through the listener', () => {
  let t: TestDb;
  let listener: SmtpListener;
  let port: number;
  let tenantId: number;
  const envelope = { from: 'backup@db1.acme.test', to: ['alerts@acme.test'] };

  beforeEach(async () => {
    t = await openTestDb();
    tenantId = (await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' })).tenant.id;
    port = await freePort();
    listener = createSmtpListener(t.deps, { ...loadConfig({}).smtp, host: '127.0.0.1', port });
    await listener.listen();
  });
  afterEach(async () => {
    await listener.close();
    await t.dispose();
  });

  const stored = () => t.db.models.Message.findAll({ where: { tenantId }, order: [['id', 'ASC']] });

  it('a forgery sent first with the Message-ID of a real alert does not cost the alert: both stored, each with its event', async () => {
    expect(await sendRaw(port, mail('1-forged-info.eml'), envelope)).to.match(/^250 /);
    expect(await sendRaw(port, mail('2-real-critical.eml'), envelope)).to.match(/^250 /);
    const rows = await stored();
    expect(rows.map((m) => [m.subject, m.severity, m.deliveries])).to.deep.equal([
      [':info: :org:acme.db: backup finished', 'info', 1],
      [':critical: :org:acme.db: backup FAILED', 'critical', 1],
    ]);
    const links = await t.db.models.EventMessage.findAll({ where: { tenantId } });
    expect(new Set(links.map((l) => l.eventId)).size).to.equal(2);
    // Shown as sharing the Message-ID, so an engineer sees that one of them may be forged.
    const critical = links.find((l) => l.messageId === rows[1]!.id)!;
    const detail = await eventDetail(t.deps, tenantId, critical.eventId);
    expect(detail.severity).to.equal('critical');
    expect(detail.messages.map((m) => [m.messageId, m.sharesMessageId])).to.deep.equal([[SHARED_ID, true]]);
  });

  it('the same content again is a re-delivery, even through a relay that added a Received header', async () => {
    await sendRaw(port, mail('2-real-critical.eml'), envelope);
    const relayed = Buffer.concat([Buffer.from('Received: from relay.acme.test by mx.acme.test; Mon, 23 Nov 2026 02:01:00 +0000\r\n'), mail('2-real-critical.eml')]);
    expect(await sendRaw(port, relayed, envelope)).to.match(/^250 /);
    const rows = await stored();
    expect(rows.map((m) => m.deliveries)).to.deep.equal([2]);
    const detail = await eventDetail(t.deps, tenantId, (await t.db.models.EventMessage.findOne({ where: { tenantId } }))!.eventId);
    expect(detail.messages[0]!.sharesMessageId).to.equal(false);
  });

  it('a script that gives every run the same Message-ID loses no run', async () => {
    for (const run of [1, 2, 3]) expect(await sendRaw(port, mail(`3-fixed-id-run-${run}.eml`), envelope)).to.match(/^250 /);
    const rows = await stored();
    expect(rows.map((m) => m.subject)).to.deep.equal([1, 2, 3].map((n) => `:warn: :org:acme.web: cert renewal run ${n}`));
  });

  it('colliding messages that arrive in one batch are all stored', async () => {
    const names = ['1-forged-info.eml', '2-real-critical.eml', '1-forged-info.eml'];
    const results = await receive(t.deps, names.map((n) => ({ tenantId, mailboxId: null, raw: mail(n), source: 'import' as const })));
    expect(results.map((r) => r.duplicateOf === null)).to.deep.equal([true, true, false]);
    expect((await stored()).map((m) => m.deliveries)).to.deep.equal([2, 1]);
  });
});

describe('hostile mail: messages stored before identity by content', () => {
  it('are given their content key, so a re-delivery after the upgrade is still recognised', async () => {
    const database = await createTestDatabase();
    const db = await openDb(database.url);
    try {
      await migrate(db, { to: '2026-11-24-12-email-commands' });
      await db.sequelize.query("INSERT INTO tenants (name, display_name, created_at) VALUES ('acme', 'Acme', '2026-11-23 00:00:00.000 +00:00')");
      const [tenant] = (await db.sequelize.query("SELECT id FROM tenants WHERE name = 'acme'")) as unknown as [Array<{ id: number }>];
      const raw = mail('2-real-critical.eml');
      // The key the old rule gave a message with a Message-ID: `mid:` + the hash of the id.
      await db.sequelize.query(
        `INSERT INTO messages (tenant_id, dedup_key, message_id_header, to_addresses, received_at, raw, raw_size, content_hash, source, envelope_to, deliveries)
         VALUES ($1, $2, $3, '[]', '2026-11-23 02:00:05.000 +00:00', $4, $5, 'x', 'smtp', '[]', 1)`,
        { bind: [tenant[0]!.id, `mid:${messageIdKey(SHARED_ID)}`, SHARED_ID, raw, raw.length] },
      );
      await migrate(db);
      const deps = { db, clock: new VirtualClock(TEST_START), log: silentLogger() };
      const [again] = await receive(deps, [{ tenantId: tenant[0]!.id, mailboxId: null, raw, source: 'smtp' }]);
      expect(again!.duplicateOf).to.not.equal(null);
      const [forged] = await receive(deps, [{ tenantId: tenant[0]!.id, mailboxId: null, raw: mail('1-forged-info.eml'), source: 'smtp' }]);
      expect(forged!.duplicateOf).to.equal(null);
      expect(await db.models.Message.count()).to.equal(2);
    } finally {
      await db.close();
      await database.drop();
    }
  });
});

describe('hostile mail: colliding Message-IDs in the shared mailbox (Postfix, Dovecot)', function () {
  this.timeout(60_000);
  let t: TestDb;
  let tenantId: number;
  let user: string;
  let mailbox: Mailbox;
  let watcher: RunningWatcher;

  before(async () => {
    requireMailServers();
    t = await openTestDb();
    ({ tenant: { id: tenantId } } = await addTenant(t.deps, { name: 'ops', address: 'ops@datamer.test' }));
    await addUser(t.deps, tenantId, { email: 'bob@acme.test', handle: 'bob' });
    await addGroup(t.deps, tenantId, 'dbas');
    await joinGroup(t.deps, tenantId, 'dbas', 'bob');
    await subscribe(t.deps, tenantId, 'dbas', 'acme.db', 'responder');
    user = freshMailboxUser();
    mailbox = await addTestMailbox(t.deps, tenantId, user);
    watcher = startWatching(t.deps, mailbox);
    await waitFor(async () => (await t.db.models.Mailbox.findByPk(mailbox.id))!.lastSyncedAt !== null, 'the first pass over the mailbox');
  });
  after(async () => {
    await watcher?.stop();
    await t?.dispose();
  });

  it('both messages are taken in and filed, and a change to one event moves only its own message', async () => {
    for (const name of ['1-forged-info.eml', '2-real-critical.eml']) await sendRaw(mailServers.postfixPort, mail(name), { from: 'backup@db1.acme.test', to: [user] });
    await waitFor(async () => (await t.db.models.Message.count({ where: { tenantId } })) === 2, 'both messages stored');
    const engineer = await engineerClient(user);
    try {
      await waitFor(async () => (await messageIdsIn(engineer, 'DaTamer/acme/db')).length === 2, 'both messages filed in DaTamer/acme/db');
      const critical = (await t.db.models.Message.findOne({ where: { tenantId, severity: 'critical' } }))!;
      const link = (await t.db.models.EventMessage.findOne({ where: { tenantId, messageId: critical.id } }))!;
      await changeEvent(t.deps, tenantId, link.eventId, { command: 'assign', handle: 'bob', actor: 'carol', via: 'cli' });
      await waitFor(async () => (await messageIdsIn(engineer, 'DaTamer/acme/db/@bob')).length === 1, "the critical message in bob's claim folder");
      const lock = await engineer.getMailboxLock('DaTamer/acme/db/@bob');
      try {
        const subjects: string[] = [];
        for await (const m of engineer.fetch('1:*', { envelope: true })) subjects.push(m.envelope?.subject ?? '');
        expect(subjects).to.deep.equal([':critical: :org:acme.db: backup FAILED']);
      } finally {
        lock.release();
      }
      expect(await messageIdsIn(engineer, 'DaTamer/acme/db')).to.deep.equal([SHARED_ID]);
      // Nothing the move watcher mistook for an engineer's move.
      expect(await t.db.models.Activity.count({ where: { tenantId, via: 'mailbox' } })).to.equal(0);
    } finally {
      await engineer.logout().catch(() => undefined);
    }
  });
});
