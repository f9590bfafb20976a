// The daily digest (docs/notifications.md): per user, at their local hour (default 08:00 in their
// time zone), the open events they respond to, then those they are merely interested in;
// critical first, unassigned before assigned; counts by severity at the top; each line with its
// reply address; the schedule alerts still open. Nothing is sent when there is nothing to say.
//
// Once a day, exactly: each user's next digest instant is a row (digests), moved on to the next
// local hour by the run that sends, in the same transaction as the outbox row and only if it is
// still the instant that run read. Across a daylight-saving change the next local 08:00 is worked
// out in the user's zone (src/people/local-time.ts), so it is neither skipped nor doubled.
import { Op, UniqueConstraintError, type Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import { compareAndSet } from '../job-cursors.js';
import { SEVERITY_RANK, type Severity } from '../classification/tags.js';
import { audienceOf, type MembershipFact, type SubscriptionFact } from '../people/audience.js';
import { replyAddressFor } from '../people/command-tokens.js';
import { nextLocal } from '../people/local-time.js';
import { TRIAGE_GROUP } from '../people/people.js';
import { senderAddressOf } from '../tenants/tenants.js';
import type { Event, User } from '../../models/index.js';
import { enqueueMail } from './outbox.js';
import { severityOf } from './routing.js';
import { renderMail } from './templates.js';
import { unsubscribeToken } from './unsubscribe-link.js';

/** The mark the digest run leaves (minutes since the epoch): the self-watch notices when it stops. */
export const DIGEST_RUN_MARK = 'digest:last-run';
/** At most this many lines per section; the rest is counted. */
const MAX_LINES = 100;

export interface DigestOptions {
  /** signs the one-click unsubscribe link (unsubscribe-link.ts) */
  linkKey: Buffer;
  /** where the web site is reached, e.g. https://datamer.example */
  publicUrl: string;
}

export interface DigestReport {
  sent: number;
  /** due, but nothing to say */
  empty: number;
}

const WORD: Record<string, string> = { critical: 'CRITICAL', warn: 'WARNING', info: 'INFO' };
const rank = (severity: string | null) => SEVERITY_RANK[severityOf(severity) as Severity] ?? 2;

/** Critical first, unassigned before assigned, oldest first. */
export function digestOrder(a: Pick<Event, 'severity' | 'status' | 'createdAt' | 'id'>, b: Pick<Event, 'severity' | 'status' | 'createdAt' | 'id'>): number {
  return rank(b.severity) - rank(a.severity) || Number(a.status === 'assigned') - Number(b.status === 'assigned') || a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id;
}

/** Sends the digests that are due; safe in several processes at once. */
export async function sendDueDigests(deps: Deps, options: DigestOptions): Promise<DigestReport> {
  const report: DigestReport = { sent: 0, empty: 0 };
  const now = deps.clock.now();
  await scheduleDigests(deps, now);
  const due = await deps.db.models.Digest.findAll({ where: { nextAt: { [Op.lte]: now } }, order: [['nextAt', 'ASC']] });
  // A tenant's open events and subscriptions are read once per run, not once per user.
  const tenants = new Map<number, Promise<TenantView>>();
  const viewOf = (tenantId: number) => {
    let view = tenants.get(tenantId);
    if (!view) tenants.set(tenantId, (view = tenantView(deps, tenantId)));
    return view;
  };
  for (const digest of due) {
    const view = await viewOf(digest.tenantId);
    await deps.db.transaction(async (transaction) => {
      const user = await deps.db.models.User.findOne({ where: { tenantId: digest.tenantId, id: digest.userId }, transaction });
      const next = user?.digestHour != null ? nextLocal(now, user.timeZone, user.digestHour) : null;
      const [claimed] = next
        ? await deps.db.models.Digest.update({ nextAt: next, hour: user!.digestHour!, timeZone: user!.timeZone, lastSentAt: now }, { where: { id: digest.id, nextAt: digest.nextAt }, transaction })
        : [await deps.db.models.Digest.destroy({ where: { id: digest.id, nextAt: digest.nextAt }, transaction })];
      // Another process sent it, or the user wants none any more.
      if (claimed !== 1 || !user || !next) return;
      if (await queueDigest(deps, user, view, options, transaction)) report.sent++;
      else report.empty++;
    });
  }
  // The self-watch reads this: a digest job that stops running is reported (docs/operations.md).
  await deps.db.transaction(async (transaction) => {
    const minute = Math.floor(now.getTime() / 60_000);
    const mark = await deps.db.models.JobCursor.findByPk(DIGEST_RUN_MARK, { transaction });
    if (!mark || mark.position < minute) await compareAndSet(deps, DIGEST_RUN_MARK, mark?.position ?? 0, minute, transaction);
  });
  return report;
}

/** Users with a digest get their next instant; a change of hour or zone moves it. */
async function scheduleDigests(deps: Deps, now: Date): Promise<void> {
  const { User, Digest } = deps.db.models;
  const users = await User.findAll({ where: { digestHour: { [Op.ne]: null } }, attributes: ['id', 'tenantId', 'digestHour', 'timeZone'] });
  const rows = new Map((await Digest.findAll()).map((d) => [`${d.tenantId}:${d.userId}`, d]));
  for (const user of users) {
    const row = rows.get(`${user.tenantId}:${user.id}`);
    if (row && row.hour === user.digestHour && row.timeZone === user.timeZone) continue;
    const nextAt = nextLocal(now, user.timeZone, user.digestHour!);
    if (row) await Digest.update({ nextAt, hour: user.digestHour!, timeZone: user.timeZone }, { where: { id: row.id, nextAt: row.nextAt } });
    else {
      try {
        await Digest.create({ tenantId: user.tenantId, userId: user.id, nextAt, hour: user.digestHour!, timeZone: user.timeZone });
      } catch (err) {
        if (!(err instanceof UniqueConstraintError)) throw err; // another process scheduled it first
      }
    }
  }
}

interface Line {
  id: number;
  severity: string;
  state: string;
  title: string;
  org: string;
  assignee: string | null;
  replyAddress: string;
}

interface TenantView {
  events: Event[];
  subscriptions: SubscriptionFact[];
  memberships: MembershipFact[];
  triageGroupId: number | null;
  handles: Map<number, string>;
  /** who responds to and who is interested in each org, worked out once */
  audiences: Map<string, ReturnType<typeof audienceOf>>;
}

async function tenantView(deps: Deps, tenantId: number): Promise<TenantView> {
  const { Event, Subscription, Membership, Group, User } = deps.db.models;
  const [events, subscriptions, memberships, triage, users] = await Promise.all([
    Event.findAll({ where: { tenantId, status: { [Op.ne]: 'completed' } } }),
    Subscription.findAll({ where: { tenantId } }),
    Membership.findAll({ where: { tenantId } }),
    Group.findOne({ where: { tenantId, name: TRIAGE_GROUP } }),
    User.findAll({ where: { tenantId }, attributes: ['id', 'handle'] }),
  ]);
  return { events, subscriptions, memberships, triageGroupId: triage?.id ?? null, handles: new Map(users.map((u) => [u.id, u.handle])), audiences: new Map() };
}

/** Renders and queues one user's digest; false when there is nothing to say. */
async function queueDigest(deps: Deps, user: User, view: TenantView, options: DigestOptions, transaction: Transaction): Promise<boolean> {
  const tenantId = user.tenantId;
  const { events, subscriptions, memberships, handles } = view;
  const triage = view.triageGroupId === null ? null : { id: view.triageGroupId };
  const inTriage = triage !== null && memberships.some((m) => m.groupId === triage.id && m.userId === user.id);
  const responding: Event[] = [];
  const interested: Event[] = [];
  const byOrg = view.audiences;
  for (const event of events) {
    let audience = event.org === null ? null : byOrg.get(event.org);
    if (event.org !== null && !audience) byOrg.set(event.org, (audience = audienceOf(event.org, subscriptions, memberships)));
    const responders = audience?.responders ?? [];
    // What nobody responds to is the triage group's.
    if (responders.includes(user.id) || (responders.length === 0 && inTriage)) responding.push(event);
    else if (audience?.interested.includes(user.id)) interested.push(event);
  }
  if (responding.length + interested.length === 0) return false;

  const from = await senderAddressOf(deps, tenantId, transaction);
  const line = async (e: Event): Promise<Line> => ({
    id: e.id, severity: WORD[severityOf(e.severity)] ?? 'WARNING', state: e.status, title: e.title, org: e.org ?? 'unclassified',
    assignee: e.assigneeId === null ? null : handles.get(e.assigneeId) ?? null, replyAddress: await replyAddressFor(deps, from, user, e.id, transaction),
  });
  const section = async (list: Event[]) => {
    const sorted = [...list].sort(digestOrder);
    return { lines: await Promise.all(sorted.slice(0, MAX_LINES).map(line)), more: Math.max(0, sorted.length - MAX_LINES) };
  };
  const all = [...responding, ...interested];
  const counts = (['critical', 'warn', 'info'] as const).map((s) => ({ severity: WORD[s], count: all.filter((e) => severityOf(e.severity) === s).length })).filter((c) => c.count > 0);
  const scheduleAlerts = all.filter((e) => e.kind !== 'message').sort(digestOrder);
  const link = `${options.publicUrl.replace(/\/$/, '')}/digest/unsubscribe?token=${unsubscribeToken(options.linkKey, tenantId, user.id)}`;
  const mail = renderMail('digest', {
    name: user.displayName,
    total: all.length,
    eventsWord: all.length === 1 ? 'event' : 'events',
    counts,
    responding: await section(responding),
    interested: await section(interested),
    scheduleAlerts: scheduleAlerts.map((e) => ({ id: e.id, title: e.title, state: e.status })),
    unsubscribe: link,
  });
  await enqueueMail(
    deps,
    {
      tenantId, kind: 'digest', from, to: [user.email], ...mail,
      // RFC 8058: a mail client may offer "unsubscribe", and POSTs List-Unsubscribe=One-Click to the link.
      headers: { 'List-Unsubscribe': `<${link}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'Reply-To': await replyAddressFor(deps, from, user, null, transaction) },
    },
    transaction,
  );
  return true;
}
