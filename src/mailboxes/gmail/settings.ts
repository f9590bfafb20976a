// What names a Google Workspace mailbox for DaTamer: the user's address (a real user mailbox:
// a Google Groups collaborative inbox is not reachable through the Gmail API) and the service
// account that acts for it by domain-wide delegation. The service account's key is the secret,
// stored encrypted; only its address is kept here. docs/mailbox.md says where an admin finds each.
import { DatamerError } from '../../errors.js';
import { DEFAULT_ROOT, rootSegments } from '../folders.js';

export interface GmailSettings {
  /** the Workspace user whose mailbox is the shared mailbox */
  mailbox: string;
  /** the service account (its client_email) */
  serviceAccount: string;
  /** the root of DaTamer's labels, levels joined with `/` */
  root: string;
  /** where the Gmail API answers; a test server otherwise */
  apiUrl: string;
  /** Google's OAuth token endpoint; a test server otherwise */
  tokenUrl: string;
}

export const GMAIL_API_URL = 'https://gmail.googleapis.com/';
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
/** The system label of new mail. */
export const GMAIL_INBOX = 'INBOX';
/** Everything DaTamer does: read, label, trash, send (not delete for good: https://mail.google.com/ would). */
export const GMAIL_SCOPES = ['https://www.googleapis.com/auth/gmail.modify'];

export interface ServiceAccountKey {
  type: string;
  client_email: string;
  private_key: string;
  client_id?: string;
}

const ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The key file Google Cloud console downloads (Keys, Add key, JSON). */
export function parseServiceAccountKey(text: string): ServiceAccountKey {
  let key: Partial<ServiceAccountKey>;
  try {
    key = JSON.parse(text) as Partial<ServiceAccountKey>;
  } catch {
    throw new DatamerError('INPUT_INVALID', "the service account file is not JSON: download the key from Google Cloud console (IAM & Admin, Service Accounts, the account's Keys tab, Add key, JSON)");
  }
  if (key.type !== 'service_account' || typeof key.client_email !== 'string' || typeof key.private_key !== 'string') {
    throw new DatamerError('INPUT_INVALID', 'the service account file is not a service account key (it needs "type": "service_account", "client_email" and "private_key")');
  }
  return key as ServiceAccountKey;
}

export function gmailSettings(input: { mailbox: string; serviceAccount: string; root?: string; apiUrl?: string; tokenUrl?: string }): GmailSettings {
  const mailbox = input.mailbox.trim().toLowerCase();
  if (!ADDRESS.test(mailbox)) throw new DatamerError('INPUT_INVALID', `--mailbox ${JSON.stringify(input.mailbox)}: the shared mailbox's address, such as ops@acme.example`);
  let root: string;
  try {
    root = rootSegments(input.root ?? DEFAULT_ROOT).join('/');
  } catch {
    throw new DatamerError('INPUT_INVALID', `--root must name a label, such as ${DEFAULT_ROOT} or Ops/${DEFAULT_ROOT}`);
  }
  const apiUrl = input.apiUrl ?? GMAIL_API_URL;
  return { mailbox, serviceAccount: input.serviceAccount.toLowerCase(), root, apiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`, tokenUrl: input.tokenUrl ?? GOOGLE_TOKEN_URL };
}

export function describeGmail(settings: GmailSettings): string {
  return `gmail:${settings.mailbox}`;
}

/** A mailbox is its address (imap/url.ts names Gmail's IMAP alike). */
export function gmailAccount(settings: GmailSettings): string {
  return `mailbox:${settings.mailbox}`;
}
