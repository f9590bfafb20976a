import { createHash } from 'node:crypto';
import { DataTypes, QueryTypes, type QueryInterface } from 'sequelize';
import type { Migration } from './types.js';

const BATCH = 500;

// The content key as new mail got it when this migration was written (src/ingest/dedup.ts): a
// frozen copy, so that the migration says the same thing for ever. Should the app's key ever
// change, the rows need a migration of their own that keys them again.
const TRACE_HEADERS = /^(received|return-path|delivered-to|x-original-to|x-envelope-to|x-envelope-from)\s*:/i;

function dedupKey(raw: Buffer): string {
  const text = raw.toString('latin1'); // one char per byte: offsets stay byte offsets
  const end = text.search(/\r?\n\r?\n/);
  const headerBlock = end === -1 ? text : text.slice(0, end);
  const kept: string[] = [];
  let dropping = false;
  for (const line of headerBlock.split(/(?<=\n)/)) {
    const continuation = line.startsWith(' ') || line.startsWith('\t');
    if (!continuation) dropping = TRACE_HEADERS.test(line);
    if (!dropping) kept.push(line);
  }
  const content = Buffer.concat([Buffer.from(kept.join(''), 'latin1'), raw.subarray(headerBlock.length)]);
  return `sha:${createHash('sha256').update(content).digest('hex')}`;
}

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
