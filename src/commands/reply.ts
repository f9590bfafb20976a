// DaTamer's answer to a reply with commands: what was done and what was not (with the HELP
// text when something went wrong or was asked for), through the outbox like all its mail.
// Marked auto-replied (RFC 3834) and threaded under the engineer's reply; its own reply
// address carries the engineer's token again, so the conversation can go on.
import type { Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import { enqueueMail } from '../notifications/outbox.js';
import { renderMail } from '../notifications/templates.js';
import type { OutboxMail, User } from '../../models/index.js';
import type { CommandResult } from './apply.js';
import { HELP_TEXT } from './grammar.js';
import { subjectTag } from '../reply-address.js';
import { replyAddressFor } from '../people/command-tokens.js';
import { answersPerHourOf } from './answer-limit.js';

export interface CommandReply {
  tenantId: number;
  /** the tenant's DaTamer address: the reply comes from it */
  from: string;
  to: string;
  /** the user it goes to, when known: their reply address is added */
  user: User | null;
  inReplyTo: string | null;
  references: string[];
  subject: string | null;
  eventId: number | null;
  results: CommandResult[];
  /** the event's state after the commands, in words */
  state: string | null;
  /** for a reply that could not be taken at all (not allowed, no command) */
  problem: string | null;
  /** the last answer before DaTamer stops answering this address for a while: says until when */
  quietUntil?: Date | null;
}

// What clients put before a subject they answer or forward (Re, AW, SV, Antw, VS, RIF, Odp, Réf,
// Fw, Fwd, WG, TR; `Re[2]:` in some). Answering an answer must not grow the subject by one `Re:` a
// round: DaTamer's tags go wherever they stood, then every prefix in front.
const PREFIX = /^\s*(?:re|aw|sv|antw|vs|rif|odp|res|réf|ref|fw|fwd|wg|tr)\s*(?:\[\d+\])?\s*:\s*/i;

/** The subject of the mail being answered, without its reply prefixes and DaTamer tags. */
export function answeredSubject(subject: string): string {
  let s = subject.replace(/\[DaTamer #\d+\]/gi, ' ').trim();
  for (let before = ''; before !== s; ) {
    before = s;
    s = s.replace(PREFIX, '');
  }
  return s.replace(/\s+/g, ' ').trim();
}

export async function enqueueCommandReply(deps: Deps, reply: CommandReply, transaction?: Transaction): Promise<OutboxMail> {
  const results = reply.problem ? [{ line: '(your reply)', ok: false, message: reply.problem }, ...reply.results] : reply.results;
  const wantsHelp = results.some((r) => !r.ok) || results.some((r) => /^help\b/i.test(r.line));
  const mail = renderMail('command-reply', {
    name: reply.user?.displayName ?? reply.to,
    subject: answeredSubject(reply.subject ?? '') || 'your commands',
    tag: reply.eventId === null ? null : subjectTag(reply.eventId),
    results,
    state: reply.state,
    help: wantsHelp ? HELP_TEXT : null,
    quiet: reply.quietUntil
      ? `DaTamer has answered ${answersPerHourOf(deps)} replies of yours that applied nothing in the last hour and will not answer such replies again before ${reply.quietUntil.toISOString()}: this is how a loop with an automatic reply ends. Commands that apply are still applied and answered.`
      : null,
  });
  const headers: Record<string, string> = { 'Auto-Submitted': 'auto-replied' };
  if (reply.inReplyTo) {
    headers['In-Reply-To'] = reply.inReplyTo;
    headers.References = [...reply.references, reply.inReplyTo].join(' ');
  }
  if (reply.user) headers['Reply-To'] = await replyAddressFor(deps, reply.from, reply.user, reply.eventId, transaction);
  return enqueueMail(deps, { tenantId: reply.tenantId, kind: 'command-reply', from: reply.from, to: [reply.to], eventId: reply.eventId, headers, ...mail }, transaction);
}
