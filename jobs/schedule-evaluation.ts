// bree job: take in new arrivals of scheduled streams, then evaluate the streams that are due.
import { runJob, withJobDeps } from '../src/job-runner.js';
import { syncStreams } from '../src/schedules/streams.js';
import { evaluateDue } from '../src/schedules/tick.js';

runJob('schedule-evaluation', (config, log) =>
  withJobDeps(config, log, async (deps) => {
    await syncStreams(deps);
    const report = await evaluateDue(deps, deps.clock.now(), config.grace);
    if (report.raised.length + report.resolved.length > 0) log.info({ raised: report.raised.length, resolved: report.resolved.length }, 'schedule alerts');
  }),
);
