// datamer replay --mbox FILE [--tenant T | --with-tenant T]: the replay engine (src/replay) with
// an mbox file as its source and stdout as its output; with --with-tenant, a tenant's setup read
// from the configured database, which is only read.
import { stat } from 'node:fs/promises';
import { configureFence } from '../ingest/parse-pool.js';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { loadConfig, redactUrl } from '../config.js';
import { openDb, sqliteStorage } from '../db.js';
import { DatamerError, isDatamerError, messageOf } from '../errors.js';
import { readTenantSetup, type TenantSetup } from '../replay/tenant-setup.js';
import { readMbox } from '../mailboxes/mbox.js';
import { serializeLine } from '../replay/lines.js';
import { DEFAULT_REPLAY_TENANT, replay } from '../replay/replay.js';
import { writeLine, type CliIo } from './io.js';

/** The tenant's setup, read from the configured database without writing to it (no migration either). */
async function setupOf(databaseUrl: string, name: string): Promise<TenantSetup> {
  const where = redactUrl(databaseUrl);
  // Opening a SQLite file that is not there would make one: say so instead.
  if (databaseUrl.startsWith('sqlite:') && sqliteStorage(databaseUrl) !== ':memory:' && !existsSync(sqliteStorage(databaseUrl))) {
    throw new DatamerError('NOT_FOUND', `--with-tenant ${name}: there is no database at ${sqliteStorage(databaseUrl)} (DATABASE_URL, DATAMER_DATA_DIR)`);
  }
  const db = await openDb(databaseUrl).catch((err) => {
    throw new DatamerError('STORE_FAILED', `DATABASE_URL: cannot open ${where}: ${messageOf(err)}`, { cause: err });
  });
  try {
    return await readTenantSetup(db, name);
  } catch (err) {
    if (isDatamerError(err)) throw new DatamerError(err.code, `--with-tenant ${name}: ${err.message}`, { cause: err });
    throw new DatamerError('STORE_FAILED', `--with-tenant ${name}: cannot read the tenant from ${where} (is its schema up to date? any other datamer command updates it): ${messageOf(err)}`, { cause: err });
  } finally {
    await db.close();
  }
}

export function replayCommand(program: Command, io: CliIo): void {
  program
    .command('replay')
    .description('process an mbox in time order (Received, else Date) on a fresh in-memory database, with a virtual clock; prints JSON Lines (see docs/replay.md)')
    .requiredOption('--mbox <file>', 'the mbox file to replay')
    .option('--tenant <name>', 'the name of the replay tenant', DEFAULT_REPLAY_TENANT)
    .option('--with-tenant <name>', "replay with this tenant's rules, streams, maintenance windows, users and subscriptions, read (only read) from the configured database")
    .action(async (options: { mbox: string; tenant: string; withTenant?: string }) => {
      const config = loadConfig(io.env);
      configureFence(config.fence);
      const info = await stat(options.mbox).catch(() => null);
      if (!info?.isFile()) throw new DatamerError('INPUT_INVALID', `cannot read ${options.mbox}: no such file`);
      const maxBytes = config.smtp.maxBytes;
      const setup = options.withTenant === undefined ? undefined : await setupOf(config.databaseUrl, options.withTenant);
      const summary = await replay(readMbox(options.mbox, { keepAtMost: maxBytes }), (line) => writeLine(io.stdout, serializeLine(line)), {
        tenant: options.tenant,
        ...(setup ? { setup } : {}),
        maxBytes,
        grace: config.grace,
      });
      writeLine(
        io.stderr,
        `datamer: replayed ${summary.messages} messages: ${summary.stored} stored, ${summary.duplicates} duplicates, ${summary.rejected} rejected`,
      );
    });
}
