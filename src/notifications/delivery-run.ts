// One run of outbox delivery, as the bree job does it: its own database connection, the
// configured SMTP server, then done.
import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';
import nodemailer from 'nodemailer';
import type { Config } from '../config.js';
import { withJobDeps } from '../job-runner.js';
import type { Logger } from '../log.js';
import { deliverDue, type DeliveryReport } from './outbox.js';

export async function runOutboxDelivery(config: Config, log: Logger): Promise<DeliveryReport | null> {
  // No outgoing server configured: mail stays queued (and visible) until one is.
  if (!config.outgoingSmtpUrl) return null;
  // nodemailer waits up to 10 minutes on a silent server by default, as long as the outbox lease:
  // a send must give up well before another worker may take its row for a dead one.
  const transport = nodemailer.createTransport({
    url: config.outgoingSmtpUrl,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  });
  try {
    const report = await withJobDeps(config, log, (deps) => deliverDue(deps, transport, `${hostname()}:${process.pid}:${threadId}`));
    if (report.sent + report.retrying + report.failed + report.interrupted > 0) log.info(report, 'outbox: delivery run');
    return report;
  } finally {
    transport.close();
  }
}
