// What every commands-by-email test stands on: a fresh database, DaTamer's own SMTP listener
// (where replies arrive, as mail servers hand them over), an SMTP sink playing the operator's
// outgoing server (where DaTamer's answers end up), and the means to raise an event, assign it
// and write a reply the way a mail client does.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { loadConfig, type Config } from '../../../src/config.js';
import { replyAddress } from '../../../src/reply-address.js';
import { commandTokenOf } from '../../../src/people/command-tokens.js';
import { changeEvent } from '../../../src/events/change.js';
import { addRule } from '../../../src/classification/rule-store.js';
import { createSmtpListener, type SmtpListener } from '../../../src/mailboxes/smtp/listener.js';
import { deliverDue, type DeliveryReport, type MailTransport } from '../../../src/notifications/outbox.js';
import { projectRoot } from '../../../src/paths.js';
import { addUser } from '../../../src/people/people.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import type { Activity, CommandMail, Event, OutboxMail, User } from '../../../models/index.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { freePort } from '../../helpers/net.js';
import { notifyNow } from '../../helpers/notify.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';

export interface CommandWorld extends TestDb {
  /** the port of DaTamer's own SMTP listener */
  port: number;
  /** the operator's outgoing server: what DaTamer's mail looks like once sent */
  sink: SmtpSink;
  listener: SmtpListener;
  close(): Promise<void>;
}

/** `port`: where the listener must be (Postfix relays @relay.test to one fixed port); default a free one. */
/** `answersPerHour`: DATAMER_ANSWERS_PER_HOUR, as the listener and the rest of the world see it. */
export async function openCommandWorld(options: { port?: number; smtp?: Partial<Config['smtp']>; answersPerHour?: number } = {}): Promise<CommandWorld> {
  const opened = await openTestDb();
  const t: TestDb = options.answersPerHour === undefined ? opened : { ...opened, deps: { ...opened.deps, answersPerHour: options.answersPerHour } };
  const port = options.port ?? (await freePort());
  let listener: SmtpListener | null = null;
  let sink: SmtpSink | null = null;
  try {
    listener = createSmtpListener(t.deps, { ...loadConfig({}).smtp, host: '127.0.0.1', port, ...options.smtp });
    await listener.listen();
    sink = await startSmtpSink();
  } catch (err) {
    await listener?.close().catch(() => undefined);
    await opened.dispose();
    throw err;
  }
  const [l, s] = [listener, sink];
  return {
    ...t,
    port,
    sink: s,
    listener: l,
    close: async () => {
      await l.close();
      await s.close();
      await opened.dispose();
    },
  };
}

const unique = () => randomUUID().slice(0, 8);

export interface TestTenant {
  id: number;
  /** DaTamer's own address for it */
  address: string;
}

export async function addTestTenant(w: CommandWorld, name: string, address: string): Promise<TestTenant> {
  const { tenant, mailbox } = await addTenant(w.deps, { name, address });
  return { id: tenant.id, address: mailbox.address };
}

/**
 * Tests whose every raiseEvent() must open an event of its own, however alike their subjects:
 * a rule that opens a new event for each MSE, as a team would write it (docs/correlation.md).
 */
export async function eachMseItsOwnEvent(w: CommandWorld, tenantId: number): Promise<void> {
  await addRule(w.deps, tenantId, { name: 'each MSE its own event', conditions: [{ field: 'from', pattern: 'nagios@monitor\\.example\\.com' }], actions: { group: 'new' }, continue: true }, 'carol');
}

export async function addPerson(w: CommandWorld, tenantId: number, handle: string, email = `${handle}@acme.test`): Promise<User> {
  return addUser(w.deps, tenantId, { email, handle, displayName: handle[0]!.toUpperCase() + handle.slice(1) });
}

/** The user's command token, made if DaTamer has not needed one yet (as `datamer user token` does). */
export async function tokenOf(w: CommandWorld, tenantId: number, handle: string): Promise<string> {
  return commandTokenOf(w.deps, (await w.db.models.User.findOne({ where: { tenantId, handle } }))!);
}

/**
 * The address a reply of this user about this event goes to, as DaTamer writes it into the
 * Reply-To of everything it mails them (the token is made the first time it is needed).
 */
export async function replyAddressOf(w: CommandWorld, tenant: TestTenant, handle: string, eventId: number | null): Promise<string> {
  const user = (await w.db.models.User.findOne({ where: { tenantId: tenant.id, handle } }))!;
  return replyAddress(tenant.address, await commandTokenOf(w.deps, user), eventId);
}

/** Hands raw mail to an SMTP server (DaTamer's listener by default), as a mail server would. */
export async function sendRaw(port: number, raw: Buffer, envelope: { from: string; to: string[] }, localAddress?: string): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, ...(localAddress ? { localAddress } : {}) });
  try {
    const info = await transport.sendMail({ envelope, raw });
    return String(info.response);
  } finally {
    transport.close();
  }
}

export interface RaisedEvent {
  eventId: number;
  /** the Message-ID of the monitoring mail (the MSE) that made it */
  messageIdHeader: string;
}

/** A monitoring mail sent to the tenant's DaTamer address: stored, classified, an event opened. */
export async function raiseEvent(w: CommandWorld, tenant: TestTenant, subject: string, text = 'See the subject.'): Promise<RaisedEvent> {
  const messageIdHeader = `<mse-${unique()}@monitor.example.com>`;
  const raw = mailText({ from: 'nagios@monitor.example.com', to: tenant.address, subject, messageId: messageIdHeader, text });
  await sendRaw(w.port, raw, { from: 'nagios@monitor.example.com', to: [tenant.address] });
  const message = await w.db.models.Message.findOne({ where: { tenantId: tenant.id, messageIdHeader } });
  if (!message) throw new Error(`the monitoring mail ${messageIdHeader} was not stored as a message`);
  const link = await w.db.models.EventMessage.findOne({ where: { tenantId: tenant.id, messageId: message.id } });
  return { eventId: link!.eventId, messageIdHeader };
}

/** carol assigns the event from the command line: DaTamer queues the assignment notice. */
export async function assignByCli(w: CommandWorld, tenantId: number, eventId: number, handle: string): Promise<OutboxMail> {
  await changeEvent(w.deps, tenantId, eventId, { command: 'assign', handle, actor: 'carol', via: 'cli' });
  await notifyNow(w.deps);
  const notice = await w.db.models.OutboxMail.findOne({ where: { tenantId, eventId, kind: 'assignment' }, order: [['id', 'DESC']] });
  if (!notice) throw new Error(`no assignment notice for event #${eventId}`);
  return notice;
}

export interface MailSpec {
  from: string;
  to: string;
  subject: string;
  text?: string;
  html?: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string;
  /** more header lines, e.g. `Auto-Submitted: auto-replied` */
  headers?: string[];
}

/** A mail as a client writes it (CRLF line ends, one text or HTML part). */
export function mailText(spec: MailSpec): Buffer {
  const lines = [
    `From: ${spec.from}`,
    `To: ${spec.to}`,
    `Subject: ${spec.subject}`,
    `Message-ID: ${spec.messageId ?? `<reply-${unique()}@client.acme.test>`}`,
    'Date: Mon, 23 Nov 2026 09:00:00 +0000',
    ...(spec.inReplyTo ? [`In-Reply-To: ${spec.inReplyTo}`] : []),
    ...((spec.references ?? spec.inReplyTo) ? [`References: ${spec.references ?? spec.inReplyTo}`] : []),
    ...(spec.headers ?? []),
    'MIME-Version: 1.0',
    `Content-Type: ${spec.html !== undefined ? 'text/html' : 'text/plain'}; charset=utf-8`,
    'Content-Transfer-Encoding: 8bit',
    '',
    spec.html ?? spec.text ?? '',
    '',
  ];
  return Buffer.from(lines.join('\n').replace(/\r?\n/g, '\r\n'), 'utf8');
}

/** What a mail client quotes below the engineer's lines when they reply to `notice`. */
export function quoteOf(notice: Pick<OutboxMail, 'text' | 'fromAddress'>): string {
  return `On Mon, 23 Nov 2026 at 08:00, DaTamer <${notice.fromAddress}> wrote:\n\n${notice.text.split('\n').map((l) => `> ${l}`).join('\n')}`;
}

export interface ReplySpec {
  /** the user's address, as the From: of the reply */
  from: string;
  /** the commands, on the first lines */
  commands: string;
  messageId?: string;
  /** the To: (default: the notice's Reply-To) */
  to?: string;
  subject?: string;
  headers?: string[];
}

/** An engineer's reply to one of DaTamer's mails: to its Reply-To, answering its Message-ID, quoting it. */
export function replyTo(notice: OutboxMail, spec: ReplySpec): Buffer {
  return mailText({
    from: spec.from,
    to: spec.to ?? notice.headers['Reply-To']!,
    subject: spec.subject ?? `Re: ${notice.subject}`,
    inReplyTo: notice.messageIdHeader,
    text: `${spec.commands}\n\n${quoteOf(notice)}\n`,
    ...(spec.messageId ? { messageId: spec.messageId } : {}),
    ...(spec.headers ? { headers: spec.headers } : {}),
  });
}

/** The Message-ID a raw mail carries (what DaTamer threads its answer under). */
export function messageIdOf(raw: Buffer): string {
  const m = /^Message-ID:\s*(<[^>]+>)/im.exec(raw.toString('utf8'));
  if (!m) throw new Error('the mail has no Message-ID');
  return m[1]!;
}

/** Sends a reply to DaTamer's listener, the envelope recipient being the To: (a reply address or not). */
export async function sendReply(w: CommandWorld, raw: Buffer, envelopeFrom = 'bounces@acme.test', localAddress?: string): Promise<string> {
  const to = /^To:\s*(?:.*<)?([^<>\s]+@[^<>\s]+?)>?\s*$/im.exec(raw.toString('utf8'))![1]!;
  return sendRaw(w.port, raw, { from: envelopeFrom, to: [to] }, localAddress);
}

/** The reply as DaTamer stored it, with what came of it. */
export async function commandMailOf(w: CommandWorld, tenantId: number, messageIdHeader: string): Promise<CommandMail | null> {
  return w.db.models.CommandMail.findOne({ where: { tenantId, messageIdHeader } });
}

/** DaTamer's answers (in the outbox) to the mail with this Message-ID. */
export async function answersTo(w: CommandWorld, tenantId: number, messageIdHeader: string): Promise<OutboxMail[]> {
  const rows = await w.db.models.OutboxMail.findAll({ where: { tenantId, kind: 'command-reply' }, order: [['id', 'ASC']] });
  return rows.filter((r) => r.headers['In-Reply-To'] === messageIdHeader);
}

/** The one answer to a reply; fails when there is none or more than one. */
export async function answerTo(w: CommandWorld, tenantId: number, messageIdHeader: string): Promise<OutboxMail> {
  const answers = await answersTo(w, tenantId, messageIdHeader);
  if (answers.length !== 1) throw new Error(`expected one answer to ${messageIdHeader}, found ${answers.length}`);
  return answers[0]!;
}

export async function eventNow(w: CommandWorld, tenantId: number, eventId: number): Promise<Event> {
  return (await w.db.models.Event.findOne({ where: { tenantId, id: eventId } }))!;
}

export async function handleOf(w: CommandWorld, userId: number | null): Promise<string | null> {
  return userId === null ? null : (await w.db.models.User.findByPk(userId))!.handle;
}

export async function activitiesOf(w: CommandWorld, tenantId: number, eventId: number): Promise<Activity[]> {
  return w.db.models.Activity.findAll({ where: { tenantId, eventId }, order: [['id', 'ASC']] });
}

/** nodemailer to the sink, as DaTamer's delivery job uses it. */
export function sinkTransport(w: CommandWorld): MailTransport & { close(): void } {
  return nodemailer.createTransport({ host: '127.0.0.1', port: w.sink.port, secure: false, ignoreTLS: true });
}

/** One run of outbox delivery to the sink. */
export async function deliverOutbox(w: CommandWorld): Promise<DeliveryReport> {
  const transport = sinkTransport(w);
  try {
    return await deliverDue(w.deps, transport, 'commands-test');
  } finally {
    transport.close();
  }
}

/**
 * A reply of fixtures/replies (real clients' shapes), pointed at this test's user and mail: its
 * From and To addresses, In-Reply-To, References and Message-ID rewritten, nothing else.
 */
export function fixtureReply(name: string, change: { from: string; to: string; inReplyTo: string; messageId: string; subject?: string }): Buffer {
  const text = readFileSync(path.join(projectRoot, 'fixtures', 'replies', `${name}.eml`), 'latin1').replace(/\r?\n/g, '\r\n');
  const end = text.indexOf('\r\n\r\n');
  let head = text.slice(0, end);
  const body = text.slice(end);
  const set = (header: string, value: (old: string) => string) => {
    const re = new RegExp(`^(${header}):[ \\t]*(.*)$`, 'im');
    if (!re.test(head)) throw new Error(`${name}.eml has no ${header} header`);
    head = head.replace(re, (_all, h: string, old: string) => `${h}: ${value(old)}`);
  };
  const address = (a: string) => (old: string) => (/<[^>]*>/.test(old) ? old.replace(/<[^>]*>/, `<${a}>`) : a);
  set('From', address(change.from));
  set('To', address(change.to));
  set('In-Reply-To', () => change.inReplyTo);
  set('References', () => change.inReplyTo);
  set('Message-ID', () => change.messageId);
  if (change.subject) set('Subject', () => change.subject!);
  return Buffer.from(head + body, 'latin1');
}

export const freshId = (label: string) => `<${label}-${unique()}@client.acme.test>`;
