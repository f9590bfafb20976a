// Mail that reached DaTamer, at its own address or in a watched inbox: an engineer's reply
// with commands goes to src/commands; everything else is an MSE and goes down the pipeline.
//
// Most mail is monitoring mail, so the cheap question comes first: only mail that answers
// something, names an event or is sent to a reply address is parsed here to look closer.
import { handleCommandMail, recipientsOf } from './commands/handle.js';
import { parseCommands } from './commands/grammar.js';
import { replyLines } from './commands/reply-lines.js';
import { answeredIds } from './commands/target.js';
import { parseReplyAddress, subjectEvent, subjectToken } from './reply-address.js';
import type { Deps } from './deps.js';
import type { ParsedMessage } from './ingest/parse.js';
import { parseOffThread } from './ingest/parse-pool.js';
import { receive, type Arrival, type Incoming, type Received } from './pipeline.js';
import { loadArrival, type SpooledArrival } from './ingest/store.js';
import { normalizeAddress, ownAddressesOf } from './tenants/tenants.js';

export type Taken = { kind: 'message'; received: Received } | { kind: 'command'; commandMailId: number; duplicate: boolean };

/** What is looked at of a message's start; a spooled message's `head` holds at least this much of it. */
export const HEAD_LIMIT = 64 * 1024;
const ANSWERS = /^(in-reply-to|references)\s*:/im;
const NAMES_EVENT = /^subject\s*:.*\[DaTamer #\d+\]/im;
// A user's token written into the subject (`key:<token>`): a new mail, not a reply, may command too.
const CARRIES_KEY = /^subject\s*:.*\bkey:[a-z2-7]{20}\b/im;

/** Pure and cheap: could this be a reply to DaTamer at all? */
export function mightBeCommand(arrival: Pick<Arrival, 'raw' | 'envelopeTo'> | Pick<SpooledArrival, 'raw' | 'head' | 'envelopeTo'>): boolean {
  if ((arrival.envelopeTo ?? []).some((to) => parseReplyAddress(to) !== null)) return true;
  const head = (arrival.raw ?? arrival.head).subarray(0, HEAD_LIMIT).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const headers = end === -1 ? head : head.slice(0, end);
  return ANSWERS.test(headers) || NAMES_EVENT.test(headers) || CARRIES_KEY.test(headers) || /\+k[a-z2-7]{20}/i.test(headers);
}

async function isCommandMail(deps: Deps, arrival: Arrival, parsed: ParsedMessage): Promise<boolean> {
  // Sent to a reply address of this tenant's DaTamer: a reply to DaTamer, whatever it says.
  const bases = new Set(await ownAddressesOf(deps, arrival.tenantId));
  if (recipientsOf(arrival, parsed).some((r) => bases.has(parseReplyAddress(r)?.base ?? ''))) return true;
  // Otherwise: a user of the tenant answering a mail (or naming an event, or writing their key in
  // the subject), whose first line is (nearly) a command.
  const aboutSomething = answeredIds(parsed).length > 0 || subjectEvent(parsed.subject) !== null || subjectToken(parsed.subject) !== null;
  if (!parsed.fromAddress || !aboutSomething) return false;
  const user = await deps.db.models.User.findOne({ where: { tenantId: arrival.tenantId, email: normalizeAddress(parsed.fromAddress) }, attributes: ['id'] });
  // A stranger answering DaTamer's own mail: not monitoring mail, whatever tags it quotes; taken
  // as a reply, which src/commands refuses without an answer (no backscatter).
  if (!user) return answersDatamer(deps, arrival.tenantId, parsed);
  const first = parseCommands(await replyLines(parsed))[0];
  return first !== undefined && (first.ok || !first.error.startsWith('no command found'));
}

/** A subject that says it answers something, in the common clients' languages (Re, AW, SV, Antw, VS, R, RIF, Odp, Res). */
const REPLY_SUBJECT = /^\s*(re|aw|sv|antw|vs|r|rif|odp|res)\s*(\[\d+\])?\s*:/i;

/**
 * Does it answer DaTamer: name one of its events or carry a `key:` in the subject, answer a mail
 * DaTamer sent, or answer (with a reply's subject) a monitoring mail DaTamer stored? A tool that
 * threads its recovery under its problem mail writes no `Re:`, and stays monitoring mail.
 */
async function answersDatamer(deps: Deps, tenantId: number, parsed: ParsedMessage): Promise<boolean> {
  if (subjectEvent(parsed.subject) !== null || subjectToken(parsed.subject) !== null) return true;
  const ids = answeredIds(parsed);
  if (ids.length === 0) return false;
  if ((await deps.db.models.OutboxMail.count({ where: { tenantId, messageIdHeader: ids } })) > 0) return true;
  return REPLY_SUBJECT.test(parsed.subject ?? '') && (await deps.db.models.Message.count({ where: { tenantId, messageIdHeader: ids } })) > 0;
}

export async function intake(deps: Deps, arrivals: Incoming[]): Promise<Taken[]> {
  const taken: Array<Taken | null> = arrivals.map(() => null);
  const messages: Array<{ i: number; arrival: Incoming }> = [];
  for (const [i, incoming] of arrivals.entries()) {
    if (!mightBeCommand(incoming)) {
      messages.push({ i, arrival: incoming });
      continue;
    }
    // A reply is read whole (one large enough to be spooled too): commands are few, and short.
    const arrival = await loadArrival(incoming);
    const parsed = await parseOffThread(arrival.raw);
    if (await isCommandMail(deps, arrival, parsed)) taken[i] = { kind: 'command', ...(await handleCommandMail(deps, arrival, parsed)) };
    // Not a reply after all: an MSE, parsed once.
    else messages.push({ i, arrival: { ...arrival, parsed } });
  }
  if (messages.length > 0) {
    const received = await receive(deps, messages.map((m) => m.arrival));
    messages.forEach(({ i }, n) => (taken[i] = { kind: 'message', received: received[n]! }));
  }
  return taken as Taken[];
}
