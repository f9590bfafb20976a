// DaTamer's own scheduled MSE: once every clock hour, per tenant with a self-address, an
// `:info: :org:datamer.self: :sched-perhour-1:` mail from the tenant's DaTamer address to its
// self-address, through the outbox and the real outgoing server. It comes back in like any
// MSE and is counted in the `org=datamer.self|…|per=hour` stream, so when ingest, the outbox or
// the outgoing server breaks, the hour passes without it and DaTamer's own schedule evaluation
// raises a missing-schedule alert. Nothing here decides that DaTamer is healthy; the stream does.
import { Op, UniqueConstraintError } from 'sequelize';
import type { Deps } from '../deps.js';
import type { OutboxMail, Tenant } from '../../models/index.js';
import { enqueueMail } from '../notifications/outbox.js';
import { smtpMailboxOf } from '../tenants/tenants.js';
import { compareAndSet, markName, readMark } from './marks.js';
import { SELF_HEADER, SELF_ORG } from './own-heartbeat.js';

const HOUR_MS = 60 * 60_000;

export const HEARTBEAT_KIND = 'self-heartbeat';
export { SELF_ORG };

/** Hours since the epoch: the heartbeat's idempotency key, the same in every process. */
export function hourOf(at: Date): number {
  return Math.floor(at.getTime() / HOUR_MS);
}

/** "2026-11-23 08.00 UTC": no colons, so nothing in it can look like a tag. */
function hourLabel(hour: number): string {
  const iso = new Date(hour * HOUR_MS).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 13)}.00 UTC`;
}

export interface SelfMailContext {
  /**
   * this host's fully qualified name, or null. Named in words only, never as a :svr: tag: the
   * heartbeat stream must be the same whichever DaTamer process sent this hour's heartbeat.
   */
  server: string | null;
}

export function heartbeatMail(tenant: Tenant, from: string, hour: number, ctx: SelfMailContext) {
  return {
    tenantId: tenant.id,
    kind: HEARTBEAT_KIND,
    from,
    to: [tenant.selfAddress!],
    subject: `:info: :org:${SELF_ORG}: :sched-perhour-1: DaTamer heartbeat for ${tenant.name}${ctx.server ? ` from ${ctx.server}` : ''}`,
    text: [
      `DaTamer heartbeat of tenant ${tenant.name} for the hour from ${hourLabel(hour)}.`,
      '',
      'DaTamer sends one of these every hour through its outgoing mail server to this address, and',
      'counts it when it comes back in. When one does not come, DaTamer raises a missing-schedule',
      'alert on this stream: its ingest or its outgoing mail is broken (see docs/operations.md).',
      '',
    ].join('\n'),
    headers: { [SELF_HEADER]: 'heartbeat' },
  };
}

export async function tenantsWatchingThemselves(deps: Deps): Promise<Tenant[]> {
  return deps.db.models.Tenant.findAll({ where: { selfAddress: { [Op.ne]: null } }, order: [['id', 'ASC']] });
}

/**
 * Queues this hour's heartbeat for every tenant with a self-address that has none yet. Safe to
 * call any number of times, from any number of processes: one heartbeat per tenant and hour.
 * Returns the mails this call queued.
 */
export async function queueHeartbeats(deps: Deps, ctx: SelfMailContext): Promise<OutboxMail[]> {
  const hour = hourOf(deps.clock.now());
  const queued: OutboxMail[] = [];
  for (const tenant of await tenantsWatchingThemselves(deps)) {
    const done = await readMark(deps, markName.heartbeat(tenant.id));
    if (done >= hour) continue;
    const mailbox = await smtpMailboxOf(deps, tenant.id);
    if (!mailbox) {
      deps.log.warn({ tenant: tenant.name }, 'self-watch: no heartbeat, the tenant has no DaTamer address to send it from');
      continue;
    }
    try {
      const mail = await deps.db.transaction(async (transaction) => {
        // The mark and the mail commit together: a crash leaves neither, a second process neither.
        if (!(await compareAndSet(deps, markName.heartbeat(tenant.id), done, hour, transaction))) return null;
        return enqueueMail(deps, heartbeatMail(tenant, mailbox.address, hour, ctx), transaction);
      });
      if (mail) {
        queued.push(mail);
        deps.log.info({ tenant: tenant.name, outboxId: mail.id, to: tenant.selfAddress }, 'self-watch: heartbeat queued');
      }
    } catch (err) {
      // Another process wrote the very first mark at the same moment: it queued the heartbeat.
      if (!(err instanceof UniqueConstraintError)) throw err;
    }
  }
  return queued;
}
