// bree job: finish messages that were stored but not classified (after a crash or a failure),
// and replies with commands whose handling a crash cut short.
import { finishStaleReplies } from '../src/commands/handle.js';
import { runJob, withJobDeps } from '../src/job-runner.js';
import { processPending } from '../src/pipeline.js';

runJob('process-pending', (config, log) =>
  withJobDeps(config, log, async (deps) => {
    const done = await processPending(deps, { attempts: config.fence.pendingAttempts });
    if (done > 0) log.info({ done }, 'processed messages that were waiting');
    const replies = await finishStaleReplies(deps);
    if (replies > 0) log.info({ replies }, 'handled replies with commands a crash had cut short');
  }),
);
