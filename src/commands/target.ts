// Which event a reply is about: the reply address or subject DaTamer wrote, else the mail it
// answers (In-Reply-To, References): one of DaTamer's own mails or a stored MSE. Only this
// tenant's are looked at, so a reply can never reach another tenant's event.
import { Op } from 'sequelize';
import type { Deps } from '../deps.js';
import { eventIdOfMessage } from '../events/events.js';
import type { ParsedMessage } from '../ingest/parse.js';
import { parseReplyAddress, subjectEvent } from '../reply-address.js';

const MESSAGE_IDS = /<[^<>\s]+>/g;

/** The Message-IDs a reply answers, the one it answers directly first. */
export function answeredIds(parsed: Pick<ParsedMessage, 'headers'>): string[] {
  const direct = (parsed.headers.get('in-reply-to') ?? []).join(' ').match(MESSAGE_IDS) ?? [];
  const chain = ((parsed.headers.get('references') ?? []).join(' ').match(MESSAGE_IDS) ?? []).reverse();
  return [...new Set([...direct, ...chain])].slice(0, 50);
}

export async function findTargetEvent(deps: Deps, tenantId: number, parsed: ParsedMessage, recipients: string[]): Promise<number | null> {
  const named = recipients.map((r) => parseReplyAddress(r)?.eventId ?? null).find((id) => id !== null) ?? subjectEvent(parsed.subject);
  if (named !== null && named !== undefined) {
    const event = await deps.db.models.Event.findOne({ where: { tenantId, id: named }, attributes: ['id'] });
    return event ? event.id : null;
  }
  const ids = answeredIds(parsed);
  if (ids.length === 0) return null;
  const sent = await deps.db.models.OutboxMail.findAll({ where: { tenantId, messageIdHeader: { [Op.in]: ids }, eventId: { [Op.ne]: null } }, attributes: ['messageIdHeader', 'eventId'] });
  const stored = await deps.db.models.Message.findAll({ where: { tenantId, messageIdHeader: { [Op.in]: ids } }, attributes: ['id', 'messageIdHeader'] });
  for (const id of ids) {
    const mail = sent.find((s) => s.messageIdHeader === id);
    if (mail) return mail.eventId;
    const message = stored.find((m) => m.messageIdHeader === id);
    if (message) return eventIdOfMessage(deps, tenantId, message.id);
  }
  return null;
}

/**
 * The stored monitoring mail a reply answers, when it answers one rather than a mail of
 * DaTamer's (an engineer replying to an MSE in the shared mailbox): what SPLIT takes out.
 */
export async function answeredMessage(deps: Deps, tenantId: number, parsed: ParsedMessage): Promise<number | null> {
  const ids = answeredIds(parsed);
  if (ids.length === 0) return null;
  const sent = await deps.db.models.OutboxMail.findAll({ where: { tenantId, messageIdHeader: { [Op.in]: ids } }, attributes: ['messageIdHeader'] });
  const stored = await deps.db.models.Message.findAll({ where: { tenantId, messageIdHeader: { [Op.in]: ids } }, attributes: ['id', 'messageIdHeader'] });
  for (const id of ids) {
    if (sent.some((s) => s.messageIdHeader === id)) return null;
    const message = stored.find((m) => m.messageIdHeader === id);
    if (message) return message.id;
  }
  return null;
}
