// What names a Microsoft 365 shared mailbox for DaTamer: the Entra ID (Azure AD) tenant, the app
// registration's client id, how the app proves itself (a client secret or a certificate, stored
// encrypted, never here), and the mailbox's address. docs/mailbox.md says where an admin finds each.
import { DatamerError } from '../../errors.js';
import { DEFAULT_ROOT, rootSegments } from '../folders.js';

export interface GraphSettings {
  /** the directory (tenant) id, a GUID, or a verified domain such as acme.onmicrosoft.com */
  tenantId: string;
  /** the application (client) id of the app registration */
  clientId: string;
  credential: 'secret' | 'certificate';
  /** the shared mailbox's address */
  mailbox: string;
  /** the root of DaTamer's folders, levels joined with `/` */
  root: string;
  /** where Graph answers (v1.0 is appended); another cloud, or a test server */
  graphUrl: string;
  /** where the identity platform answers; another cloud, or a test server */
  loginUrl: string;
}

export const GRAPH_URL = 'https://graph.microsoft.com';
export const LOGIN_URL = 'https://login.microsoftonline.com';
/** The folder Graph calls `inbox` whatever its display name in the mailbox's language. */
export const GRAPH_INBOX = 'Inbox';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;
const ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function graphSettings(input: { tenantId: string; clientId: string; credential: 'secret' | 'certificate'; mailbox: string; root?: string; graphUrl?: string; loginUrl?: string }): GraphSettings {
  const tenantId = input.tenantId.trim();
  const clientId = input.clientId.trim();
  const mailbox = input.mailbox.trim().toLowerCase();
  if (!GUID.test(tenantId) && !DOMAIN.test(tenantId)) {
    throw new DatamerError('INPUT_INVALID', `--tenant-id ${JSON.stringify(tenantId)}: the Directory (tenant) ID from the app registration's Overview page, a GUID`);
  }
  if (!GUID.test(clientId)) throw new DatamerError('INPUT_INVALID', `--client-id ${JSON.stringify(clientId)}: the Application (client) ID from the app registration's Overview page, a GUID`);
  if (!ADDRESS.test(mailbox)) throw new DatamerError('INPUT_INVALID', `--mailbox ${JSON.stringify(input.mailbox)}: the shared mailbox's address, such as ops@acme.example`);
  let root: string;
  try {
    root = rootSegments(input.root ?? DEFAULT_ROOT).join('/');
  } catch {
    throw new DatamerError('INPUT_INVALID', `--root must name a folder, such as ${DEFAULT_ROOT} or Ops/${DEFAULT_ROOT}`);
  }
  return {
    tenantId: tenantId.toLowerCase(),
    clientId: clientId.toLowerCase(),
    credential: input.credential,
    mailbox,
    root,
    graphUrl: baseUrl(input.graphUrl ?? GRAPH_URL, '--graph-url'),
    loginUrl: baseUrl(input.loginUrl ?? LOGIN_URL, '--login-url'),
  };
}

function baseUrl(text: string, flag: string): string {
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    // reported below
  }
  if (!url || !/^https?:$/.test(url.protocol)) throw new DatamerError('INPUT_INVALID', `${flag} ${JSON.stringify(text)}: an https:// address`);
  return text.replace(/\/+$/, '');
}

/** The mailbox for a list or a log line. */
export function describeGraph(settings: GraphSettings): string {
  return `graph:${settings.mailbox}`;
}

/** A mailbox is its address, whichever app reaches it (imap/url.ts names Microsoft 365 IMAP alike). */
export function graphAccount(settings: GraphSettings): string {
  return `mailbox:${settings.mailbox}`;
}
