import { DataTypes, QueryTypes, type QueryInterface } from 'sequelize';
import { dedupKey } from '../src/ingest/dedup.js';
import type { Migration } from './types.js';

const BATCH = 500;

/**
 * Gives every row keyed by its Message-ID (`mid:…`) the content key new mail gets, reading its
 * raw bytes in batches, so a message stored before this change is still recognised when it
 * comes again. Such rows never share a content key: their Message-IDs differ, and the
 * Message-ID header is part of the content.
 */
async function rekey(qi: QueryInterface, table: 'messages' | 'command_mails'): Promise<void> {
  const db = qi.sequelize;
  for (let after = 0; ; ) {
    const rows = await db.query<{ id: number; raw: Buffer }>(`SELECT id, raw FROM ${table} WHERE dedup_key LIKE 'mid:%' AND id > $1 ORDER BY id LIMIT ${BATCH}`, {
      type: QueryTypes.SELECT,
      bind: [after],
    });
    if (rows.length === 0) return;
    for (const row of rows) await db.query(`UPDATE ${table} SET dedup_key = $1 WHERE id = $2`, { bind: [dedupKey(Buffer.from(row.raw)), row.id] });
    after = rows[rows.length - 1]!.id;
  }
}

export const migration: Migration = {
  async up({ context: qi }) {
    // Deduplication by Message-ID alone dropped distinct mail: a forgery sent first with the id
    // of a real alert, or every run of a script with a fixed id after the first. A message is now
    // the same message only when its content is (src/ingest/dedup.ts); the Message-ID stays as a
    // key of its own, so that messages sharing one can be shown as sharing it.
    await qi.addColumn('messages', 'message_id_key', { type: DataTypes.STRING(64), allowNull: true });
    // The old `mid:` key was exactly `mid:` + this key.
    await qi.sequelize.query(`UPDATE messages SET message_id_key = substr(dedup_key, 5) WHERE dedup_key LIKE 'mid:%'`);
    await qi.addIndex('messages', ['tenant_id', 'message_id_key'], { name: 'messages_tenant_message_id_key' });
    await rekey(qi, 'messages');
    await rekey(qi, 'command_mails');
  },
  async down({ context: qi }) {
    // The content keys stay: the Message-ID keys they replaced cannot be told apart again once
    // two messages share a Message-ID.
    await qi.removeIndex('messages', 'messages_tenant_message_id_key');
    await qi.removeColumn('messages', 'message_id_key');
  },
};
