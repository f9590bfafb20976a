// One run of outbox delivery, as the bree job does it: its own database connection, each
// tenant's way out (its mailbox's provider, or the configured SMTP server), then done.
import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';
import nodemailer from 'nodemailer';
import type { Config } from '../config.js';
import { withJobDeps } from '../job-runner.js';
import type { Logger } from '../log.js';
import { loadSecretKey } from '../mailboxes/secrets.js';
import { deliverDue, type DeliveryReport } from './outbox.js';
import { outgoingRoutes } from './outgoing-routes.js';

export async function runOutboxDelivery(config: Config, log: Logger): Promise<DeliveryReport | null> {
  // nodemailer waits up to 10 minutes on a silent server by default, as long as the outbox lease:
  // a send must give up well before another worker may take its row for a dead one.
  const smtp = config.outgoingSmtpUrl
    ? nodemailer.createTransport({ url: config.outgoingSmtpUrl, connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 })
    : null;
  try {
    const report = await withJobDeps(config, log, async (deps) => {
      const routes = await outgoingRoutes(deps, smtp, () => loadSecretKey(config));
      try {
        // No outgoing server and no mailbox that sends: mail stays queued (and visible) until there is one.
        if (routes.tenants !== null && routes.tenants.length === 0) return null;
        return await deliverDue(deps, routes, `${hostname()}:${process.pid}:${threadId}`);
      } finally {
        await routes.close();
      }
    });
    if (report && report.sent + report.retrying + report.failed + report.interrupted > 0) log.info(report, 'outbox: delivery run');
    return report;
  } finally {
    smtp?.close();
  }
}
