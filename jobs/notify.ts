// bree job: turn what happened to events into alerts, and mail those that are due.
import { runJob } from '../src/job-runner.js';
import { runNotifier } from '../src/notifications/notify-run.js';

runJob('notify', runNotifier);
