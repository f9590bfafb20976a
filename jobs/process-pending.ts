// bree job: finish messages that were stored but not classified (after a crash or a failure).
import { runJob, withJobDeps } from '../src/job-runner.js';
import { processPending } from '../src/pipeline.js';

runJob('process-pending', (config, log) =>
  withJobDeps(config, log, async (deps) => {
    const done = await processPending(deps);
    if (done > 0) log.info({ done }, 'processed messages that were waiting');
  }),
);
