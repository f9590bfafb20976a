// Outgoing mail goes through the outbox table: queued in the same transaction as the change
// that caused it, delivered later by a job, retried with backoff, never sent twice, and every
// attempt recorded.
//
// "Never twice" is kept by claiming a row with a conditional UPDATE (queued -> sending) before
// handing it to the SMTP server: of several workers, exactly one sees its update affect the row.
// A worker that dies between the claim and recording the outcome leaves the row in `sending`;
// nobody can know whether the server took it, so it is marked failed ("interrupted"), shown to
// the operator, and not resent.
import { randomUUID } from 'node:crypto';
import { Op, type Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import { DatamerError, messageOf } from '../errors.js';
import type { AttemptOutcome, OutboxMail } from '../../models/index.js';
import { DATAMER_HEADER } from '../commands/auto-generated.js';

export interface OutgoingMail {
  tenantId: number;
  kind: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html?: string | null;
  headers?: Record<string, string>;
  /** the event it is about: a reply to this mail commands that event */
  eventId?: number | null;
}

/** What delivery needs of nodemailer: a transport's sendMail. */
export interface MailTransport {
  sendMail(mail: {
    from: string;
    to: string[];
    subject: string;
    text: string;
    html?: string;
    headers: Record<string, string>;
    messageId: string;
  }): Promise<{ response?: string }>;
}

/** The display name of every mail DaTamer sends. */
export const SENDER_NAME = 'DaTamer';

export const DELIVERY = {
  maxAttempts: 8,
  firstBackoffMs: 30_000,
  maxBackoffMs: 60 * 60_000,
  /** a claim older than this belongs to a worker that died */
  leaseMs: 10 * 60_000,
  batch: 50,
};

/** 30 s, 1 min, 2 min, … capped at an hour. */
export function backoffMs(attempts: number): number {
  return Math.min(DELIVERY.firstBackoffMs * 2 ** Math.max(0, attempts - 1), DELIVERY.maxBackoffMs);
}

/** Which way each tenant's mail goes out (outgoing-routes.ts builds them from the settings). */
export interface OutgoingRoutes {
  /** the tenants whose mail has a way out now; null: every tenant */
  readonly tenants: number[] | null;
  transportFor(tenantId: number): MailTransport;
}

/**
 * SMTP 5xx replies are final (RFC 5321 §4.2.1), and so is what a mailbox provider's translated
 * error calls permanent (a refused permission, a message the API will never take); everything
 * else may pass on a later try.
 */
export function isPermanent(err: unknown): boolean {
  if (err instanceof DatamerError) return err.permanent;
  const code = (err as { responseCode?: number }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

export async function enqueueMail(deps: Deps, mail: OutgoingMail, transaction?: Transaction): Promise<OutboxMail> {
  const now = deps.clock.now();
  const domain = mail.from.split('@')[1] ?? 'datamer.invalid';
  return deps.db.models.OutboxMail.create(
    {
      tenantId: mail.tenantId,
      kind: mail.kind,
      fromAddress: mail.from,
      toAddresses: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html ?? null,
      // RFC 3834 §5: DaTamer's own mail says it is automatic, so other robots do not answer it;
      // the tenant header lets another DaTamer (or this one) recognise it and never answer it.
      headers: { 'Auto-Submitted': 'auto-generated', [DATAMER_HEADER]: String(mail.tenantId), ...mail.headers },
      eventId: mail.eventId ?? null,
      messageIdHeader: `<outbox-${randomUUID()}@${domain}>`,
      status: 'queued',
      nextAttemptAt: now,
      createdAt: now,
    },
    { transaction },
  );
}

export interface DeliveryReport {
  sent: number;
  retrying: number;
  failed: number;
  interrupted: number;
}

async function record(
  deps: Deps,
  row: OutboxMail,
  worker: string,
  outcome: AttemptOutcome,
  response: string | null,
  transaction?: Transaction,
): Promise<void> {
  await deps.db.models.OutboxAttempt.create(
    { tenantId: row.tenantId, outboxId: row.id, worker, outcome, response, at: deps.clock.now() },
    { transaction },
  );
}

/** Rows whose worker died mid-send: failed, never resent (see the top of this file). */
async function failInterrupted(deps: Deps, worker: string): Promise<number> {
  const { OutboxMail } = deps.db.models;
  const staleBefore = new Date(deps.clock.now().getTime() - DELIVERY.leaseMs);
  const stale = await OutboxMail.findAll({ where: { status: 'sending', claimedAt: { [Op.lt]: staleBefore } } });
  let count = 0;
  for (const row of stale) {
    const error = `interrupted while sending (worker ${row.claimedBy}); the server may or may not have it, so it is not resent`;
    const [changed] = await OutboxMail.update(
      { status: 'failed', lastError: error },
      { where: { id: row.id, status: 'sending', claimedBy: row.claimedBy } },
    );
    if (changed === 1) {
      count++;
      await record(deps, row, worker, 'interrupted', error);
    }
  }
  return count;
}

/**
 * Delivers what is due, each tenant's mail the way its route says (one transport for all, or
 * routes per tenant). Safe to run in any number of workers at once: each row is claimed by
 * exactly one of them.
 */
export async function deliverDue(deps: Deps, transport: MailTransport | OutgoingRoutes, worker: string): Promise<DeliveryReport> {
  const { OutboxMail } = deps.db.models;
  const routes: OutgoingRoutes = 'sendMail' in transport ? { tenants: null, transportFor: () => transport } : transport;
  const report: DeliveryReport = { sent: 0, retrying: 0, failed: 0, interrupted: await failInterrupted(deps, worker) };
  // Mail of a tenant with no way out stays queued, untried, until it has one.
  if (routes.tenants !== null && routes.tenants.length === 0) return report;
  const routed = routes.tenants === null ? {} : { tenantId: routes.tenants };

  for (;;) {
    const due = await OutboxMail.findAll({
      where: { status: 'queued', nextAttemptAt: { [Op.lte]: deps.clock.now() }, ...routed },
      order: [['nextAttemptAt', 'ASC'], ['id', 'ASC']],
      limit: DELIVERY.batch,
    });
    if (due.length === 0) return report;

    let claimedAny = false;
    for (const row of due) {
      const [claimed] = await OutboxMail.update(
        { status: 'sending', claimedBy: worker, claimedAt: deps.clock.now(), attempts: row.attempts + 1 },
        { where: { id: row.id, status: 'queued', attempts: row.attempts } },
      );
      if (claimed !== 1) continue; // another worker has it
      claimedAny = true;
      const attempts = row.attempts + 1;
      let response: string | null;
      try {
        const info = await routes.transportFor(row.tenantId).sendMail({
          // A display name, so a mail client lists "DaTamer" rather than a bare address (RFC 5322 §3.4).
          from: `${SENDER_NAME} <${row.fromAddress}>`,
          to: row.toAddresses,
          subject: row.subject,
          text: row.text,
          ...(row.html ? { html: row.html } : {}),
          headers: row.headers,
          messageId: row.messageIdHeader,
        });
        response = info.response ?? null;
      } catch (err) {
        const error = messageOf(err);
        const final = isPermanent(err) || attempts >= DELIVERY.maxAttempts;
        const nextAttemptAt = new Date(deps.clock.now().getTime() + backoffMs(attempts));
        const outcome = await deps.db.transaction(async (transaction) => {
          const [stillOurs] = await OutboxMail.update(
            final ? { status: 'failed', lastError: error } : { status: 'queued', lastError: error, nextAttemptAt },
            { where: { id: row.id, status: 'sending', claimedBy: worker }, transaction },
          );
          // A send that outlasted the lease: another worker has already given the row up as
          // interrupted and told the operator it is not resent. Requeueing it would break that.
          const given: AttemptOutcome = final || stillOurs !== 1 ? 'failed' : 'retry';
          await record(deps, row, worker, given, error, transaction);
          return given;
        });
        if (outcome === 'failed') report.failed++;
        else report.retrying++;
        deps.log.warn({ outboxId: row.id, attempts, final: outcome === 'failed', err: error }, 'outbox: delivery failed');
        continue;
      }
      // The server has the mail now. Writing that down stays outside the try above: if it
      // fails, the row must not go back to the queue (that would send it twice); it stays in
      // `sending` and is later marked interrupted, like a worker that died here.
      await deps.db.transaction(async (transaction) => {
        await OutboxMail.update({ status: 'sent', sentAt: deps.clock.now(), lastError: null }, { where: { id: row.id }, transaction });
        await record(deps, row, worker, 'sent', response, transaction);
      });
      report.sent++;
    }
    // Everything due was taken by other workers: they will finish it.
    if (!claimedAny) return report;
  }
}

/** A tenant's outgoing mail, newest first, for `datamer outbox list`. */
export function listOutbox(deps: Deps, tenantId: number, options: { status?: OutboxMail['status'][]; limit?: number } = {}): Promise<OutboxMail[]> {
  return deps.db.models.OutboxMail.findAll({
    where: { tenantId, ...(options.status?.length ? { status: options.status } : {}) },
    order: [['id', 'DESC']],
    limit: options.limit ?? 100,
  });
}

/**
 * Queues a failed mail again, at once and with a fresh count of attempts: the admin's word that it
 * should go out (after fixing the address or the outgoing server). A mail marked failed because its
 * worker was interrupted may then reach its recipient twice: the admin decides (docs/cli.md).
 */
export async function retryOutbox(deps: Deps, tenantId: number, id: number): Promise<OutboxMail> {
  const { OutboxMail } = deps.db.models;
  const row = await OutboxMail.findOne({ where: { tenantId, id } });
  if (!row) throw new DatamerError('NOT_FOUND', `no outgoing mail ${id} (see: datamer outbox list)`);
  if (row.status !== 'failed') throw new DatamerError('CONFLICT', `outgoing mail ${id} is ${row.status}, not failed: ${row.status === 'sent' ? 'it went out already' : 'it is on its way'}`);
  // Only if it is still failed: a concurrent retry queues it once.
  const [changed] = await OutboxMail.update(
    { status: 'queued', attempts: 0, nextAttemptAt: deps.clock.now(), claimedBy: null, claimedAt: null },
    { where: { tenantId, id, status: 'failed' } },
  );
  if (changed !== 1) throw new DatamerError('CONFLICT', `outgoing mail ${id} changed meanwhile; look again with datamer outbox list`);
  return row.reload();
}
