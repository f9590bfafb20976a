import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

const tenantRef = { type: DataTypes.INTEGER, allowNull: false, references: { model: 'tenants', key: 'id' }, onDelete: 'CASCADE' };

export const migration: Migration = {
  async up({ context: qi }) {
    // A user's secret for commands by email: it rides in the reply address of everything DaTamer
    // sends them, so a reply proves it comes from someone who got DaTamer's mail (src/commands/tokens.ts).
    await qi.addColumn('users', 'command_token', { type: DataTypes.STRING(40), allowNull: true });
    await qi.addIndex('users', ['tenant_id', 'command_token'], { name: 'users_tenant_command_token' });
    // The event a mail is about: a reply to it (In-Reply-To) commands that event.
    await qi.addColumn('outbox', 'event_id', { type: DataTypes.INTEGER, allowNull: true });
    await qi.addIndex('outbox', ['tenant_id', 'message_id_header'], { name: 'outbox_tenant_message_id' });
    // The authserv-id (RFC 8601) of the tenant's own receiving server, whose Authentication-Results
    // DaTamer trusts in place of a token; null: only tokens authenticate.
    await qi.addColumn('tenants', 'trusted_authserv_id', { type: DataTypes.STRING(255), allowNull: true });

    // Every reply that reached DaTamer as a command, exactly once (the same reply delivered
    // twice acts once), with what came of it.
    await qi.createTable('command_mails', {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenant_id: tenantRef,
      dedup_key: { type: DataTypes.STRING(80), allowNull: false },
      message_id_header: { type: DataTypes.TEXT, allowNull: true },
      from_address: { type: DataTypes.TEXT, allowNull: true },
      subject: { type: DataTypes.TEXT, allowNull: true },
      raw: { type: DataTypes.BLOB, allowNull: false },
      source: { type: DataTypes.STRING(16), allowNull: false },
      received_at: { type: DataTypes.DATE, allowNull: false },
      user_id: { type: DataTypes.INTEGER, allowNull: true },
      event_id: { type: DataTypes.INTEGER, allowNull: true },
      // pending | applied | refused | ignored (auto-generated mail: never answered)
      status: { type: DataTypes.STRING(16), allowNull: false },
      outcome: { type: DataTypes.JSON, allowNull: false },
      reply_outbox_id: { type: DataTypes.INTEGER, allowNull: true },
    });
    await qi.addIndex('command_mails', ['tenant_id', 'dedup_key'], { unique: true, name: 'command_mails_tenant_dedup' });
  },
  async down({ context: qi }) {
    await qi.dropTable('command_mails');
    await qi.removeColumn('tenants', 'trusted_authserv_id');
    await qi.removeIndex('outbox', 'outbox_tenant_message_id');
    await qi.removeColumn('outbox', 'event_id');
    await qi.removeIndex('users', 'users_tenant_command_token');
    await qi.removeColumn('users', 'command_token');
  },
};
