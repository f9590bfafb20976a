// Microsoft Graph in the registry of providers (../registry.ts): `datamer mailbox add --graph
// --tenant-id … --client-id … --secret-file …|--certificate-file … --mailbox ops@acme.example`.
import { DatamerError, messageOf } from '../../errors.js';
import type { CheckLine, Provider, ProviderSettings } from '../registry.js';
import { describeGraph, graphAccount, graphSettings, GRAPH_INBOX, type GraphSettings } from './settings.js';

const settingsOf = (settings: ProviderSettings) => settings as unknown as GraphSettings;
// The session, and with it the Graph client and MSAL, is loaded with the first mailbox of this kind, not when
// DaTamer starts: those libraries take seconds to load, and most teams watch no such mailbox.
const openGraphSession = async (...args: Parameters<typeof import('./session.js').openGraphSession>) => (await import('./session.js')).openGraphSession(...args);

export const graphProvider: Provider = {
  kind: 'graph',
  addOptions: [
    { flags: '--graph', description: 'a Microsoft 365 shared mailbox, through Microsoft Graph with an app registration' },
    { flags: '--tenant-id <id>', description: 'Microsoft 365: the Directory (tenant) ID of the app registration' },
    { flags: '--client-id <id>', description: 'Microsoft 365: the Application (client) ID of the app registration' },
    { flags: '--secret-file <file>', description: "Microsoft 365: a file holding the app's client secret (its Value)" },
    { flags: '--certificate-file <file>', description: "Microsoft 365: instead of a secret, a PEM file with the app's certificate and its private key" },
    { flags: '--graph-url <url>', description: 'Microsoft 365 in a national cloud: where Microsoft Graph answers (default https://graph.microsoft.com)' },
    { flags: '--login-url <url>', description: 'Microsoft 365 in a national cloud: where Microsoft Entra ID answers (default https://login.microsoftonline.com)' },
  ],
  async fromOptions(options, read) {
    if (options.graph !== true) return null;
    const missing = ['tenantId', 'clientId', 'mailbox'].filter((k) => typeof options[k] !== 'string');
    const flag = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    if (missing.length > 0) throw new DatamerError('INPUT_INVALID', `--graph needs ${missing.map(flag).join(', ')}`);
    const secretFile = typeof options.secretFile === 'string' ? options.secretFile : null;
    const certificateFile = typeof options.certificateFile === 'string' ? options.certificateFile : null;
    if ((secretFile === null) === (certificateFile === null)) {
      throw new DatamerError('INPUT_INVALID', '--graph needs one of --secret-file <file> (a client secret) or --certificate-file <file> (a certificate with its key)');
    }
    const settings = graphSettings({
      tenantId: options.tenantId as string,
      clientId: options.clientId as string,
      mailbox: options.mailbox as string,
      credential: secretFile ? 'secret' : 'certificate',
      ...(typeof options.root === 'string' ? { root: options.root } : {}),
      ...(typeof options.graphUrl === 'string' ? { graphUrl: options.graphUrl } : {}),
      ...(typeof options.loginUrl === 'string' ? { loginUrl: options.loginUrl } : {}),
    });
    const secret = secretFile ? await read(secretFile, 'the secret file') : await read(certificateFile!, 'the certificate file');
    return { settings: { ...settings }, secret };
  },
  describe: (settings) => describeGraph(settingsOf(settings)),
  account: (settings) => graphAccount(settingsOf(settings)),
  workspaceOf: (settings) => ({ inbox: GRAPH_INBOX, root: settingsOf(settings).root }),
  open: (settings, secret) => openGraphSession(settingsOf(settings), secret),
  sendsAs: (settings) => settingsOf(settings).mailbox,
  async check(settings, secret): Promise<CheckLine[]> {
    const s = settingsOf(settings);
    let session;
    try {
      session = await openGraphSession(s, secret);
    } catch (err) {
      return [{ ok: false, text: messageOf(err) }];
    }
    const lines: CheckLine[] = [{ ok: true, text: `signed in as app ${s.clientId} of tenant ${s.tenantId}, and the Inbox of ${s.mailbox} can be read (Mail.ReadWrite)` }];
    try {
      await session.changes(GRAPH_INBOX, '', 1);
      lines.push({ ok: true, text: 'new mail can be followed (delta queries on the Inbox)' });
    } catch (err) {
      lines.push({ ok: false, text: `new mail cannot be followed: ${messageOf(err)}` });
    }
    await session.close();
    return lines;
  },
};
