// Ingest mode against a real Dovecot: each message is stored, and deleted from the mailbox only
// after the database commit. DaTamer killed with -9 in between (stored, still in the mailbox)
// must, once restarted, delete what it had stored without storing it again, and take in the rest.
import { expect } from 'chai';
import type { ImapFlow } from 'imapflow';
import { VirtualClock } from '../../../src/clock.js';
import { openDb, type Db } from '../../../src/db.js';
import { imapMailbox } from '../../../src/mailboxes/imap/provider.js';
import { addMailbox } from '../../../src/mailboxes/mailbox-store.js';
import { silentLogger } from '../../../src/log.js';
import { migrate } from '../../../src/migrate.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { createTestDatabase, openTestDb, TEST_START, type TestDb } from '../../helpers/db.js';
import { startDatamer, type DatamerProcess } from '../../helpers/datamer-process.js';
import {
  addTestMailbox,
  deliverThroughPostfix,
  engineerClient,
  folderStatus,
  freshMailboxUser,
  imapUrl,
  MAIL_PASSWORD,
  messageIdsIn,
  rawMail,
  startWatching,
  TEST_KEY,
} from '../../helpers/imap.js';
import { requireMailServers, waitFor } from '../../helpers/net.js';

describe('ingest mode: stored, then deleted from the mailbox (Dovecot)', function () {
  this.timeout(60_000);
  let t: TestDb;
  let cleanups: Array<() => Promise<unknown>> = [];
  const later = (cleanup: () => Promise<unknown>) => cleanups.push(cleanup);

  /** How many times each of `ids` is in the database (by Message-ID). */
  async function storedTimes(db: Db, tenantId: number, ids: string[]): Promise<Map<string, number>> {
    const rows = await db.models.Message.findAll({ where: { tenantId }, attributes: ['messageIdHeader'] });
    const times = new Map(ids.map((id) => [id, 0]));
    for (const r of rows) times.set(r.messageIdHeader ?? '', (times.get(r.messageIdHeader ?? '') ?? 0) + 1);
    return times;
  }

  before(async () => {
    requireMailServers();
    t = await openTestDb();
  });

  afterEach(async () => {
    const undo = cleanups.reverse();
    cleanups = [];
    for (const cleanup of undo) await cleanup().catch(() => undefined);
  });

  after(async () => {
    await t?.dispose();
  });

  it('stores each message once and empties the inbox, a message delivered twice included; it makes no folders', async () => {
    const { tenant } = await addTenant(t.deps, { name: 'ingest', address: 'ingest@datamer.test' });
    const user = freshMailboxUser();
    const mailbox = await addTestMailbox(t.deps, tenant.id, user, { mode: 'ingest' });
    const engineer = await engineerClient(user);
    later(() => engineer.logout().catch(() => undefined));
    const watcher = startWatching(t.deps, mailbox);
    later(() => watcher.stop());
    await waitFor(async () => (await t.db.models.Mailbox.findByPk(mailbox.id))!.lastSyncedAt !== null, 'the first pass over the mailbox');

    const ids = await Promise.all([1, 2, 3, 4].map((n) => deliverThroughPostfix(user, { subject: `:critical: :org:acme.db: disk ${n} failing` })));
    // The same message twice, as a monitoring system that retries does.
    const twice = await deliverThroughPostfix(user, { subject: ':warn: :org:acme.db: retried alert' });
    await deliverThroughPostfix(user, { subject: ':warn: :org:acme.db: retried alert', messageId: twice });
    const all = [...ids, twice];

    await waitFor(async () => [...(await storedTimes(t.db, tenant.id, all)).values()].every((n) => n > 0), 'every message to be stored');
    await waitFor(async () => (await folderStatus(engineer, 'INBOX')).messages === 0, 'the inbox to be empty');
    expect(Object.fromEntries(await storedTimes(t.db, tenant.id, all))).to.deep.equal(Object.fromEntries(all.map((id) => [id, 1])));
    const retried = (await t.db.models.Message.findOne({ where: { tenantId: tenant.id, messageIdHeader: twice } }))!;
    expect(retried.deliveries, 'the second delivery counted, not stored').to.equal(2);
    expect((await engineer.list()).map((f) => f.path).filter((p) => p.startsWith('DaTamer'))).to.deep.equal([]);
  });

  it('killed with -9 between storing and deleting, again and again: in the end every message is stored once and the inbox is empty', async function () {
    // Eight starts of a whole DaTamer process: on a loaded two-core machine that alone can take a
    // minute. The bound is there to end a hang, not to time the work.
    this.timeout(300_000);
    // DaTamer as users run it (npm start), on a database of its own that this test also reads.
    const database = await createTestDatabase();
    later(() => database.drop());
    const db = await openDb(database.url);
    later(() => db.close());
    await migrate(db);
    const deps = { db, clock: new VirtualClock(TEST_START), log: silentLogger() };
    const { tenant } = await addTenant(deps, { name: 'ops', address: 'ops@datamer.test' });
    const user = freshMailboxUser('ingest');
    const mailbox = await addMailbox(deps, tenant.id, { kind: 'imap', ...imapMailbox(imapUrl(user), MAIL_PASSWORD), mode: 'ingest' }, TEST_KEY);
    const engineer: ImapFlow = await engineerClient(user);
    later(() => engineer.logout().catch(() => undefined));

    // Should the test end early (a failure, mocha's timeout), its loop may still be starting a
    // process: that one is stopped as it comes, so no DaTamer outlives the test and loads the
    // tests after it.
    let ended = false;
    const start = async (): Promise<DatamerProcess> => {
      const started = await startDatamer({ databaseUrl: database.url, env: { DATAMER_SECRET_KEY: TEST_KEY.toString('hex'), DATAMER_MAILBOX_POLL: '1s' } });
      if (ended) {
        await started.dispose();
        throw new Error('the test had ended');
      }
      return started;
    };
    let proc = await start();
    later(() => {
      ended = true;
      return proc.dispose();
    });
    const stored = () => db.models.Message.count({ where: { tenantId: tenant.id } });
    const transcript = () => proc.transcript();

    await waitFor(async () => (await db.models.Mailbox.findByPk(mailbox.id))!.lastSyncedAt !== null, 'the first pass over the mailbox');

    const appended: string[] = [];
    const appendRound = async (round: number, count: number) => {
      for (let i = 0; i < count; i++) {
        const messageId = `<crash-${round}-${i}-${user}>`;
        await engineer.append('INBOX', rawMail({ subject: `:warn: :org:acme.db: round ${round} message ${i}`, messageId }, user));
        appended.push(messageId);
      }
    };

    const ROUNDS = 8;
    const PER_ROUND = 40;
    let kills = 0;
    /** kills after which a message was both in the database and still in the inbox */
    let inTheWindow = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const before = await stored();
      const appending = appendRound(round, PER_ROUND);
      // The moment a commit shows, DaTamer is about to delete those messages from the inbox: kill it.
      const deadline = Date.now() + 15_000;
      while ((await stored()) === before && Date.now() < deadline);
      expect(Date.now() < deadline, `DaTamer stored nothing of round ${round}\n${transcript()}`).to.equal(true);
      proc.kill('SIGKILL');
      await proc.exited;
      kills++;
      await appending;
      // Dead, it changes nothing: what the database and the inbox hold now is what the kill left.
      const inDb = await stored();
      const inInbox = (await folderStatus(engineer, 'INBOX')).messages;
      expect(inDb + inInbox, `nothing lost at kill ${kills}`).to.be.at.least(appended.length);
      if (inDb + inInbox > appended.length) inTheWindow++;
      await proc.dispose();
      // The killed process's lease on the mailbox would run out after 5 minutes (DEFAULT_WATCH);
      // the test does not wait that long.
      await db.models.Mailbox.update({ leaseOwner: null, leaseUntil: null }, { where: { id: mailbox.id } });
      proc = await start();
    }

    await waitFor(async () => (await stored()) === appended.length && (await folderStatus(engineer, 'INBOX')).messages === 0, `every message stored and the inbox empty\n${transcript()}`, 30_000);
    expect(appended).to.have.length(ROUNDS * PER_ROUND);
    const times = await storedTimes(db, tenant.id, appended);
    expect([...times.entries()].filter(([, n]) => n !== 1), 'messages not stored exactly once').to.deep.equal([]);
    expect(await messageIdsIn(engineer, 'INBOX')).to.deep.equal([]);
    expect(inTheWindow, `kills that left stored messages in the inbox, of ${kills}`).to.be.at.least(1);
  });
});
