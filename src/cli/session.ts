// Every command that touches the database goes through here: the configuration and the
// database of the service (DATABASE_URL, or the SQLite file under DATAMER_DATA_DIR), the
// schema brought up to date, and the tenant the command is for.
import os from 'node:os';
import { systemClock } from '../clock.js';
import { describeDatabase, loadConfig, redactUrl, type Config } from '../config.js';
import { openDb } from '../db.js';
import type { Deps } from '../deps.js';
import { DatamerError, messageOf } from '../errors.js';
import { changeWithTrail, type SettingChange } from '../events/change.js';
import { silentLogger } from '../log.js';
import { configureFence } from '../ingest/parse-pool.js';
import { madeNewDatabase, migrate } from '../migrate.js';
import { DEFAULT_TENANT, ensureDefaultTenant, findTenant } from '../tenants/tenants.js';
import type { Tenant } from '../../models/index.js';
import { Option } from 'commander';
import type { Transaction } from 'sequelize';
import { writeLine, type CliIo } from './io.js';

export async function withDeps<T>(io: CliIo, work: (deps: Deps, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig(io.env);
  configureFence(config.fence);
  const db = await openDb(config.databaseUrl).catch((err) => {
    throw new DatamerError('STORE_FAILED', `DATABASE_URL: cannot open ${redactUrl(config.databaseUrl)}: ${messageOf(err)}`, { cause: err });
  });
  try {
    // A command run with another DATABASE_URL or DATAMER_DATA_DIR than the service's would
    // otherwise work on an empty database of its own without a word.
    if (madeNewDatabase(await migrate(db))) writeLine(io.stderr, `datamer: made a new, empty database: ${describeDatabase(config.databaseUrl)} (${chosenBy(config)})`);
    // The CLI reports what it did itself; the service's JSON log lines would only get in the way.
    return await work({ db, clock: systemClock, log: silentLogger(), answersPerHour: config.answersPerHour }, config);
  } finally {
    await db.close();
  }
}

/** What chose the database, so that whoever reads the note knows what to change. */
const chosenBy = (config: Config) =>
  config.databaseChosenBy === 'default' ? "the installation's data directory; DATAMER_DATA_DIR or DATABASE_URL choose another" : config.databaseChosenBy;

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

/** `--as <handle>`: the user of the tenant who is doing it, for the activity log. */
export const actorOption = (what = 'recorded in the activity log') =>
  new Option('--as <handle>', `the user of the tenant doing it (${what}); without it, the command line and your login name`);

/**
 * The command line acting on its own: `cli:<login name>`. A handle never holds a colon, so this
 * is never taken for a user; the login name says who sat at the terminal.
 */
export function cliActor(): string {
  let login = '';
  try {
    login = os.userInfo().username;
  } catch {
    // No entry for this uid (a container's arbitrary user): the command line, unnamed.
  }
  return `cli:${login || 'unknown'}`;
}

/**
 * A change made from the command line and its line in the activity trail, committed together:
 * the same trail, and the same words, as the site's (docs/web.md, Roles), with the user `--as`
 * names or the command line. `change` passes the transaction to the store functions it calls.
 */
export async function withTrail<T>(
  deps: Deps, tenant: Tenant, as: string | undefined, change: (transaction: Transaction) => Promise<T>, line: (done: T) => SettingChange | null,
): Promise<T> {
  return changeWithTrail(deps, tenant.id, { actor: await actorFor(deps, tenant, as), via: 'cli' }, change, line);
}

/** Who a command acts as: the user `--as` names, who must be a user of the tenant, else the command line. */
export async function actorFor(deps: Deps, tenant: Tenant, as: string | undefined): Promise<string> {
  if (as === undefined) return cliActor();
  const user = await deps.db.models.User.findOne({ where: { tenantId: tenant.id, handle: as.trim().toLowerCase() }, attributes: ['handle'] });
  if (!user) throw new DatamerError('INPUT_INVALID', `--as ${as}: not a user of tenant ${tenant.name} (see datamer user list --tenant ${tenant.name})`);
  return user.handle;
}
