// One shared mailbox per provider, as the tests of the workspace see it: mail arrives, an
// engineer moves messages between folders in their mail client (an IMAP client on Dovecot,
// Outlook on the fake Graph, the Gmail web client on the fake Gmail), and the test looks at
// what is where. The same table of cases runs against each (test/integration/mailboxes/).
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import type { Deps } from '../../src/deps.js';
import { gmailSettings } from '../../src/mailboxes/gmail/settings.js';
import { graphSettings } from '../../src/mailboxes/graph/settings.js';
import { addMailbox, setMailboxSecret } from '../../src/mailboxes/mailbox-store.js';
import type { Mailbox, MailboxMode } from '../../models/index.js';
import { FakeGmail, GMAIL_SCOPE } from '../fakes/gmail-server.js';
import { FAKE_CLIENT, FAKE_SECRET, FAKE_TENANT, FakeGraph } from '../fakes/graph-server.js';
import { addTestMailbox, appendTo, deliverThroughPostfix, engineerClient, freshMailboxUser, keywordsOf, messageIdsIn, moveMessage, rawMail, TEST_KEY, type TestMail } from './imap.js';
import { requireMailServers } from './net.js';

export type SharedMailboxKind = 'imap' | 'graph' | 'gmail';

export interface SharedMailbox {
  readonly kind: SharedMailboxKind;
  readonly mailbox: Mailbox;
  /** mail arrives in the inbox; returns its Message-ID */
  deliver(mail: TestMail): Promise<string>;
  /** the same bytes every time for the same mail (a relay's retry delivers exactly these again); returns its Message-ID */
  deliverExactly(mail: TestMail & { messageId: string }): Promise<string>;
  /** the Message-IDs in a folder, named with `/` between levels */
  idsIn(folder: string): Promise<string[]>;
  /** an engineer moves the message in their mail client */
  move(from: string, messageId: string, to: string): Promise<boolean>;
  /** the IMAP keywords, Outlook categories or Gmail labels that show severity */
  severityMarks(folder: string, messageId: string): Promise<string[]>;
  folders(): Promise<string[]>;
  /** another engineer's mail client on the same mailbox */
  otherEngineer(): Promise<{ move: SharedMailbox['move']; dispose(): Promise<void> }>;
  dispose(): Promise<void>;
}

/** What only a fake service can do to itself: the failures the API references document. */
export interface ApiFaults {
  /** the next requests are answered 429 (Graph with Retry-After; Gmail rateLimitExceeded) */
  throttle(requests: number): void;
  /** every delta link (Graph: 410) or history id (Gmail: 404) given so far has expired */
  expireCursors(): void;
  /** the admin revokes DaTamer's access (a new client secret; the delegation's scopes removed) */
  refuseCredential(): void;
  /** and gives it back */
  restoreCredential(): Promise<void>;
  goAway(): Promise<void>;
  comeBack(): Promise<void>;
  /** a person deletes the message at the moment DaTamer asks for it */
  deleteWhenFetched(messageId: string): void;
  /** requests answered 429 or 5xx so far, and the most requests the mailbox had in flight at once */
  pressure(): { refused: number; maxInFlight: number | null };
  /** where a message deleted in ingest mode goes (Deleted Items, the trash) */
  readonly deletedFolder: string;
  readonly inbox: string;
  /** what was sent as the mailbox (sendMail, messages.send), raw */
  sent(): Buffer[];
}

export interface SharedMailboxOptions {
  mode?: MailboxMode;
  root?: string;
}

async function imapShared(deps: Deps, tenantId: number, options: SharedMailboxOptions): Promise<SharedMailbox> {
  requireMailServers();
  const user = freshMailboxUser();
  const mailbox = await addTestMailbox(deps, tenantId, user, options);
  const engineer: ImapFlow = await engineerClient(user);
  return {
    kind: 'imap',
    mailbox,
    deliver: (mail) => deliverThroughPostfix(user, mail),
    deliverExactly: async (mail) => {
      await appendTo(engineer, 'INBOX', mail, user);
      return mail.messageId;
    },
    idsIn: (folder) => messageIdsIn(engineer, folder),
    move: (from, id, to) => moveMessage(engineer, from, id, to),
    severityMarks: (folder, id) => keywordsOf(engineer, folder, id),
    folders: async () => (await engineer.list()).map((f) => f.path),
    otherEngineer: async () => {
      const other = await engineerClient(user);
      return { move: (from, id, to) => moveMessage(other, from, id, to), dispose: () => other.logout().catch(() => undefined) };
    },
    dispose: () => engineer.logout().catch(() => undefined),
  };
}

/** A shared mailbox on a fake Graph of its own, reached through the official client. */
export async function graphShared(deps: Deps, tenantId: number, options: SharedMailboxOptions = {}, fake?: FakeGraph): Promise<SharedMailbox & { fake: FakeGraph; address: string; faults: ApiFaults }> {
  const address = `shared-${randomUUID().slice(0, 8)}@acme.example`;
  const graph = fake ?? (await new FakeGraph({ mailboxes: [address] }).start());
  const settings = graphSettings({
    tenantId: FAKE_TENANT,
    clientId: FAKE_CLIENT,
    credential: 'secret',
    mailbox: address,
    ...(options.root ? { root: options.root } : {}),
    graphUrl: graph.url,
    loginUrl: graph.url,
  });
  let expired = 0;
  const mailbox = await addMailbox(deps, tenantId, { kind: 'graph', settings: { ...settings }, secret: FAKE_SECRET, mode: options.mode ?? 'organize' }, TEST_KEY);
  return {
    kind: 'graph',
    mailbox,
    fake: graph,
    address,
    faults: {
      throttle: (n) => graph.throttle(n),
      // Graph answers an expired delta link with 410 Gone, or with syncStateNotFound: each in turn.
      expireCursors: () => graph.expireDeltaTokens(expired++ % 2 === 0 ? '410' : 'syncStateNotFound'),
      refuseCredential: () => graph.rotateSecret('a-new-secret'),
      restoreCredential: () => setMailboxSecret(deps, mailbox, 'a-new-secret', TEST_KEY),
      goAway: () => graph.goAway(),
      comeBack: () => graph.comeBack(),
      deleteWhenFetched: (id) => graph.deleteWhenFetched(id),
      pressure: () => ({ refused: graph.throttledAnswers, maxInFlight: graph.maxInFlight }),
      deletedFolder: 'Deleted Items',
      inbox: 'Inbox',
      sent: () => graph.sentMail(address),
    },
    deliver: async (mail) => {
      const raw = rawMail(mail, address);
      graph.deliver(address, raw);
      return /^Message-ID: (.*)$/m.exec(raw.toString())![1]!.trim();
    },
    deliverExactly: async (mail) => {
      graph.deliver(address, rawMail(mail, address));
      return mail.messageId;
    },
    idsIn: async (folder) => graph.messageIdsIn(address, folder),
    move: async (from, id, to) => graph.messageIdsIn(address, from).includes(id) && graph.moveByPerson(address, id, to),
    severityMarks: async (_folder, id) => graph.categoriesOf(address, id),
    folders: async () => graph.folderPaths(address),
    otherEngineer: async () => ({ move: async (from, id, to) => graph.messageIdsIn(address, from).includes(id) && graph.moveByPerson(address, id, to), dispose: async () => undefined }),
    dispose: () => (fake ? Promise.resolve() : graph.stop()),
  };
}

/** A service account of the test's own: its key (the secret DaTamer stores) and what the fake knows of it. */
export function testServiceAccount(): { key: string; clientEmail: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const clientEmail = `datamer-${randomUUID().slice(0, 6)}@acme-ops.iam.gserviceaccount.com`;
  const key = JSON.stringify({
    type: 'service_account',
    project_id: 'acme-ops',
    private_key_id: randomUUID().replace(/-/g, ''),
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: clientEmail,
    client_id: '1234567890',
    token_uri: 'https://oauth2.googleapis.com/token',
  });
  return { key, clientEmail, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** A user mailbox on a fake Gmail of its own, reached through the official client. */
export async function gmailShared(deps: Deps, tenantId: number, options: SharedMailboxOptions = {}): Promise<SharedMailbox & { fake: FakeGmail; address: string; faults: ApiFaults }> {
  const address = `shared-${randomUUID().slice(0, 8)}@acme.example`;
  const account = testServiceAccount();
  const gmail = await new FakeGmail({ users: [address], serviceAccount: account }).start();
  const settings = gmailSettings({ mailbox: address, serviceAccount: account.clientEmail, ...(options.root ? { root: options.root } : {}), apiUrl: gmail.url, tokenUrl: `${gmail.url}/token` });
  const mailbox = await addMailbox(deps, tenantId, { kind: 'gmail', settings: { ...settings }, secret: account.key, mode: options.mode ?? 'organize' }, TEST_KEY);
  const move = async (from: string, id: string, to: string) => gmail.moveByPerson(address, id, from, to);
  return {
    kind: 'gmail',
    mailbox,
    fake: gmail,
    address,
    faults: {
      throttle: (n) => gmail.fail(...Array.from({ length: n }, () => 429)),
      expireCursors: () => gmail.expireHistory(),
      refuseCredential: () => gmail.delegate([]),
      restoreCredential: async () => gmail.delegate([GMAIL_SCOPE]),
      goAway: () => gmail.goAway(),
      comeBack: () => gmail.comeBack(),
      deleteWhenFetched: (id) => gmail.deleteWhenFetched(id),
      pressure: () => ({ refused: gmail.refusedAnswers, maxInFlight: null }),
      deletedFolder: 'TRASH',
      inbox: 'INBOX',
      sent: () => gmail.sentMail(address),
    },
    deliver: async (mail) => {
      const raw = rawMail(mail, address);
      gmail.deliver(address, raw);
      return /^Message-ID: (.*)$/m.exec(raw.toString())![1]!.trim();
    },
    deliverExactly: async (mail) => {
      gmail.deliver(address, rawMail(mail, address));
      return mail.messageId;
    },
    idsIn: async (folder) => gmail.messageIdsIn(address, folder),
    move,
    severityMarks: async (_folder, id) => gmail.labelsOf(address, id),
    folders: async () => gmail.labelNames(address),
    otherEngineer: async () => ({ move, dispose: async () => undefined }),
    dispose: () => gmail.stop(),
  };
}

export const SHARED_MAILBOX_KINDS: SharedMailboxKind[] = ['imap', 'graph', 'gmail'];

export function openSharedMailbox(kind: SharedMailboxKind, deps: Deps, tenantId: number, options: SharedMailboxOptions = {}): Promise<SharedMailbox> {
  if (kind === 'imap') return imapShared(deps, tenantId, options);
  return kind === 'graph' ? graphShared(deps, tenantId, options) : gmailShared(deps, tenantId, options);
}
