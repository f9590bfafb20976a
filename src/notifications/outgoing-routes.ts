// Which way DaTamer's own mail leaves, tenant by tenant (docs/mailbox.md, "DaTamer's own mail";
// docs/operations.md): through the tenant's shared mailbox when an admin chose it (`datamer
// mailbox send-through`), otherwise by the outgoing SMTP server (DATAMER_OUTGOING_SMTP_URL).
// A tenant with neither keeps its mail queued, visible in `datamer outbox list`, until it has one.
import nodemailer from 'nodemailer';
import type { Deps } from '../deps.js';
import { sendingMailboxes } from '../mailboxes/mailbox-store.js';
import { mailboxSender, type MailboxSender } from '../mailboxes/outgoing.js';
import { SENDER_NAME, type MailTransport, type OutgoingRoutes } from './outbox.js';

/** nodemailer builds the message exactly as it would for SMTP; the provider sends those bytes. */
const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });

/**
 * A transport that sends through a mailbox. The message goes out from the mailbox's own address:
 * the one address Microsoft 365 and Gmail let an app send as without further grants (Exchange's
 * Send As, Gmail's send-as aliases); replies still find DaTamer through the Reply-To.
 */
export function mailboxTransport(sender: MailboxSender): MailTransport {
  return {
    async sendMail(mail) {
      const built = await composer.sendMail({ ...mail, from: `${SENDER_NAME} <${sender.address}>` });
      await sender.send(built.message as Buffer);
      return { response: `sent through ${sender.mailbox}` };
    },
  };
}

export interface OpenRoutes extends OutgoingRoutes {
  close(): Promise<void>;
}

/** The routes for one delivery run; `close` ends the mailbox sessions it opened. */
export async function outgoingRoutes(deps: Deps, smtp: MailTransport | null, key: () => Buffer): Promise<OpenRoutes> {
  const mailboxes = await sendingMailboxes(deps);
  const senders = new Map<number, MailboxSender>();
  const transports = new Map<number, MailTransport>();
  for (const [tenantId, mailbox] of mailboxes) {
    try {
      const sender = mailboxSender(deps, mailbox, key);
      senders.set(tenantId, sender);
      transports.set(tenantId, mailboxTransport(sender));
    } catch (err) {
      // A mailbox that can no longer send (its kind changed): the tenant's mail takes SMTP.
      deps.log.warn({ mailbox: mailbox.address, err: (err as Error).message }, 'outbox: the mailbox chosen for sending cannot send');
    }
  }
  return {
    tenants: smtp ? null : [...transports.keys()],
    transportFor: (tenantId) => transports.get(tenantId) ?? smtp!,
    async close() {
      await Promise.all([...senders.values()].map((s) => s.close()));
    },
  };
}
