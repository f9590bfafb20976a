// Gmail in the registry of providers (../registry.ts): `datamer mailbox add --gmail
// --service-account-file key.json --mailbox ops@acme.example`.
import { DatamerError, messageOf } from '../../errors.js';
import type { CheckLine, Provider, ProviderSettings } from '../registry.js';
import { describeGmail, gmailAccount, gmailSettings, GMAIL_INBOX, parseServiceAccountKey, type GmailSettings } from './settings.js';

const settingsOf = (settings: ProviderSettings) => settings as unknown as GmailSettings;
// The session, and with it Google's generated Gmail client and its auth library, is loaded with
// the first mailbox of this kind, not when DaTamer starts: those libraries take seconds to load,
// and most teams watch no such mailbox.
const openGmailSession = async (...args: Parameters<typeof import('./session.js').openGmailSession>) => (await import('./session.js')).openGmailSession(...args);

export const gmailProvider: Provider = {
  kind: 'gmail',
  addOptions: [
    { flags: '--gmail', description: 'a Google Workspace mailbox, through the Gmail API with a service account' },
    { flags: '--service-account-file <file>', description: "Gmail: the service account's JSON key, as Google Cloud console downloads it" },
    { flags: '--mailbox <address>', description: 'Microsoft 365 or Gmail: the shared mailbox, such as ops@acme.example' },
    { flags: '--gmail-api-url <url>', description: 'Gmail: where the Gmail API answers (a proxy or a test server)', hidden: true },
    { flags: '--google-token-url <url>', description: "Gmail: Google's OAuth token endpoint (a proxy or a test server)", hidden: true },
  ],
  async fromOptions(options, read) {
    if (options.gmail !== true) return null;
    const missing = [['serviceAccountFile', '--service-account-file <file>'], ['mailbox', '--mailbox <address>']].filter(([k]) => typeof options[k!] !== 'string');
    if (missing.length > 0) throw new DatamerError('INPUT_INVALID', `--gmail needs ${missing.map(([, flag]) => flag).join(' and ')}`);
    const secret = await read(options.serviceAccountFile as string, 'the service account file');
    const key = parseServiceAccountKey(secret);
    const settings = gmailSettings({
      mailbox: options.mailbox as string,
      serviceAccount: key.client_email,
      ...(typeof options.root === 'string' ? { root: options.root } : {}),
      ...(typeof options.gmailApiUrl === 'string' ? { apiUrl: options.gmailApiUrl } : {}),
      ...(typeof options.googleTokenUrl === 'string' ? { tokenUrl: options.googleTokenUrl } : {}),
    });
    return { settings: { ...settings }, secret };
  },
  describe: (settings) => describeGmail(settingsOf(settings)),
  account: (settings) => gmailAccount(settingsOf(settings)),
  workspaceOf: (settings) => ({ inbox: GMAIL_INBOX, root: settingsOf(settings).root }),
  open: (settings, secret) => openGmailSession(settingsOf(settings), secret),
  sendsAs: (settings) => settingsOf(settings).mailbox,
  async check(settings, secret): Promise<CheckLine[]> {
    const s = settingsOf(settings);
    let session;
    try {
      session = await openGmailSession(s, secret);
    } catch (err) {
      return [{ ok: false, text: messageOf(err) }];
    }
    const lines: CheckLine[] = [{ ok: true, text: `service account ${s.serviceAccount} acts for ${s.mailbox} (domain-wide delegation, scope gmail.modify)` }];
    try {
      await session.changes(GMAIL_INBOX, '', 1);
      lines.push({ ok: true, text: 'the inbox can be read' });
    } catch (err) {
      lines.push({ ok: false, text: `the inbox cannot be read: ${messageOf(err)}` });
    }
    await session.close();
    return lines;
  },
};
