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
import { audienceOf, type MembershipFact } from '../people/audience.js';
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
/** Digests queued per transaction. */
const CHUNK = 100;

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
  // A hundred digests per transaction, their users read in one go (BENCHMARKS.md, Notifications).
  for (let i = 0; i < due.length; i += CHUNK) {
    const chunk = due.slice(i, i + CHUNK);
    // Read before the transaction, not on another connection while it is open.
    const views = new Map<number, TenantView>();
    for (const tenantId of new Set(chunk.map((d) => d.tenantId))) views.set(tenantId, await viewOf(tenantId));
    await deps.db.transaction(async (transaction) => {
      const users = await deps.db.models.User.findAll({ where: { id: { [Op.in]: chunk.map((d) => d.userId) } }, transaction });
      for (const digest of chunk) {
        // Never another tenant's user, whatever the id says.
        const user = users.find((u) => u.id === digest.userId && u.tenantId === digest.tenantId) ?? null;
        const view = views.get(digest.tenantId)!;
        const next = user?.digestHour != null ? nextLocal(now, user.timeZone, user.digestHour) : null;
        const [claimed] = next
          ? await deps.db.models.Digest.update({ nextAt: next, hour: user!.digestHour!, timeZone: user!.timeZone, lastSentAt: now }, { where: { id: digest.id, nextAt: digest.nextAt }, transaction })
          : [await deps.db.models.Digest.destroy({ where: { id: digest.id, nextAt: digest.nextAt }, transaction })];
        // Another process sent it, or the user wants none any more.
        if (claimed !== 1 || !user || !next) continue;
        if (await queueDigest(deps, user, view, options, transaction)) report.sent++;
        else report.empty++;
      }
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
  memberships: MembershipFact[];
  triageGroupId: number | null;
  handles: Map<number, string>;
  /** the events each user responds to and is interested in, worked out once for all users */
  byUser: Map<number, { responding: Event[]; interested: Event[] }>;
  /** the events nobody responds to: the triage group's */
  unanswered: Event[];
  /** the tenant's sender address */
  from: string;
}

async function tenantView(deps: Deps, tenantId: number): Promise<TenantView> {
  const { Event, Subscription, Membership, Group, User } = deps.db.models;
  const events = await Event.findAll({ where: { tenantId, status: { [Op.ne]: 'completed' } } });
  const subscriptions = await Subscription.findAll({ where: { tenantId } });
  const memberships = await Membership.findAll({ where: { tenantId } });
  const triage = await Group.findOne({ where: { tenantId, name: TRIAGE_GROUP } });
  const users = await User.findAll({ where: { tenantId }, attributes: ['id', 'handle'] });
  // Each event is put on the lists of its audience once, so a user's digest costs their own events, not the tenant's.
  const audiences = new Map<string, ReturnType<typeof audienceOf>>();
  const byUser = new Map<number, { responding: Event[]; interested: Event[] }>();
  const listsOf = (userId: number) => {
    let lists = byUser.get(userId);
    if (!lists) byUser.set(userId, (lists = { responding: [], interested: [] }));
    return lists;
  };
  const unanswered: Event[] = [];
  for (const event of events) {
    let audience = event.org === null ? null : audiences.get(event.org);
    if (event.org !== null && !audience) audiences.set(event.org, (audience = audienceOf(event.org, subscriptions, memberships)));
    const responders = new Set(audience?.responders ?? []);
    if (responders.size === 0) unanswered.push(event);
    for (const id of responders) listsOf(id).responding.push(event);
    for (const id of new Set(audience?.interested ?? [])) if (!responders.has(id)) listsOf(id).interested.push(event);
  }
  return {
    memberships, triageGroupId: triage?.id ?? null, handles: new Map(users.map((u) => [u.id, u.handle])),
    byUser, unanswered, from: await senderAddressOf(deps, tenantId),
  };
}

/** Renders and queues one user's digest; false when there is nothing to say. */
async function queueDigest(deps: Deps, user: User, view: TenantView, options: DigestOptions, transaction: Transaction): Promise<boolean> {
  const tenantId = user.tenantId;
  const { memberships, handles } = view;
  const inTriage = view.triageGroupId !== null && memberships.some((m) => m.groupId === view.triageGroupId && m.userId === user.id);
  const own = view.byUser.get(user.id) ?? { responding: [], interested: [] };
  // What nobody responds to is the triage group's.
  const responding = inTriage ? [...own.responding, ...view.unanswered] : own.responding;
  const unanswered = new Set(view.unanswered);
  const interested = inTriage ? own.interested.filter((e) => !unanswered.has(e)) : own.interested;
  if (responding.length + interested.length === 0) return false;

  const from = view.from;
  const line = async (e: Event): Promise<Line> => ({
    id: e.id, severity: WORD[severityOf(e.severity)] ?? 'WARNING', state: e.status, title: e.title, org: e.org ?? 'unclassified',
    assignee: e.assigneeId === null ? null : handles.get(e.assigneeId) ?? null, replyAddress: await replyAddressFor(deps, from, user, e.id, transaction),
  });
  const section = async (list: Event[]) => {
    const sorted = [...list].sort(digestOrder);
    // One line after the other: the first may make the user's token, in this transaction's one connection.
    const lines: Line[] = [];
    for (const e of sorted.slice(0, MAX_LINES)) lines.push(await line(e));
    return { lines, more: Math.max(0, sorted.length - MAX_LINES) };
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
