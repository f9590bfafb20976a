// How a bree job runs: in its own worker thread, with its own configuration, log and database
// connection, done when its work is. A failed run is logged; the next run tries again.
import { parentPort } from 'node:worker_threads';
import { systemClock } from './clock.js';
import { loadConfig, type Config } from './config.js';
import { openDb } from './db.js';
import { configureFence } from './ingest/parse-pool.js';
import type { Deps } from './deps.js';
import { messageOf } from './errors.js';
import { createLogger, type Logger } from './log.js';

/** Opens the database for one run of a job's work and closes it after, whatever happens. */
export async function withJobDeps<T>(config: Config, log: Logger, work: (deps: Deps) => Promise<T>): Promise<T> {
  const db = await openDb(config.databaseUrl);
  try {
    return await work({ db, clock: systemClock, log, answersPerHour: config.answersPerHour });
  } finally {
    await db.close();
  }
}

/** The whole of a job file: `runJob('name', (config, log) => oneFunctionOfSrc(config, log))`. */
export function runJob(name: string, work: (config: Config, log: Logger) => Promise<unknown>): void {
  const config = loadConfig();
  configureFence(config.fence);
  const log = createLogger(config.logLevel).child({ job: name });
  work(config, log).then(
    () => parentPort?.postMessage('done'),
    (err) => {
      log.error({ err: messageOf(err) }, `${name} failed; the next run tries again`);
      process.exitCode = 1;
    },
  );
}
