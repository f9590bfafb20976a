// Runs the sending side in its own thread, as the monitoring tools are other programs: the
// client's own work then does not queue behind the server's on one event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { sendSeries, type SendPlan } from './smtp-client.js';

sendSeries(workerData as SendPlan).then(
  (result) => parentPort!.postMessage({ ok: true, result }),
  (err: unknown) => parentPort!.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) }),
);
