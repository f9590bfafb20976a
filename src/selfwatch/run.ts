// One run of the self-watch, as the bree job does it: this hour's heartbeats, then the checks
// that lead to critical self-reports.
import { hostname } from 'node:os';
import type { Config } from '../config.js';
import { withJobDeps } from '../job-runner.js';
import type { Logger } from '../log.js';
import { queueHeartbeats } from './heartbeat.js';
import { selfServer } from './host.js';
import { watchSelf } from './watch.js';

export async function runSelfWatch(config: Config, log: Logger): Promise<void> {
  const ctx = { server: selfServer(hostname()) };
  await withJobDeps(config, log, async (deps) => {
    await queueHeartbeats(deps, ctx);
    await watchSelf(deps, ctx);
  });
}
