// DaTamer's own mail sent through a tenant's shared mailbox (docs/mailbox.md, "DaTamer's own
// mail"): for a team whose mailbox is in Microsoft 365 or Gmail and who has no SMTP server for
// DaTamer, the provider's own send (Graph sendMail, Gmail messages.send) as that mailbox. The
// session is opened at the first send and kept for the rest of a delivery run; its errors are
// the provider's translated ones, with their `permanent` flag.
import type { Deps } from '../deps.js';
import { DatamerError } from '../errors.js';
import type { Mailbox } from '../../models/index.js';
import { providerFor, secretOf } from './mailbox-store.js';
import type { MailboxSession } from './provider.js';

export interface MailboxSender {
  /** the address the provider sends as: the mailbox's own */
  readonly address: string;
  /** the mailbox, as lists and logs name it */
  readonly mailbox: string;
  send(raw: Buffer): Promise<void>;
  close(): Promise<void>;
}

export function mailboxSender(deps: Deps, mailbox: Mailbox, key: () => Buffer): MailboxSender {
  const provider = providerFor(mailbox);
  const address = provider.sendsAs(mailbox.settings);
  if (address === null) {
    throw new DatamerError('INPUT_INVALID', `${mailbox.address}: ${provider.kind} has no way to send mail; DaTamer's mail for it goes out by SMTP (DATAMER_OUTGOING_SMTP_URL)`);
  }
  let session: Promise<MailboxSession> | null = null;
  const open = () => (session ??= provider.open(mailbox.settings, secretOf(mailbox, key()), deps.log).catch((err: unknown) => {
    // The next send opens it again (the provider may be back, the credential renewed).
    session = null;
    throw err;
  }));
  return {
    address,
    mailbox: mailbox.address,
    async send(raw) {
      await (await open()).send!(raw);
    },
    async close() {
      const opened = session;
      session = null;
      if (opened) await opened.then((s) => s.close()).catch(() => undefined);
    },
  };
}
