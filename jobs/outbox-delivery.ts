// bree job: deliver what is due in the outbox. Runs in a worker thread.
import { parentPort } from 'node:worker_threads';
import { loadConfig } from '../src/config.js';
import { messageOf } from '../src/errors.js';
import { createLogger } from '../src/log.js';
import { runOutboxDelivery } from '../src/notifications/delivery-run.js';

const config = loadConfig();
const log = createLogger(config.logLevel).child({ job: 'outbox-delivery' });

runOutboxDelivery(config, log).then(
  () => parentPort?.postMessage('done'),
  (err) => {
    log.error({ err: messageOf(err) }, 'outbox delivery run failed; the next run retries');
    process.exitCode = 1;
  },
);
