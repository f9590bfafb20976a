import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

const id = { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true };
const tenantRef = { type: DataTypes.INTEGER, allowNull: false, references: { model: 'tenants', key: 'id' }, onDelete: 'CASCADE' };
const mailboxRef = { type: DataTypes.INTEGER, allowNull: false, references: { model: 'mailboxes', key: 'id' }, onDelete: 'CASCADE' };
const messageRef = { type: DataTypes.INTEGER, allowNull: false, references: { model: 'messages', key: 'id' }, onDelete: 'CASCADE' };
// IMAP UIDs and UIDVALIDITY are unsigned 32-bit: more than PostgreSQL's INTEGER holds.
const uid = { type: DataTypes.BIGINT, allowNull: true };

export const migration: Migration = {
  async up({ context: qi }) {
    // A provider mailbox's credentials, encrypted (src/mailboxes/secrets.ts); never in settings.
    await qi.addColumn('mailboxes', 'secret', { type: DataTypes.TEXT, allowNull: true });
    await qi.addColumn('mailboxes', 'last_error_at', { type: DataTypes.DATE, allowNull: true });
    await qi.addColumn('mailboxes', 'last_synced_at', { type: DataTypes.DATE, allowNull: true });
    // One process works a mailbox at a time: whoever holds the lease (docs/mailbox.md, Several DaTamer processes).
    await qi.addColumn('mailboxes', 'lease_owner', { type: DataTypes.STRING(64), allowNull: true });
    await qi.addColumn('mailboxes', 'lease_until', { type: DataTypes.DATE, allowNull: true });
    // Where the last assignment made elsewhere (CLI, email, web) was carried into the folders.
    await qi.addColumn('mailboxes', 'activity_cursor', { type: DataTypes.INTEGER, allowNull: true });

    // The folders DaTamer made or watches in a mailbox, with what each one means and how far
    // DaTamer has read it. Roles are remembered, not parsed back from names, because a name
    // may have been made safe for the server (src/mailboxes/folders.ts).
    await qi.createTable('mailbox_folders', {
      id,
      tenant_id: tenantRef,
      mailbox_id: mailboxRef,
      path: { type: DataTypes.STRING(1000), allowNull: false },
      role: { type: DataTypes.STRING(16), allowNull: false },
      org: { type: DataTypes.STRING(300), allowNull: true },
      handle: { type: DataTypes.STRING(64), allowNull: true },
      uid_validity: uid,
      last_uid: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
      // Inbox only: mail already there when DaTamer first looked is the backlog, up to this UID;
      // `datamer mailbox organize --backlog` files it and remembers how far it got.
      backlog_uid: uid,
      backlog_done_uid: uid,
      created_at: { type: DataTypes.DATE, allowNull: false },
    });
    await qi.addIndex('mailbox_folders', ['mailbox_id', 'path'], { unique: true, name: 'mailbox_folders_mailbox_path' });
    await qi.addIndex('mailbox_folders', ['tenant_id'], { name: 'mailbox_folders_tenant' });

    // Where DaTamer last saw (or put) each message in each mailbox. A message found somewhere
    // else was moved by an engineer; a message whose event changed elsewhere is moved to match.
    await qi.createTable('message_placements', {
      id,
      tenant_id: tenantRef,
      mailbox_id: mailboxRef,
      message_id: messageRef,
      path: { type: DataTypes.STRING(1000), allowNull: false },
      uid,
      uid_validity: uid,
      updated_at: { type: DataTypes.DATE, allowNull: false },
    });
    await qi.addIndex('message_placements', ['mailbox_id', 'message_id'], { unique: true, name: 'message_placements_mailbox_message' });
    await qi.addIndex('message_placements', ['tenant_id', 'message_id'], { name: 'message_placements_tenant_message' });

    // A message an engineer filed by hand: what they said it is, and the rule DaTamer proposed.
    await qi.createTable('labelled_examples', {
      id,
      tenant_id: tenantRef,
      message_id: messageRef,
      org: { type: DataTypes.STRING(300), allowNull: false },
      previous_org: { type: DataTypes.STRING(300), allowNull: true },
      labelled_by: { type: DataTypes.STRING(320), allowNull: false },
      via: { type: DataTypes.STRING(16), allowNull: false },
      suggested_rule_id: { type: DataTypes.INTEGER, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false },
    });
    await qi.addIndex('labelled_examples', ['tenant_id', 'message_id'], { name: 'labelled_examples_tenant_message' });
  },
  async down({ context: qi }) {
    await qi.dropTable('labelled_examples');
    await qi.dropTable('message_placements');
    await qi.dropTable('mailbox_folders');
    for (const column of ['activity_cursor', 'lease_until', 'lease_owner', 'last_synced_at', 'last_error_at', 'secret']) {
      await qi.removeColumn('mailboxes', column);
    }
  },
};
