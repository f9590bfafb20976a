// The three servers the benchmark compares, all on loopback: a bare smtp-server that throws
// the mail away (what SMTP itself costs), and DaTamer's own listener storing into SQLite and
// into PostgreSQL (what DaTamer adds: parse, then a transaction before 250).
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { systemClock } from '../../src/clock.js';
import type { Config } from '../../src/config.js';
import { openDb, type Db } from '../../src/db.js';
import { createTestDatabase } from '../helpers/db.js';
import type { Deps } from '../../src/deps.js';
import { countMessages } from '../../src/ingest/messages.js';
import { classifyOnMainThread } from '../../src/classification/fenced.js';
import { silentLogger } from '../../src/log.js';
import { createSmtpListener } from '../../src/mailboxes/smtp/listener.js';
import { migrate } from '../../src/migrate.js';
import { addTenant } from '../../src/tenants/tenants.js';
import { BENCH_TO } from './monitoring-mail.js';

export interface Target {
  name: string;
  port: number;
  /** how many messages the target kept (null: it keeps none) */
  stored(): Promise<number | null>;
  /** called before each series is sent to it */
  before?(): void;
  close(): Promise<void>;
}

// The bench's clients all come from 127.0.0.1, in their hundreds: limits out of their way.
const listenerOptions = (): Config['smtp'] => ({ host: '127.0.0.1', port: 0, maxBytes: 25 * 1024 * 1024, maxClients: 10_000, maxClientsPerAddress: 10_000, storeWaitMs: 60_000, dataTimeoutMs: 600_000, dataMemory: 1024 * 1024 * 1024, spoolAboveBytes: 1024 * 1024, spoolDir: path.join(os.tmpdir(), 'datamer-bench-spool'), trustedRelays: ['127.0.0.0/8'], tls: null, auth: null });

export async function bareTarget(): Promise<Target> {
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: listenerOptions().maxBytes,
    closeTimeout: 1_000,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => callback(null, 'OK: discarded'));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    name: 'bare smtp-server (discards)',
    port: (server.server.address() as AddressInfo).port,
    stored: async () => null,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** DaTamer's listener on a fresh, migrated database at `url`, with one tenant to deliver to. */
export async function datamerTarget(name: string, url: string, dropDatabase: () => Promise<void>, dialect: Db['dialect'], fenced = true): Promise<Target> {
  let db: Db | null = null;
  try {
    db = await openDb(url);
    if (db.dialect !== dialect) throw new Error(`${name}: the database is ${db.dialect}, not ${dialect}`);
    await migrate(db);
    const deps: Deps = { db, clock: systemClock, log: silentLogger() };
    const { tenant } = await addTenant(deps, { name: 'bench', address: BENCH_TO });
    const listener = createSmtpListener(deps, listenerOptions());
    const address = await listener.listen();
    const opened = db;
    return {
      name,
      port: address.port,
      stored: () => countMessages(deps, tenant.id),
      // Classification behind the fence (src/classification/fenced.ts), or on the main thread as
      // before it: the two are measured side by side, each in its turn.
      before: () => classifyOnMainThread(!fenced),
      close: async () => {
        await listener.close();
        await opened.close();
        await dropDatabase();
      },
    };
  } catch (err) {
    await db?.close();
    await dropDatabase();
    throw err;
  }
}

export async function sqliteTarget(): Promise<Target> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datamer-bench-'));
  return datamerTarget('DaTamer on SQLite', `sqlite:${path.join(dir, 'bench.sqlite')}`, async () =>
    rmSync(dir, { recursive: true, force: true }),
    'sqlite',
  );
}

export async function postgresTarget(): Promise<Target> {
  // The dialect is named, not left to DATAMER_TEST_DB: left to it, this target once ran on SQLite.
  const database = await createTestDatabase('postgres');
  return datamerTarget('DaTamer on PostgreSQL', database.url, () => database.drop(), 'postgres');
}

/** The names of the targets that classify on the main thread, without the fence. */
export const UNFENCED = { sqlite: 'DaTamer on SQLite, unfenced', postgres: 'DaTamer on PostgreSQL, unfenced' };

export async function unfencedSqliteTarget(): Promise<Target> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datamer-bench-'));
  return datamerTarget(UNFENCED.sqlite, `sqlite:${path.join(dir, 'bench.sqlite')}`, async () => rmSync(dir, { recursive: true, force: true }), 'sqlite', false);
}

export async function unfencedPostgresTarget(): Promise<Target> {
  const database = await createTestDatabase('postgres');
  return datamerTarget(UNFENCED.postgres, database.url, () => database.drop(), 'postgres', false);
}
