// DaTamer's critical self-reports: a `:critical: :org:datamer.self:` MSE to a tenant's
// self-address when that tenant's outgoing mail is stuck, or one of its mailboxes has been
// failing for a while. One report per condition: it is reported when it starts, remembered
// (job_cursors, see marks.ts), and may be reported again only after it has cleared.
import { Op, UniqueConstraintError } from 'sequelize';
import type { Deps } from '../deps.js';
import type { Mailbox, OutboxMail, Tenant } from '../../models/index.js';
import { DIGEST_RUN_MARK } from '../notifications/digest.js';
import { enqueueMail } from '../notifications/outbox.js';
import { smtpMailboxOf } from '../tenants/tenants.js';
import { SELF_ORG, tenantsWatchingThemselves, type SelfMailContext } from './heartbeat.js';
import { compareAndSet, markName, readMark } from './marks.js';

const MINUTE = 60_000;

export const SELF_WATCH = {
  /** queued mail older than this is stuck: retries with backoff reach 30 min after 6 tries */
  outboxStuckMs: 30 * MINUTE,
  /** mail given up (failed or interrupted) this recently counts as a stuck outbox */
  outboxFailedWindowMs: 60 * MINUTE,
  /** a mailbox error shorter than this is a blip (a provider restarting), not a report */
  mailboxFailingMs: 15 * MINUTE,
  /** the digest job runs every minute: this long without a run, it has stopped */
  digestSilentMs: 60 * MINUTE,
};

export const REPORT_KIND = 'self-report';

export interface WatchReport {
  /** mails queued by this run */
  reported: OutboxMail[];
  /** conditions found cleared by this run, e.g. `outbox` or `mailbox:3` */
  cleared: string[];
}

/** What is wrong with a tenant's outgoing mail, in words; null when nothing is. */
async function outboxProblem(deps: Deps, tenantId: number): Promise<string | null> {
  const now = deps.clock.now().getTime();
  const stuck = await deps.db.models.OutboxMail.count({
    where: { tenantId, status: { [Op.in]: ['queued', 'sending'] }, createdAt: { [Op.lt]: new Date(now - SELF_WATCH.outboxStuckMs) } },
  });
  const failed = await deps.db.models.OutboxAttempt.count({
    where: { tenantId, outcome: { [Op.in]: ['failed', 'interrupted'] }, at: { [Op.gt]: new Date(now - SELF_WATCH.outboxFailedWindowMs) } },
  });
  const parts: string[] = [];
  if (stuck > 0) parts.push(`${stuck} mail${stuck === 1 ? '' : 's'} queued for more than ${SELF_WATCH.outboxStuckMs / MINUTE} minutes`);
  if (failed > 0) parts.push(`${failed} mail${failed === 1 ? '' : 's'} given up in the last ${SELF_WATCH.outboxFailedWindowMs / MINUTE} minutes`);
  return parts.length > 0 ? parts.join(', ') : null;
}

function reportMail(tenant: Tenant, from: string, title: string, detail: string[], ctx: SelfMailContext) {
  return {
    tenantId: tenant.id,
    kind: REPORT_KIND,
    from,
    to: [tenant.selfAddress!],
    subject: `:critical: :org:${SELF_ORG}: ${title}`,
    text: [
      ...detail,
      '',
      'DaTamer reports this once; it reports it again only after it has cleared and come back.',
      'What to do: see docs/operations.md, "When an alert fires".',
      ...(ctx.server ? ['', `:svr:${ctx.server}:`] : []),
      '',
    ].join('\n'),
    headers: { 'X-DaTamer-Self': 'report' },
  };
}

/** Queues the report if this call is the one that opens the condition. */
async function open(deps: Deps, mark: string, mail: Parameters<typeof enqueueMail>[1]): Promise<OutboxMail | null> {
  try {
    return await deps.db.transaction(async (transaction) => {
      if (!(await compareAndSet(deps, mark, 0, 1, transaction))) return null;
      return enqueueMail(deps, mail, transaction);
    });
  } catch (err) {
    if (err instanceof UniqueConstraintError) return null; // another process opened it first
    throw err;
  }
}

async function clear(deps: Deps, marks: string[]): Promise<boolean> {
  // Nearly always nothing is open: read first, so a healthy run takes no write lock.
  const open = await Promise.all(marks.map((mark) => readMark(deps, mark)));
  if (open.every((position) => position === 0)) return false;
  return deps.db.transaction(async (transaction) => {
    let changed = false;
    for (const mark of marks) {
      const current = await readMark(deps, mark, transaction);
      if (current !== 0 && (await compareAndSet(deps, mark, current, 0, transaction))) changed = true;
    }
    return changed;
  });
}

async function watchOutbox(deps: Deps, tenant: Tenant, from: string, ctx: SelfMailContext, report: WatchReport): Promise<void> {
  const mark = markName.outboxReported(tenant.id);
  const problem = await outboxProblem(deps, tenant.id);
  if (problem === null) {
    if (await clear(deps, [mark])) {
      report.cleared.push('outbox');
      deps.log.info({ tenant: tenant.name }, 'self-watch: outgoing mail flows again');
    }
    return;
  }
  if ((await readMark(deps, mark)) !== 0) return; // reported already, still on
  const mail = await open(
    deps,
    mark,
    reportMail(tenant, from, `DaTamer outgoing mail is stuck for ${tenant.name}`, [
      `DaTamer's outbox for tenant ${tenant.name}: ${problem}.`,
      'Alerts and notices are not reaching people. Check DATAMER_OUTGOING_SMTP_URL and the outgoing',
      'server, and the outbox rows (status, last_error) in the database.',
    ], ctx),
  );
  if (mail) {
    report.reported.push(mail);
    deps.log.error({ tenant: tenant.name, problem, outboxId: mail.id }, 'self-watch: outgoing mail is stuck; critical report queued');
  }
}

async function watchMailbox(deps: Deps, tenant: Tenant, mailbox: Mailbox, from: string, ctx: SelfMailContext, report: WatchReport): Promise<void> {
  const sinceMark = markName.mailboxFailingSince(mailbox.id);
  const reportedMark = markName.mailboxReported(mailbox.id);
  if (mailbox.lastError === null) {
    if (await clear(deps, [sinceMark, reportedMark])) {
      report.cleared.push(`mailbox:${mailbox.id}`);
      deps.log.info({ tenant: tenant.name, mailbox: mailbox.address }, 'self-watch: mailbox works again');
    }
    return;
  }
  // The mailbox row says only *that* it fails; when it started is what this watch first saw.
  const nowMinute = Math.floor(deps.clock.now().getTime() / MINUTE);
  let since = await readMark(deps, sinceMark);
  if (since === 0) {
    try {
      await deps.db.transaction((transaction) => compareAndSet(deps, sinceMark, 0, nowMinute, transaction));
    } catch (err) {
      if (!(err instanceof UniqueConstraintError)) throw err;
    }
    since = await readMark(deps, sinceMark);
  }
  if ((nowMinute - since) * MINUTE < SELF_WATCH.mailboxFailingMs) return;
  if ((await readMark(deps, reportedMark)) !== 0) return;
  const mail = await open(
    deps,
    reportedMark,
    reportMail(tenant, from, `DaTamer mailbox ${mailbox.address} of ${tenant.name} is failing`, [
      `DaTamer's ${mailbox.kind} mailbox ${mailbox.address} of tenant ${tenant.name} has been failing since ${new Date(since * MINUTE).toISOString()}.`,
      `Its last error: ${mailbox.lastError}`,
      'MSEs sent to it are not being taken in. /readyz reports the same.',
    ], ctx),
  );
  if (mail) {
    report.reported.push(mail);
    deps.log.error({ tenant: tenant.name, mailbox: mailbox.address, err: mailbox.lastError, outboxId: mail.id }, 'self-watch: mailbox failing; critical report queued');
  }
}

/**
 * The digest job itself is watched: one that stops running sends nothing, and nobody would notice
 * (the lesson of healthchecks' report worker). Only once it has run at all, and only for tenants
 * whose users have a digest.
 */
async function watchDigests(deps: Deps, tenant: Tenant, from: string, ctx: SelfMailContext, report: WatchReport): Promise<void> {
  const mark = markName.digestReported(tenant.id);
  const lastRun = await readMark(deps, DIGEST_RUN_MARK);
  const silent = lastRun !== 0 && deps.clock.now().getTime() - lastRun * MINUTE > SELF_WATCH.digestSilentMs;
  if (!silent) {
    if (await clear(deps, [mark])) {
      report.cleared.push('digest');
      deps.log.info({ tenant: tenant.name }, 'self-watch: the digest job runs again');
    }
    return;
  }
  if ((await readMark(deps, mark)) !== 0) return;
  if ((await deps.db.models.User.count({ where: { tenantId: tenant.id, digestHour: { [Op.ne]: null } } })) === 0) return;
  const mail = await open(
    deps,
    mark,
    reportMail(tenant, from, `DaTamer daily digests have stopped for ${tenant.name}`, [
      `DaTamer's digest job last ran at ${new Date(lastRun * MINUTE).toISOString()}: no daily digest goes out while it does not run.`,
      'Check that DaTamer is running with its jobs (DATAMER_JOBS) and its log for "digest".',
    ], ctx),
  );
  if (mail) {
    report.reported.push(mail);
    deps.log.error({ tenant: tenant.name, lastRun: new Date(lastRun * MINUTE).toISOString(), outboxId: mail.id }, 'self-watch: the digest job stopped; critical report queued');
  }
}

/** One look at every tenant with a self-address. Safe to run often and in several processes. */
export async function watchSelf(deps: Deps, ctx: SelfMailContext): Promise<WatchReport> {
  const report: WatchReport = { reported: [], cleared: [] };
  for (const tenant of await tenantsWatchingThemselves(deps)) {
    const sender = await smtpMailboxOf(deps, tenant.id);
    if (!sender) continue; // logged by the heartbeat
    await watchOutbox(deps, tenant, sender.address, ctx, report);
    await watchDigests(deps, tenant, sender.address, ctx, report);
    const mailboxes = await deps.db.models.Mailbox.findAll({ where: { tenantId: tenant.id }, order: [['id', 'ASC']] });
    for (const mailbox of mailboxes) await watchMailbox(deps, tenant, mailbox, sender.address, ctx, report);
  }
  return report;
}
