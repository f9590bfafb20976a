// Sequelize on SQLite (the embedded default) or PostgreSQL (production), with the models
// from models/. Everything else talks to the database through a Db.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Sequelize, Transaction } from 'sequelize';
import sqlite3 from 'sqlite3';
import { defineModels, type Models } from '../models/index.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  readonly sequelize: Sequelize;
  readonly models: Models;
  readonly dialect: Dialect;
  /** Runs `work` in one transaction: all of it is committed, or none of it. */
  transaction<T>(work: (t: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * SQLite connections as DaTamer needs them. WAL lets readers work while a message is being
 * stored; synchronous=NORMAL in WAL mode loses nothing when the process is killed (only a
 * power cut can take the last commits); the busy timeout lets a job in another thread or
 * process wait for the write lock instead of failing at once.
 */
function tunedSqlite(): typeof sqlite3 {
  function Database(file: string, mode: number, callback: (err: Error | null) => void) {
    const db: sqlite3.Database = new sqlite3.Database(file, mode, (err) => {
      if (err) return callback(err);
      db.configure('busyTimeout', 15_000);
      db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;', (pragmaErr) => callback(pragmaErr));
    });
    return db;
  }
  return { ...sqlite3, Database } as unknown as typeof sqlite3;
}

/** A promise chain: SQLite takes one writer at a time, so this process queues its own. */
function serialQueue() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
}

/**
 * Sequelize opens a new SQLite connection for every transaction and closes it after: an open,
 * the PRAGMAs and a schema read per message. DaTamer runs its transactions one at a time per
 * process (see serialQueue), so they can all use one long-lived writer connection instead.
 */
function reuseWriterConnection(sequelize: Sequelize): void {
  type Connection = { uuid?: string };
  const manager = sequelize.connectionManager as unknown as {
    getConnection(options?: { uuid?: string }): Promise<Connection>;
    releaseConnection(connection: Connection, force?: boolean): unknown;
  };
  const getConnection = manager.getConnection.bind(manager);
  const releaseConnection = manager.releaseConnection.bind(manager);
  let writer: Promise<Connection> | null = null;
  manager.getConnection = (options) => {
    if (!options?.uuid || options.uuid === 'default') return getConnection(options);
    writer ??= getConnection({ ...options, uuid: 'writer' });
    return writer;
  };
  manager.releaseConnection = (connection, force) => {
    if (writer && connection.uuid && connection.uuid !== 'writer') {
      // The transaction is over; the connection stays for the next one.
      return writer.then((w) => {
        if (w === connection) w.uuid = 'writer';
        else releaseConnection(connection, force);
      });
    }
    return releaseConnection(connection, force);
  };
}

/**
 * Runs `work` in the caller's transaction when there is one, else in one of its own. A store
 * function that changes a setting takes the caller's transaction this way, so that the change and
 * its line in the activity trail commit together (src/events/change.ts, changeWithTrail): SQLite
 * cannot nest transactions, and this process runs its own one at a time (serialQueue), so a
 * second transaction opened inside the first would wait for it for ever.
 */
export function within<T>(db: Db, transaction: Transaction | undefined, work: (t: Transaction) => Promise<T>): Promise<T> {
  return transaction ? work(transaction) : db.transaction(work);
}

export function sqliteStorage(databaseUrl: string): string {
  const rest = databaseUrl.replace(/^sqlite:/, '');
  return rest === ':memory:' ? ':memory:' : path.resolve(rest);
}

export async function openDb(databaseUrl: string): Promise<Db> {
  const dialect: Dialect = databaseUrl.startsWith('sqlite:') ? 'sqlite' : 'postgres';
  let sequelize: Sequelize;
  if (dialect === 'sqlite') {
    const storage = sqliteStorage(databaseUrl);
    if (storage !== ':memory:') mkdirSync(path.dirname(storage), { recursive: true });
    sequelize = new Sequelize({ dialect: 'sqlite', storage, logging: false, dialectModule: tunedSqlite() });
  } else {
    sequelize = new Sequelize(databaseUrl, { dialect: 'postgres', logging: false, pool: { max: 10, idle: 10_000 } });
  }
  await sequelize.authenticate();

  if (dialect === 'sqlite' && sqliteStorage(databaseUrl) !== ':memory:') reuseWriterConnection(sequelize);
  const models = defineModels(sequelize);
  const queue = serialQueue();
  const transaction = <T>(work: (t: Transaction) => Promise<T>): Promise<T> =>
    dialect === 'sqlite'
      ? // IMMEDIATE takes the write lock at BEGIN, so a transaction never fails half-way on a lock upgrade.
        queue(() => sequelize.transaction({ type: Transaction.TYPES.IMMEDIATE }, work))
      : sequelize.transaction(work);

  return { sequelize, models, dialect, transaction, close: () => sequelize.close() };
}
