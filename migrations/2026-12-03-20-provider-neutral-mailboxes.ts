import { DataTypes, QueryTypes } from 'sequelize';
import type { Migration } from './types.js';

// Loopback names for one and the same server (the spelling an admin used must not make a second mailbox).
const LOOPBACK = /^(localhost|localhost\.localdomain|127(?:\.\d{1,3}){3}|::1)$/;
// The IMAP servers of Microsoft 365 and Google Workspace: a mailbox there is the same one Graph or Gmail reach.
const HOSTED = new Set(['outlook.office365.com', 'imap.gmail.com']);

/** The same account as src/mailboxes/imap/url.ts names it (kept here: a migration never changes). */
function imapAccount(settings: { host?: string; port?: number; user?: string }): string | null {
  if (!settings.host || !settings.user) return null;
  const host = settings.host.toLowerCase().replace(/\.$/, '');
  const user = settings.user.toLowerCase();
  if (HOSTED.has(host)) return `mailbox:${user}`;
  return `imap:${user}@${LOOPBACK.test(host) ? 'localhost' : host}:${settings.port ?? 0}`;
}

export const migration: Migration = {
  async up({ context: qi }) {
    // Who a provider mailbox is (the account, not the spelling of its address): unique, so the
    // same mailbox is never watched twice, not even by two tenants.
    await qi.addColumn('mailboxes', 'account', { type: DataTypes.STRING(400), allowNull: true });
    const rows = await qi.sequelize.query<{ id: number; settings: unknown }>(`SELECT id, settings FROM mailboxes WHERE kind = 'imap' ORDER BY id`, { type: QueryTypes.SELECT });
    const taken = new Set<string>();
    for (const row of rows) {
      const settings = (typeof row.settings === 'string' ? JSON.parse(row.settings) : row.settings) as { host?: string; port?: number; user?: string };
      let account = imapAccount(settings);
      if (account === null) continue;
      // Added twice before this check existed: the later one is kept apart, so the index holds;
      // `datamer mailbox list` shows both, and the admin removes one.
      if (taken.has(account)) account = `${account}#${row.id}`;
      taken.add(account);
      await qi.sequelize.query('UPDATE mailboxes SET account = :account WHERE id = :id', { replacements: { account, id: row.id } });
    }
    await qi.addIndex('mailboxes', ['account'], { unique: true, name: 'mailboxes_account' });

    // Cursors and message references are the provider's own (an IMAP UIDVALIDITY and UID, a
    // Graph delta link and immutable id, a Gmail history id and message id): opaque text.
    await qi.addColumn('mailbox_folders', 'cursor', { type: DataTypes.TEXT, allowNull: true });
    await qi.addColumn('mailbox_folders', 'backlog_mark', { type: DataTypes.TEXT, allowNull: true });
    await qi.addColumn('mailbox_folders', 'backlog_done', { type: DataTypes.TEXT, allowNull: true });
    await qi.addColumn('message_placements', 'ref', { type: DataTypes.TEXT, allowNull: true });
    const position = (validity: string, uid: string) => `CAST(${validity} AS VARCHAR(20)) || ':' || CAST(${uid} AS VARCHAR(20))`;
    await qi.sequelize.query(`UPDATE mailbox_folders SET cursor = ${position('uid_validity', 'last_uid')} WHERE uid_validity IS NOT NULL`);
    await qi.sequelize.query(`UPDATE mailbox_folders SET backlog_mark = ${position('uid_validity', 'backlog_uid')} WHERE uid_validity IS NOT NULL AND backlog_uid IS NOT NULL`);
    await qi.sequelize.query(
      `UPDATE mailbox_folders SET backlog_done = ${position('uid_validity', 'backlog_done_uid')} WHERE uid_validity IS NOT NULL AND backlog_done_uid IS NOT NULL AND backlog_done_uid > 0`,
    );
    await qi.sequelize.query(`UPDATE message_placements SET ref = ${position('uid_validity', 'uid')} WHERE uid_validity IS NOT NULL AND uid IS NOT NULL`);
    // SQLite has had DROP COLUMN since 3.35 (what Sequelize's removeColumn would do instead
    // rebuilds the table and loses its indexes).
    for (const column of ['uid_validity', 'last_uid', 'backlog_uid', 'backlog_done_uid']) await qi.sequelize.query(`ALTER TABLE mailbox_folders DROP COLUMN ${column}`);
    for (const column of ['uid', 'uid_validity']) await qi.sequelize.query(`ALTER TABLE message_placements DROP COLUMN ${column}`);
  },
  async down({ context: qi }) {
    const uid = { type: DataTypes.BIGINT, allowNull: true };
    for (const column of ['uid', 'uid_validity']) await qi.addColumn('message_placements', column, uid);
    for (const column of ['uid_validity', 'backlog_uid', 'backlog_done_uid']) await qi.addColumn('mailbox_folders', column, uid);
    await qi.addColumn('mailbox_folders', 'last_uid', { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 });
    await qi.sequelize.query('ALTER TABLE message_placements DROP COLUMN ref');
    for (const column of ['cursor', 'backlog_mark', 'backlog_done']) await qi.sequelize.query(`ALTER TABLE mailbox_folders DROP COLUMN ${column}`);
    await qi.removeIndex('mailboxes', 'mailboxes_account');
    await qi.sequelize.query('ALTER TABLE mailboxes DROP COLUMN account');
  },
};
