// A fresh, migrated database for each test file: a temporary SQLite file, or a new
// PostgreSQL database, depending on DATAMER_TEST_DB (the runner runs the suite on both).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { VirtualClock } from '../../src/clock.js';
import { openDb, type Db } from '../../src/db.js';
import type { Deps } from '../../src/deps.js';
import { silentLogger } from '../../src/log.js';
import { migrate } from '../../src/migrate.js';

export const testDialect = (process.env.DATAMER_TEST_DB ?? 'sqlite') as 'sqlite' | 'postgres';
const adminUrl = process.env.DATAMER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
let counter = 0;

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** An empty database nobody else uses. */
export async function createTestDatabase(dialect: 'sqlite' | 'postgres' = testDialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'datamer-db-'));
    return { url: `sqlite:${path.join(dir, 'test.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `datamer_t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface TestDb {
  db: Db;
  url: string;
  clock: VirtualClock;
  deps: Deps;
  /** closes the connection and removes the database */
  dispose(): Promise<void>;
}

export const TEST_START = new Date('2026-11-23T08:00:00Z');

/** A fresh database, its clock at `start` (default TEST_START). */
export async function openTestDb(start: Date | string = TEST_START): Promise<TestDb> {
  const database = await createTestDatabase();
  const db = await openDb(database.url);
  await migrate(db);
  const clock = new VirtualClock(start);
  return {
    db,
    url: database.url,
    clock,
    deps: { db, clock, log: silentLogger() },
    dispose: async () => {
      await db.close();
      await database.drop();
    },
  };
}
