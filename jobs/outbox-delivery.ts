// bree job: deliver what is due in the outbox.
import { runJob } from '../src/job-runner.js';
import { runOutboxDelivery } from '../src/notifications/delivery-run.js';

runJob('outbox-delivery', runOutboxDelivery);
