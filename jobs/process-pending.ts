// bree job: finish messages that were stored but not classified (after a crash or a failure).
import { parentPort } from 'node:worker_threads';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { openDb } from '../src/db.js';
import { messageOf } from '../src/errors.js';
import { createLogger } from '../src/log.js';
import { processPending } from '../src/pipeline.js';

const config = loadConfig();
const log = createLogger(config.logLevel).child({ job: 'process-pending' });

async function run(): Promise<void> {
  const db = await openDb(config.databaseUrl);
  try {
    const done = await processPending({ db, clock: systemClock, log });
    if (done > 0) log.info({ done }, 'processed messages that were waiting');
  } finally {
    await db.close();
  }
}

run().then(
  () => parentPort?.postMessage('done'),
  (err) => {
    log.error({ err: messageOf(err) }, 'processing waiting messages failed; the next run retries');
    process.exitCode = 1;
  },
);
