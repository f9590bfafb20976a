// bree job: DaTamer watches itself (src/selfwatch/): the hourly heartbeat MSE per tenant, and
// critical self-reports when outgoing mail is stuck or a mailbox keeps failing.
import { runJob } from '../src/job-runner.js';
import { runSelfWatch } from '../src/selfwatch/run.js';

runJob('self-heartbeat', runSelfWatch);
