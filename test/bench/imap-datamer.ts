// DaTamer as the IMAP benchmark runs it: a fresh, migrated database (SQLite file or PostgreSQL
// database) with one tenant, a small team whose engineers respond to the orgs the mail is tagged
// with (so every class folder gets its claim folders, as in a real workspace), and one IMAP
// mailbox in organize mode on the benchmark's Dovecot.
import { systemClock } from '../../src/clock.js';
import { openDb, type Db } from '../../src/db.js';
import type { Deps } from '../../src/deps.js';
import { createLogger } from '../../src/log.js';
import { imapMailbox } from '../../src/mailboxes/imap/provider.js';
import { addMailbox } from '../../src/mailboxes/mailbox-store.js';
import { migrate } from '../../src/migrate.js';
import { addGroup, addUser, joinGroup, subscribe } from '../../src/people/people.js';
import { addTenant } from '../../src/tenants/tenants.js';
import type { Mailbox } from '../../models/index.js';
import { createTestDatabase } from '../helpers/db.js';
import { CORPUS_TEAMS } from './imap-mail.js';
import { BENCH_MAIL_PASSWORD } from './imap-servers.js';

export type Dialect = 'sqlite' | 'postgres';

export const BENCH_KEY = Buffer.alloc(32, 9);

export const dialectName = (dialect: Dialect) => (dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL');

export interface BenchDatamer {
  deps: Deps;
  /** what DaTamer logged at warn level and above (a benchmark run should log nothing) */
  logged: string[];
  tenantId: number;
  mailbox: Mailbox;
  count(sql: string): Promise<number>;
  dispose(): Promise<void>;
}

const ENGINEERS: Array<{ handle: string; team: keyof typeof CORPUS_TEAMS }> = [
  { handle: 'alice', team: 'platform' },
  { handle: 'bob', team: 'platform' },
  { handle: 'carol', team: 'data' },
];

/** DaTamer on a fresh `dialect` database, organizing the IMAP mailbox of `user`. */
export async function datamerFor(dialect: Dialect, imapPort: number, user: string): Promise<BenchDatamer> {
  const database = await createTestDatabase(dialect);
  let db: Db | null = null;
  try {
    db = await openDb(database.url);
    await migrate(db);
    const logged: string[] = [];
    const log = createLogger('warn', { write: (line: string) => void logged.push(line.trim()) });
    const deps: Deps = { db, clock: systemClock, log };
    const { tenant } = await addTenant(deps, { name: 'bench', address: 'alerts@datamer.bench.test' });
    for (const [team, pattern] of Object.entries(CORPUS_TEAMS)) {
      await addGroup(deps, tenant.id, team);
      await subscribe(deps, tenant.id, team, pattern, 'responder');
    }
    for (const { handle, team } of ENGINEERS) {
      await addUser(deps, tenant.id, { email: `${handle}@bench.test`, handle });
      await joinGroup(deps, tenant.id, team, handle);
    }
    const url = `imap://${encodeURIComponent(user)}@127.0.0.1:${imapPort}/INBOX?tls=none`;
    const mailbox = await addMailbox(deps, tenant.id, { kind: 'imap', ...imapMailbox(url, BENCH_MAIL_PASSWORD), mode: 'organize' }, BENCH_KEY);
    const opened = db;
    return {
      deps,
      logged,
      tenantId: tenant.id,
      mailbox,
      count: async (sql) => {
        const [rows] = (await opened.sequelize.query(sql)) as [Array<{ n: number | string }>, unknown];
        return Number(rows[0]!.n);
      },
      dispose: async () => {
        await opened.close();
        await database.drop();
      },
    };
  } catch (err) {
    await db?.close();
    await database.drop();
    throw err;
  }
}
