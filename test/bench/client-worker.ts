// Runs the sending side in its own thread, as the monitoring tools are other programs: the
// client's own work then does not queue behind the server's on one event loop. One thread for
// the whole run, so its code is as warm for the last target as for the first.
import { parentPort } from 'node:worker_threads';
import { closePools, sendSeries, type SendPlan } from './smtp-client.js';

parentPort!.on('message', (message: { plan: SendPlan } | { close: true }) => {
  if ('close' in message) {
    closePools();
    parentPort!.close();
    return;
  }
  sendSeries(message.plan).then(
    (result) => parentPort!.postMessage({ ok: true, result }),
    (err: unknown) => parentPort!.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});
