// IMAP in the registry of providers (../registry.ts): `datamer mailbox add --imap <url>
// --password-file <file>`, the account an address names, and the session.
import { DatamerError, messageOf } from '../../errors.js';
import type { CheckLine, NewProviderMailbox, Provider, ProviderSettings } from '../registry.js';
import { openImapSession } from './session.js';
import { describeImap, imapAccount, parseImapUrl, type ImapSettings } from './url.js';

const imapSettings = (settings: ProviderSettings) => settings as unknown as ImapSettings;

/** An IMAP mailbox from its address and password, as `datamer mailbox add --imap` makes it. */
export function imapMailbox(url: string, password: string, root?: string): NewProviderMailbox {
  if (!password) throw new DatamerError('INPUT_INVALID', 'the password file is empty');
  const parsed = parseImapUrl(url);
  const settings: ImapSettings = root ? { ...parsed, root } : parsed;
  return { settings: { ...settings }, secret: password };
}

export const imapProvider: Provider = {
  kind: 'imap',
  addOptions: [
    { flags: '--imap <url>', description: 'an IMAP mailbox: imaps://user@host[:port][/folder] (see docs/mailbox.md for the options)' },
    { flags: '--password-file <file>', description: 'IMAP: a file holding the password (never on the command line)' },
  ],
  async fromOptions(options, read) {
    if (typeof options.imap !== 'string') return null;
    if (typeof options.passwordFile !== 'string') throw new DatamerError('INPUT_INVALID', '--imap needs --password-file <file>: a file holding the password');
    return imapMailbox(options.imap, await read(options.passwordFile, 'the password file'), typeof options.root === 'string' ? options.root : undefined);
  },
  describe: (settings) => describeImap(imapSettings(settings)),
  account: (settings) => imapAccount(imapSettings(settings)),
  workspaceOf: (settings) => ({ inbox: imapSettings(settings).inbox, root: imapSettings(settings).root }),
  open: (settings, secret, log) => openImapSession(imapSettings(settings), secret, log),
  // IMAP reads a mailbox; sending is SMTP's (RFC 3501 has no command for it).
  sendsAs: () => null,
  async check(settings, secret, log): Promise<CheckLine[]> {
    const s = imapSettings(settings);
    const lines: CheckLine[] = [];
    let session;
    try {
      session = await openImapSession(s, secret, log);
    } catch (err) {
      return [{ ok: false, text: messageOf(err) }];
    }
    try {
      const tls = s.secure ? ' over TLS' : s.starttls === 'require' ? ' after STARTTLS' : s.starttls === 'never' ? ' without TLS' : '';
      lines.push({ ok: true, text: `logged in to ${s.host}:${s.port} as ${s.user}${tls}` });
      try {
        await session.start(s.inbox);
        lines.push({ ok: true, text: `the folder ${s.inbox} can be read` });
      } catch (err) {
        lines.push({ ok: false, text: `the folder ${s.inbox} cannot be read: ${messageOf(err)}` });
      }
    } finally {
      await session.close();
    }
    return lines;
  },
};

