// bree job: send the daily digests that are due.
import { runJob } from '../src/job-runner.js';
import { runDigests } from '../src/notifications/notify-run.js';

runJob('digest', runDigests);
