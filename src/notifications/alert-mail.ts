// Sending what the notifier decided (docs/notifications.md). A user whose oldest pending notice
// is due (its group wait over) gets one mail listing every event they are to be told about, so a
// burst that opens 30 events for one person is one mail. In the same transaction the mail is
// queued in the outbox and its notices are marked with it, only if still unsent (a conditional
// update): a crash between rendering and the commit leaves the notices pending and they are
// sent once, next time; two processes never send the same notice twice. A hundred users are served
// per transaction, their notices and events read in one go (BENCHMARKS.md, Notifications).
//
// Before sending, what is no longer news is dropped: an event someone took or completed during
// the wait is not told to its responders. In a user's quiet hours only critical alerts go; the
// rest wait for the end of the quiet hours.
import { Op, type Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import { SEVERITY_RANK, type Severity } from '../classification/tags.js';
import { replyAddressFor } from '../people/command-tokens.js';
import { subjectTag } from '../reply-address.js';
import { senderAddressOf } from '../tenants/tenants.js';
import type { Event, Notice, User } from '../../models/index.js';
import { isQuiet, parseQuietHours, quietEnd } from '../people/local-time.js';
import { enqueueMail } from './outbox.js';
import { severityOf } from './routing.js';
import { renderMail } from './templates.js';

export interface SendReport {
  mails: number;
  notices: number;
  dropped: number;
  deferred: number;
}

const WORD: Record<string, string> = { critical: 'CRITICAL', warn: 'WARNING', info: 'INFO' };
const STATE: Record<Notice['reason'], string> = {
  opened: 'open', late: 'open (late)', raised: 'raised', repeat: 'still open', reopened: 'reopened', resolved: 'resolved', assigned: 'assigned',
};
const PER = { hour: 'an hour', day: '24 hours', month: '30 days' } as const;
const TITLE_LENGTH = 70;

const rank = (severity: string | null) => SEVERITY_RANK[severityOf(severity) as Severity] ?? 2;
// The sender's tags (docs/tags.md) say what the subject already says in words: left out of it.
const TAGS = /:(?:info|warn|critical):|:org:[^\s:]*:?|:svr:[^\s:]*:?|:sched-[^\s:]*:?/gi;
function short(title: string): string {
  const bare = title.replace(TAGS, ' ').replace(/\s+/g, ' ').trim() || title;
  return bare.length > TITLE_LENGTH ? `${bare.slice(0, TITLE_LENGTH - 1)}…` : bare;
}

/** Why a notice is no longer worth a mail, or null. */
function staleness(notice: Notice, event: Event | undefined): string | null {
  if (!event) return 'the event is gone';
  switch (notice.reason) {
    case 'resolved':
      return null;
    case 'assigned':
      return event.assigneeId === notice.userId ? null : 'assigned to someone else since';
    case 'reopened':
      if (event.status === 'completed') return 'completed since';
      return notice.actor !== null && event.assigneeId !== notice.userId ? 'assigned to someone else since' : null;
    default:
      if (event.status === 'completed') return 'completed since';
      return event.status === 'assigned' ? 'taken since' : null;
  }
}

/** What a schedule alert says beyond its title (was an inline text; now part of the template). */
function detailLines(event: Event, reason: Notice['reason']): string[] {
  if (reason === 'resolved') return ['Resolved: the count is back in range.'];
  // Told late (docs/notifications.md): DaTamer was stopped or catching up when it opened.
  const late = reason === 'late' ? [`Told late: it opened ${event.createdAt.toISOString()}, when DaTamer was not running or was catching up.`] : [];
  const d = event.detail as { stream?: string; expected?: { n: number; v: number; period: keyof typeof PER }; count?: number; lastSeenAt?: string } | null;
  if (!d?.stream || !d.expected) return late;
  return [
    ...late,
    `Stream: ${d.stream}`,
    `Expected: ${d.expected.n}${d.expected.v ? ` ± ${d.expected.v}` : ''} in ${PER[d.expected.period]}`,
    `Came: ${d.count ?? 0}`,
    ...(d.lastSeenAt ? [`Last seen: ${d.lastSeenAt}`] : []),
  ];
}

export interface SendOptions {
  /** a crash test's kill point: stop for good once a mail is queued, before the commit */
  holdBeforeCommit?: boolean;
}

/** Never ends: the process is to be killed here (DATAMER_TEST_HOLD, docs/operations.md). */
async function holdForKill(deps: Deps): Promise<never> {
  deps.log.warn('alert mail held before its commit (DATAMER_TEST_HOLD): kill the process now');
  process.stderr.write('datamer: alert mail held before its commit\n');
  for (;;) await new Promise((resolve) => setTimeout(resolve, 60_000));
}

/** Users served per transaction: their notices, events and message counts are read in one go. */
const CHUNK = 100;

/** Sends every user's due notices. */
export async function sendDueAlerts(deps: Deps, options: SendOptions = {}): Promise<SendReport> {
  const report: SendReport = { mails: 0, notices: 0, dropped: 0, deferred: 0 };
  const now = deps.clock.now();
  const dueNotices = await deps.db.models.Notice.findAll({
    attributes: ['tenantId', 'userId'],
    where: { outboxId: null, dropped: null, userId: { [Op.ne]: null }, dueAt: { [Op.lte]: now } },
    order: [['id', 'ASC']],
  });
  const byTenant = new Map<number, Set<number>>();
  for (const n of dueNotices) byTenant.set(n.tenantId, (byTenant.get(n.tenantId) ?? new Set()).add(n.userId!));
  for (const [tenantId, users] of byTenant) {
    const ids = [...users];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      // Another process sent some of these users' notices meanwhile: the chunk rolls back whole,
      // then each user is tried alone, so only what the other process sent is left out.
      if (!(await sendChunk(deps, tenantId, chunk, report, options)) && chunk.length > 1) {
        for (const userId of chunk) await sendChunk(deps, tenantId, [userId], report, options);
      }
    }
  }
  return report;
}

class Taken extends Error {}

/** One transaction for these users' mail; false when another process took some of it first. */
async function sendChunk(deps: Deps, tenantId: number, userIds: number[], report: SendReport, options: SendOptions): Promise<boolean> {
  const before = { ...report };
  try {
    await deps.db.transaction(async (transaction) => {
      const loaded = await load(deps, tenantId, userIds, transaction);
      for (const userId of userIds) await sendToUser(deps, loaded, userId, report, transaction);
      if (options.holdBeforeCommit && report.mails > before.mails) await holdForKill(deps);
    });
    return true;
  } catch (err) {
    Object.assign(report, before);
    if (!(err instanceof Taken)) throw err;
    return false;
  }
}

/** What the mail of a few users needs, read once for all of them. */
interface Loaded {
  users: Map<number, User>;
  pending: Map<number, Notice[]>;
  events: Map<number, Event>;
  /** messages per event */
  messages: Map<number, number>;
  from: string;
}

async function load(deps: Deps, tenantId: number, userIds: number[], transaction: Transaction): Promise<Loaded> {
  const { Notice, Event, EventMessage, User } = deps.db.models;
  const users = new Map((await User.findAll({ where: { tenantId, id: { [Op.in]: userIds } }, transaction })).map((u) => [u.id, u]));
  const pending = new Map<number, Notice[]>();
  for (const n of await Notice.findAll({ where: { tenantId, userId: { [Op.in]: userIds }, outboxId: null, dropped: null }, order: [['id', 'ASC']], transaction })) {
    pending.set(n.userId!, [...(pending.get(n.userId!) ?? []), n]);
  }
  const eventIds = [...new Set([...pending.values()].flat().map((n) => n.eventId))];
  const events = new Map(eventIds.length === 0 ? [] : (await Event.findAll({ where: { tenantId, id: { [Op.in]: eventIds } }, transaction })).map((e) => [e.id, e]));
  const messages = new Map<number, number>();
  if (eventIds.length > 0) {
    const counted = await EventMessage.count({ where: { tenantId, eventId: { [Op.in]: eventIds } }, group: ['eventId'], transaction });
    for (const row of counted as unknown as Array<{ eventId: number; count: number | string }>) messages.set(Number(row.eventId), Number(row.count));
  }
  return { users, pending, events, messages, from: await senderAddressOf(deps, tenantId, transaction) };
}

async function sendToUser(deps: Deps, loaded: Loaded, userId: number, report: SendReport, transaction: Transaction): Promise<void> {
  const { Notice } = deps.db.models;
  const now = deps.clock.now();
  const user = loaded.users.get(userId);
  const pending = loaded.pending.get(userId) ?? [];
  if (pending.length === 0) return;
  if (!user) {
    await Notice.update({ dropped: 'the user was removed' }, { where: { id: pending.map((n) => n.id), outboxId: null }, transaction });
    return;
  }
  const events = loaded.events;

  const send: Notice[] = [];
  const stale: Array<{ notice: Notice; why: string }> = [];
  const quiet = user.quietHours ? parseQuietHours(user.quietHours) : null;
  const quietNow = quiet !== null && isQuiet(now, user.timeZone, quiet);
  for (const notice of pending) {
    const why = staleness(notice, events.get(notice.eventId));
    if (why) {
      stale.push({ notice, why });
    } else if (quietNow && notice.reason !== 'assigned' && severityOf(events.get(notice.eventId)!.severity) !== 'critical') {
      // Quiet hours: only critical alerts now; the rest when they end (if still news then).
      const until = quietEnd(now, user.timeZone, quiet!);
      if (notice.dueAt < until) await Notice.update({ dueAt: until }, { where: { id: notice.id, outboxId: null }, transaction });
      report.deferred++;
    } else {
      send.push(notice);
    }
  }
  // No longer news: dropped with the reason, one statement per reason.
  for (const why of new Set(stale.map((x) => x.why))) {
    const notices = stale.filter((x) => x.why === why).map((x) => x.notice);
    await mark(deps, notices, { dropped: why }, transaction);
    report.dropped += notices.length;
  }
  if (send.length === 0) return;

  const from = loaded.from;
  // Assignments are personal: one mail each. Everything else goes in one mail, one line per event.
  for (const notice of send.filter((n) => n.reason === 'assigned')) {
    await queueAssignment(deps, user, events.get(notice.eventId)!, notice, from, transaction);
    report.mails++;
  }
  const alerts = latestPerEvent(send.filter((n) => n.reason !== 'assigned'));
  if (alerts.length > 0) {
    const items = alerts.map((n) => ({ notice: n, event: events.get(n.eventId)!, messages: loaded.messages.get(n.eventId) ?? 0 }));
    const outbox = await queueAlert(deps, user, items, from, transaction);
    await mark(deps, send.filter((n) => n.reason !== 'assigned'), { outboxId: outbox }, transaction);
    report.mails++;
  }
  report.notices += send.length;
}

/** Which of several pending notices about one event says it (opened, then raised in the wait: raised). */
const WEIGHT: Record<Notice['reason'], number> = { repeat: 1, late: 2, opened: 2, reopened: 3, raised: 4, resolved: 5, assigned: 0 };

function latestPerEvent(notices: Notice[]): Notice[] {
  const chosen = new Map<number, Notice>();
  for (const n of notices) {
    const had = chosen.get(n.eventId);
    if (!had || WEIGHT[n.reason] >= WEIGHT[had.reason]) chosen.set(n.eventId, n);
  }
  return [...chosen.values()];
}

async function mark(deps: Deps, notices: Notice[], change: { outboxId?: number; dropped?: string }, transaction: Transaction): Promise<void> {
  const [changed] = await deps.db.models.Notice.update(change, { where: { id: notices.map((n) => n.id), outboxId: null, dropped: null }, transaction });
  // Another process sent them meanwhile: this mail must not go too.
  if (changed !== notices.length) throw new Taken();
}

interface Item {
  notice: Notice;
  event: Event;
  messages: number;
}

async function queueAlert(deps: Deps, user: User, items: Item[], from: string, transaction: Transaction): Promise<number> {
  // The loudest first, then the oldest: the order the subject and the list are read in.
  items.sort((a, b) => rank(b.event.severity) - rank(a.event.severity) || a.event.id - b.event.id);
  const several = items.length > 1;
  const first = items[0]!;
  const listed = [];
  for (const { notice, event, messages } of items) {
    const replyAddress = await replyAddressFor(deps, from, user, event.id, transaction);
    listed.push({
      id: event.id, severity: WORD[severityOf(event.severity)] ?? 'WARNING', state: STATE[notice.reason], title: event.title, org: event.org,
      servers: event.servers, createdAt: event.createdAt.toISOString(), messages: messages > 1 ? messages : null,
      detail: detailLines(event, notice.reason), replyAddress, tagEncoded: encodeURIComponent(subjectTag(event.id)),
    });
  }
  const mail = renderMail('alert', {
    name: user.displayName,
    several,
    items: listed,
    // Subjects sort in a mail client: severity, state, a short title, and a count.
    severity: listed[0]!.severity,
    state: listed[0]!.state,
    title: short(first.event.title),
    count: several ? `and ${items.length - 1} more event${items.length === 2 ? '' : 's'}` : first.messages > 1 ? `${first.messages} messages` : null,
    tag: several ? '[DaTamer]' : subjectTag(first.event.id),
  });
  // A reply commands the event (docs/commands.md): one event, its address; several, each line has its own.
  const replyTo = await replyAddressFor(deps, from, user, several ? null : first.event.id, transaction);
  const row = await enqueueMail(
    deps,
    { tenantId: user.tenantId, kind: 'alert', from, to: [user.email], eventId: several ? null : first.event.id, headers: { 'Reply-To': replyTo }, ...mail },
    transaction,
  );
  return row.id;
}

async function queueAssignment(deps: Deps, assignee: User, event: Event, notice: Notice, from: string, transaction: Transaction): Promise<void> {
  const mail = renderMail('assignment', {
    event: event.get({ plain: true }),
    // Plain values only: templates never see model instances.
    assignee: { displayName: assignee.displayName, email: assignee.email },
    actor: notice.actor === 'datamer' || notice.actor === null ? 'DaTamer' : notice.actor,
    createdAt: event.createdAt.toISOString(),
    tag: subjectTag(event.id),
  });
  // A reply to the notice commands the event (DONE, UNASSIGN…): the reply address carries the
  // assignee's token and the event (src/reply-address.ts).
  const replyTo = await replyAddressFor(deps, from, assignee, event.id, transaction);
  const row = await enqueueMail(deps, { tenantId: event.tenantId, kind: 'assignment', from, to: [assignee.email], eventId: event.id, headers: { 'Reply-To': replyTo }, ...mail }, transaction);
  await mark(deps, [notice], { outboxId: row.id }, transaction);
}
