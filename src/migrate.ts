import { SequelizeStorage, Umzug } from 'umzug';
import type { QueryInterface } from 'sequelize';
import { migrations } from '../migrations/index.js';
import type { Db } from './db.js';

function umzug(db: Db) {
  return new Umzug<QueryInterface>({
    migrations,
    context: db.sequelize.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize: db.sequelize, tableName: 'schema_migrations' }),
    logger: undefined,
  });
}

/**
 * Brings the schema up to date (or up to the migration named `to`, for testing what a migration
 * does to rows written before it); returns the names of the migrations it ran.
 */
export async function migrate(db: Db, options: { to?: string } = {}): Promise<string[]> {
  const ran = await umzug(db).up(options.to ? { to: options.to } : {});
  return ran.map((m) => m.name);
}

/** Whether the migrations that ran made the schema from nothing: the database was new. */
export const madeNewDatabase = (ran: readonly string[]): boolean => ran.includes(migrations[0]!.name);
