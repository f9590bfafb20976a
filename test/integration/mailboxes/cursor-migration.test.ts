// A database from before providers shared one interface: its IMAP cursors and placements
// (UIDVALIDITY and UID columns) become the IMAP provider's opaque cursors and references, and
// its mailboxes learn their account, so a DaTamer upgraded mid-work neither rereads nor refiles.
import { expect } from 'chai';
import { QueryTypes, type QueryInterface } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import { openDb, type Db } from '../../../src/db.js';
import { migrations } from '../../../migrations/index.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';

describe('upgrading a database with IMAP cursors to provider cursors', () => {
  let database: TestDatabase;
  let db: Db;

  before(async () => {
    database = await createTestDatabase();
    db = await openDb(database.url);
  });

  after(async () => {
    await db?.close();
    await database?.drop();
  });

  it('keeps how far each folder was read, where each message is, and the account of each mailbox (a duplicate kept apart)', async () => {
    const umzug = new Umzug<QueryInterface>({
      migrations,
      context: db.sequelize.getQueryInterface(),
      storage: new SequelizeStorage({ sequelize: db.sequelize, tableName: 'schema_migrations' }),
      logger: undefined,
    });
    await umzug.up({ to: '2026-11-24-12-email-commands' });
    const q = (sql: string) => db.sequelize.query(sql);
    const now = `'2026-11-23 08:00:00.000 +00:00'`;
    await q(`INSERT INTO tenants (id, name, display_name, created_at) VALUES (1, 'ops', 'ops', ${now})`);
    const settings = (host: string, user: string) => `'${JSON.stringify({ host, port: 143, user, inbox: 'INBOX', root: 'DaTamer' })}'`;
    await q(`INSERT INTO mailboxes (id, tenant_id, kind, address, mode, settings, created_at) VALUES
      (1, 1, 'imap', 'imap://ops%40acme.test@localhost:143/INBOX', 'organize', ${settings('localhost', 'ops@acme.test')}, ${now}),
      (2, 1, 'imap', 'imap://OPS%40acme.test@127.0.0.1:143/INBOX', 'organize', ${settings('127.0.0.1', 'OPS@acme.test')}, ${now}),
      (3, 1, 'smtp', 'ops@datamer.test', 'ingest', '{}', ${now})`);
    await q(`INSERT INTO mailbox_folders (id, tenant_id, mailbox_id, path, role, uid_validity, last_uid, backlog_uid, backlog_done_uid, created_at) VALUES
      (1, 1, 1, 'INBOX', 'inbox', 4000000000, 77, 50, 20, ${now}),
      (2, 1, 1, 'DaTamer/acme/db', 'class', 17, 3, NULL, NULL, ${now})`);
    await db.sequelize.query(
      `INSERT INTO messages (id, tenant_id, dedup_key, to_addresses, received_at, raw, raw_size, content_hash, source, envelope_to, deliveries)
       VALUES (1, 1, 'k1', '[]', ${now}, :raw, 0, 'h', 'imap', '[]', 1)`,
      { replacements: { raw: Buffer.alloc(0) } },
    );
    await q(`INSERT INTO message_placements (tenant_id, mailbox_id, message_id, path, uid, uid_validity, updated_at) VALUES (1, 1, 1, 'DaTamer/acme/db', 3, 17, ${now})`);

    await umzug.up();

    const folders = await db.sequelize.query<{ path: string; cursor: string | null; backlog_mark: string | null; backlog_done: string | null }>(
      'SELECT path, cursor, backlog_mark, backlog_done FROM mailbox_folders ORDER BY id',
      { type: QueryTypes.SELECT },
    );
    expect(folders).to.deep.equal([
      { path: 'INBOX', cursor: '4000000000:77', backlog_mark: '4000000000:50', backlog_done: '4000000000:20' },
      { path: 'DaTamer/acme/db', cursor: '17:3', backlog_mark: null, backlog_done: null },
    ]);
    const placements = await db.sequelize.query<{ ref: string }>('SELECT ref FROM message_placements', { type: QueryTypes.SELECT });
    expect(placements).to.deep.equal([{ ref: '17:3' }]);
    const accounts = await db.sequelize.query<{ id: number; account: string | null }>('SELECT id, account FROM mailboxes ORDER BY id', { type: QueryTypes.SELECT });
    expect(accounts.map((a) => [Number(a.id), a.account])).to.deep.equal([
      [1, 'imap:ops@acme.test@localhost:143'],
      [2, 'imap:ops@acme.test@localhost:143#2'],
      [3, null],
    ]);
    // What the models read is the provider's cursor.
    const inbox = (await db.models.MailboxFolder.findOne({ where: { path: 'INBOX' } }))!;
    expect(inbox.cursor).to.equal('4000000000:77');
  });
});
