import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

export const migration: Migration = {
  async up({ context: qi }) {
    // A tenant whose shared mailbox is in Microsoft 365 or Gmail may have DaTamer's own mail sent
    // through that mailbox (Graph sendMail, Gmail messages.send) instead of the outgoing SMTP
    // server (docs/mailbox.md, "DaTamer's own mail"). Off for every existing mailbox.
    await qi.addColumn('mailboxes', 'sends_mail', { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false });
  },
  async down({ context: qi }) {
    await qi.removeColumn('mailboxes', 'sends_mail');
  },
};
