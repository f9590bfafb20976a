// The bree schedule: which jobs run how often. Each job is a thin file in jobs/.
import Bree from 'bree';
import type { JobRuns } from './job-runs.js';
import type { Logger } from './log.js';
import { jobsDir } from './paths.js';

export const JOBS = [
  { name: 'outbox-delivery', interval: '15s' },
  // Alerts: transitions into notices, and the notices whose group wait is over into mail (docs/notifications.md).
  { name: 'notify', timeout: 0, interval: '10s' },
  // Daily digests at each user's local hour; the run is watched by the self-watch.
  { name: 'digest', timeout: 0, interval: '1m' },
  // At start (timeout 0) and every minute: messages a crash left stored but unclassified.
  { name: 'process-pending', timeout: 0, interval: '1m' },
  // Product promise: streams are evaluated at least every minute.
  { name: 'schedule-evaluation', timeout: 0, interval: '1m' },
  // DaTamer watches itself: one heartbeat per tenant and clock hour, sent by the first run in
  // the hour. Running every 5 minutes (not every hour from start) keeps the heartbeats about an
  // hour apart across restarts, well inside the hourly stream's 10-minute grace, and notices a
  // stuck outbox or a failing mailbox within minutes.
  { name: 'self-heartbeat', timeout: 0, interval: '5m' },
];

/** @param runs where each run's end is counted (for /metrics); a run ends with 'done' (src/job-runner.ts) or an error */
export function createScheduler(log: Logger, runs?: JobRuns): Bree {
  return new Bree({
    root: jobsDir,
    defaultExtension: 'js',
    jobs: JOBS,
    // bree logs through console by default; route it to DaTamer's log.
    logger: {
      info: (...args: unknown[]) => log.debug({ bree: args.map(String).join(' ') }),
      warn: (...args: unknown[]) => log.warn({ bree: args.map(String).join(' ') }),
      error: (...args: unknown[]) => log.error({ bree: args.map(String).join(' ') }),
    } as never,
    errorHandler: (error: unknown, workerMetadata: { name?: string }) => {
      if (workerMetadata?.name) runs?.record(workerMetadata.name, false);
      log.error({ job: workerMetadata?.name, err: String(error) }, 'job failed');
    },
    workerMessageHandler: ({ name, message }: { name: string; message: unknown }) => {
      if (message === 'done') runs?.record(name, true);
      log.debug({ job: name, message: String(message) }, 'job message');
    },
  });
}
