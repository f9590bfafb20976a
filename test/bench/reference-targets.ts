// Two servers that do part of what DaTamer does before its 250, to show where the time goes:
//
//   durable floor     the bare server, plus one INSERT of the raw bytes into PostgreSQL before
//                     250: the least any server can do that answers only once mail is on disk.
//   parse and store   the floor, plus parsing the message (DaTamer's parser threads) and
//                     storing its parsed fields with it: what issue 2 asks for before 250,
//                     without classification, events or idempotence.
//
// Both answer on the same smtp-server as the bare target and DaTamer, with a pool of pg
// connections large enough that no message waits for one.
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { dedupKey, sha256 } from '../../src/ingest/dedup.js';
import { parseOffThread } from '../../src/ingest/parse-pool.js';
import { systemClock } from '../../src/clock.js';
import { openDb } from '../../src/db.js';
import type { Deps } from '../../src/deps.js';
import { silentLogger } from '../../src/log.js';
import { migrate } from '../../src/migrate.js';
import { addTenant } from '../../src/tenants/tenants.js';
import { createTestDatabase } from '../helpers/db.js';
import { BENCH_TO } from './monitoring-mail.js';
import type { Target } from './targets.js';

type Store = (client: pg.PoolClient, raw: Buffer, tenantId: number) => Promise<void>;

const rawOnly: Store = async (client, raw) => {
  await client.query({ name: 'floor', text: 'INSERT INTO bench_floor (raw) VALUES ($1)', values: [raw] });
};

const PARSED_COLUMNS = ['tenant_id', 'dedup_key', 'message_id_header', 'from_address', 'to_addresses', 'subject', 'sent_at', 'received_at', 'text', 'html', 'raw', 'raw_size', 'content_hash', 'parse_error', 'source', 'deliveries', 'envelope_to'];

const parsedAndRaw: Store = async (client, raw, tenantId) => {
  const p = await parseOffThread(raw);
  const values = [tenantId, dedupKey(raw), p.messageIdHeader, p.fromAddress, JSON.stringify(p.toAddresses), p.subject, p.sentAt, new Date(), p.text, p.html, raw, raw.length, sha256(raw), p.parseError, 'smtp', 1, '[]'];
  await client.query({
    name: 'parsed',
    text: `INSERT INTO messages (${PARSED_COLUMNS.join(', ')}) VALUES (${PARSED_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
    values,
  });
};

async function referenceTarget(name: string, store: Store): Promise<Target> {
  const database = await createTestDatabase('postgres');
  // The DaTamer schema (for the parsed fields' table and its indexes), plus the floor's table.
  const db = await openDb(database.url);
  await migrate(db);
  const deps: Deps = { db, clock: systemClock, log: silentLogger() };
  const { tenant } = await addTenant(deps, { name: 'bench', address: BENCH_TO });
  await db.sequelize.query('CREATE TABLE bench_floor (id bigserial PRIMARY KEY, raw bytea NOT NULL)');
  await db.close();
  const pool = new pg.Pool({ connectionString: database.url, max: 64 });
  // Dropping the database at the end ends idle connections; that is no failure of the run.
  pool.on('error', (err) => console.error(`bench: ${name}: ${err.message}`));
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    closeTimeout: 1_000,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        pool.connect().then(async (client) => {
          try {
            await store(client, Buffer.concat(chunks), tenant.id);
            callback(null, 'OK: stored');
          } catch (err) {
            callback(err as Error);
          } finally {
            client.release();
          }
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    name,
    port: (server.server.address() as AddressInfo).port,
    stored: async () => null,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
      await database.drop();
    },
  };
}

export const floorTarget = () => referenceTarget('durable floor (raw INSERT, PostgreSQL)', rawOnly);
export const parseAndStoreTarget = () => referenceTarget('parse and store (PostgreSQL)', parsedAndRaw);
