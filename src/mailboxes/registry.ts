// The mailbox providers DaTamer knows, by kind. The watcher, the workspace and the CLI reach a
// provider only through this registry, so a new provider is a folder shaped like imap/ (its
// settings, its session, its errors, its tests) and one line below.
import type { Logger } from '../log.js';
import { DatamerError } from '../errors.js';
import type { MailboxKind } from '../../models/index.js';
import { gmailProvider } from './gmail/provider.js';
import { graphProvider } from './graph/provider.js';
import { imapProvider } from './imap/provider.js';
import type { MailboxSession } from './provider.js';

export type ProviderKind = Exclude<MailboxKind, 'smtp'>;

/** A provider's settings as stored in `mailboxes.settings` (never a secret). */
export type ProviderSettings = Record<string, unknown>;

/** One option of `datamer mailbox add` (commander's flags syntax). */
export interface AddOption {
  flags: string;
  description: string;
  /** not shown in --help (a test server's address) */
  hidden?: boolean;
}

/** What `datamer mailbox add` made of the admin's options for this kind. */
export interface NewProviderMailbox {
  settings: ProviderSettings;
  /** the credential, stored encrypted (secrets.ts) */
  secret: string;
}

/** One line of `datamer mailbox test`: something that works, or what is missing. */
export interface CheckLine {
  ok: boolean;
  text: string;
}

export interface Provider {
  readonly kind: ProviderKind;
  /** the option of `datamer mailbox add` that picks this kind, then its own options */
  readonly addOptions: readonly AddOption[];
  /** the settings and secret from the options, or null when they do not pick this kind */
  fromOptions(options: Record<string, unknown>, readFile: (file: string, what: string) => Promise<string>): Promise<NewProviderMailbox | null>;
  /** the mailbox as the admin reads it in lists and logs, never with a secret */
  describe(settings: ProviderSettings): string;
  /** who the mailbox is, however it was written: two mailboxes with one account are one (two watchers would file the same mail twice) */
  account(settings: ProviderSettings): string;
  /** the folder DaTamer takes new mail from, and the root its folders go under */
  workspaceOf(settings: ProviderSettings): { inbox: string; root: string };
  open(settings: ProviderSettings, secret: string, log: Logger): Promise<MailboxSession>;
  /**
   * The address the provider's own send goes out as (its session's `send`), or null when the
   * provider cannot send: DaTamer's mail then goes out by SMTP.
   */
  sendsAs(settings: ProviderSettings): string | null;
  /** what works and what is missing, in the words of the admin's console */
  check(settings: ProviderSettings, secret: string, log: Logger): Promise<CheckLine[]>;
}

const PROVIDERS: readonly Provider[] = [imapProvider, graphProvider, gmailProvider];

export const providers = (): readonly Provider[] => PROVIDERS;

export function providerOf(kind: string): Provider {
  const provider = PROVIDERS.find((p) => p.kind === kind);
  if (!provider) throw new DatamerError('INPUT_INVALID', `no mailbox provider "${kind}" (known: ${PROVIDERS.map((p) => p.kind).join(', ')})`);
  return provider;
}

export const isProviderKind = (kind: string): kind is ProviderKind => PROVIDERS.some((p) => p.kind === kind);
