// One run of the notifier, as the `notify` job does it (every 10 s): read the transitions since
// the last run into notices, tell again what nobody took, then mail what is due. And one run of
// the `digest` job.
import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import { withJobDeps } from '../job-runner.js';
import type { Logger } from '../log.js';
import { loadSecretKey } from '../mailboxes/secrets.js';
import { sendDueAlerts, type SendReport } from './alert-mail.js';
import { sendDueDigests } from './digest.js';
import { linkKey } from './unsubscribe-link.js';
import type { AlertSettings } from './defaults.js';
import { notifyTransitions, type NotifyReport } from './notifier.js';

export async function notify(deps: Deps, settings: AlertSettings): Promise<NotifyReport & { sent: SendReport }> {
  const read = await notifyTransitions(deps, settings);
  return { ...read, sent: await sendDueAlerts(deps, { holdBeforeCommit: settings.holdBeforeCommit === true }) };
}

export async function runNotifier(config: Config, log: Logger): Promise<void> {
  const report = await withJobDeps(config, log, (deps) => notify(deps, config.alerts));
  if (report.notices + report.unrouted + report.sent.mails > 0) log.info(report, 'notifier: run');
}

/** One run of the `digest` job: the daily digests that are due. */
export async function runDigests(config: Config, log: Logger): Promise<void> {
  const options = { linkKey: linkKey(loadSecretKey(config)), publicUrl: config.publicUrl };
  const report = await withJobDeps(config, log, (deps) => sendDueDigests(deps, options));
  if (report.sent > 0) log.info(report, 'digest: run');
}
