// `npm start`: migrate, make sure there is a tenant, then DaTamer's SMTP address, the web
// site and the jobs. Ctrl-C (or SIGTERM) stops taking new work, lets what is in flight
// finish, and closes the database last, so nothing is left half-written.
import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';
import { configureFence } from './ingest/parse-pool.js';
import { systemClock } from './clock.js';
import { describeDatabase, loadConfig, redactUrl, type Config } from './config.js';
import { openDb } from './db.js';
import type { Deps } from './deps.js';
import { isDatamerError, messageOf } from './errors.js';
import { JobRuns } from './job-runs.js';
import { createScheduler } from './jobs.js';
import { createLogger } from './log.js';
import { loadSecretKey } from './mailboxes/secrets.js';
import { linkKey } from './notifications/unsubscribe-link.js';
import { createSmtpListener } from './mailboxes/smtp/listener.js';
import { DEFAULT_WATCH, watchMailboxes } from './mailboxes/watcher.js';
import { providerMailboxes } from './mailboxes/mailbox-store.js';
import { madeNewDatabase, migrate } from './migrate.js';
import { ensureDefaultTenant } from './tenants/tenants.js';
import { createApp } from './web/app.js';

/** One line on stderr and a non-zero exit: what a user sees when the start cannot go on. */
function stop(line: string): never {
  process.stderr.write(`datamer: ${line}\n`);
  process.exit(2);
}

function inUse(err: unknown, variable: string, host: string, port: number): never {
  if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') stop(`${variable}: ${host}:${port} is already in use (is DaTamer already running?)`);
  if ((err as NodeJS.ErrnoException).code === 'EACCES') stop(`${variable}: not allowed to listen on ${host}:${port}`);
  throw err;
}

async function listenWeb(app: ReturnType<typeof createApp>, config: Config): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(config.web.port, config.web.host);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (isDatamerError(err, 'CONFIG_INVALID')) stop(err.message);
    throw err;
  }
  const log = createLogger(config.logLevel);
  configureFence(config.fence);

  const db = await openDb(config.databaseUrl).catch((err) =>
    stop(`DATABASE_URL: cannot open ${redactUrl(config.databaseUrl)}: ${messageOf(err)}`),
  );
  const deps: Deps = { db, clock: systemClock, log, answersPerHour: config.answersPerHour };
  const ran = await migrate(db);
  if (ran.length > 0) log.info({ migrations: ran }, 'database schema brought up to date');
  const { tenants } = await ensureDefaultTenant(deps);

  const smtp = createSmtpListener(deps, config.smtp);
  // The longest a stop may take: the listener's store wait, plus a little for the rest.
  const stopLimitMs = config.smtp.storeWaitMs + 15_000;
  await smtp.listen().catch((err) => inUse(err, 'DATAMER_SMTP_PORT', config.smtp.host, config.smtp.port));
  const jobRuns = new JobRuns(systemClock);
  // The session cookie's signing secret comes from the key DaTamer already keeps apart from the
  // database (DATAMER_SECRET_KEY or its key file): logins survive a restart, and a stolen
  // database alone cannot forge one.
  const sessionSecret = createHmac('sha256', loadSecretKey(config)).update('datamer web session').digest('hex');
  const web = await listenWeb(createApp(deps, { jobRuns, sessionSecret, smtpStuck: () => smtp.stuck(), linkKey: () => linkKey(loadSecretKey(config)), grace: config.grace, publicUrl: config.publicUrl, trustProxy: config.web.trustProxy, metricsToken: config.web.metricsToken, secretKey: () => loadSecretKey(config) }), config).catch((err) => inUse(err, 'DATAMER_WEB_PORT', config.web.host, config.web.port));
  const scheduler = config.jobs ? createScheduler(log, jobRuns) : null;
  await scheduler?.start();
  // The key is read (or made) only when a mailbox needs its password.
  const mailboxes = watchMailboxes(deps, { ...DEFAULT_WATCH, pollMs: config.mailboxPollMs, key: () => loadSecretKey(config) });

  const watched = (await providerMailboxes(deps)).length;
  const where = `${describeDatabase(config.databaseUrl)}${madeNewDatabase(ran) ? ', new and empty' : ''}`;
  const first = tenants[0]?.addresses[0] ?? 'datamer@localhost';
  process.stdout.write(
    [
      `DaTamer is running (database: ${where})`,
      `  SMTP address  ${config.smtp.host}:${config.smtp.port}  for ${tenants.flatMap((t) => t.addresses).join(', ')}`,
      `  web site      http://${config.web.host}:${config.web.port}/`,
      `  mailboxes     ${watched === 0 ? 'none watched yet (add one: npx datamer mailbox add --help)' : `${watched} IMAP mailbox${watched === 1 ? '' : 'es'} watched`}`,
      `  jobs          ${scheduler ? 'running' : 'off (DATAMER_JOBS=0)'}${config.outgoingSmtpUrl ? '' : '; outgoing mail stays queued until DATAMER_OUTGOING_SMTP_URL is set'}`,
      `Send it a monitoring email, for example:`,
      `  curl smtp://${config.smtp.host}:${config.smtp.port} --mail-from cron@example.com --mail-rcpt ${first} --upload-file fixtures/hello.eml`,
      `Stop with Ctrl-C.`,
      '',
    ].join('\n'),
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    // Whatever hangs (a database that stopped answering), Ctrl-C stops DaTamer: what was not
    // acknowledged is retried by its sender, what was is committed.
    setTimeout(() => {
      log.error('stopping took too long: exiting anyway');
      process.exit(1);
    }, stopLimitMs).unref();
    log.info({ signal }, 'stopping: no new mail or requests; finishing what is in flight');
    // Stop taking new work first; the database closes last, after everything using it.
    web.closeIdleConnections();
    const webClosed = new Promise<void>((resolve) => web.close(() => resolve()));
    setTimeout(() => web.closeAllConnections(), 3_000).unref();
    await Promise.all([smtp.close(), webClosed, scheduler?.stop(), mailboxes.stop()]);
    await db.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`datamer: could not start: ${isDatamerError(err) ? err.message : (err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
