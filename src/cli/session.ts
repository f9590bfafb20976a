// Every command that touches the database goes through here: the configuration and the
// database of the service (DATABASE_URL, or the SQLite file under DATAMER_DATA_DIR), the
// schema brought up to date, and the tenant the command is for.
import { systemClock } from '../clock.js';
import { loadConfig, redactUrl, type Config } from '../config.js';
import { openDb } from '../db.js';
import type { Deps } from '../deps.js';
import { DatamerError, messageOf } from '../errors.js';
import { silentLogger } from '../log.js';
import { migrate } from '../migrate.js';
import { DEFAULT_TENANT, ensureDefaultTenant, findTenant } from '../tenants/tenants.js';
import type { Tenant } from '../../models/index.js';
import { Option } from 'commander';
import type { CliIo } from './io.js';

export async function withDeps<T>(io: CliIo, work: (deps: Deps, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig(io.env);
  const db = await openDb(config.databaseUrl).catch((err) => {
    throw new DatamerError('STORE_FAILED', `DATABASE_URL: cannot open ${redactUrl(config.databaseUrl)}: ${messageOf(err)}`, { cause: err });
  });
  try {
    await migrate(db);
    // The CLI reports what it did itself; the service's JSON log lines would only get in the way.
    return await work({ db, clock: systemClock, log: silentLogger() }, config);
  } finally {
    await db.close();
  }
}

/**
 * The tenant named by --tenant. The default tenant is made on a fresh database, as `npm start`
 * does, so `datamer import` works before the service was ever started.
 */
export async function tenantNamed(deps: Deps, name: string): Promise<Tenant> {
  if (name === DEFAULT_TENANT.name) await ensureDefaultTenant(deps);
  return findTenant(deps, name);
}

/** `--tenant <name>`, default `default`: which tenant a command is for. */
export const tenantOption = () => new Option('--tenant <name>', 'the tenant').default('default');

/** `--as <handle>`, default `cli`: who is doing it, for the activity log. */
export const actorOption = () => new Option('--as <handle>', 'who is doing it (recorded in the activity log)').default('cli');
