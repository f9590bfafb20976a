// A small, stateful Microsoft Graph of the endpoints DaTamer uses, shaped as the public v1.0
// reference shows them (docs/mailbox.md says so plainly): the identity platform's token endpoint
// for client credentials, mail folders and child folders, per-folder message delta with
// `@odata.nextLink` / `@odata.deltaLink` and `@removed`, raw MIME by `$value`, categories,
// move (a new id unless `Prefer: IdType="ImmutableId"`), delete, sendMail, and the failures
// Graph documents: 429 with Retry-After, 410 / syncStateNotFound for an expired delta token,
// 401 for a refused token, at most 4 concurrent requests per mailbox. An app that proves itself
// with a certificate sends a client assertion (RFC 7523 §2.2, a JWT signed with the certificate's
// key, named by its SHA-256 thumbprint in `x5t#S256`: "Microsoft identity platform certificate
// credentials"); the fake checks its signature against the certificate the admin uploaded.
//
// The test drives it as people and Exchange would: mail arrives, an engineer moves or deletes a
// message in Outlook, an admin revokes the secret, the service throttles or goes away.
import { constants, randomUUID, verify, X509Certificate } from 'node:crypto';
import http from 'node:http';
import { LoopbackService } from './loopback-service.js';

export const FAKE_TENANT = '11111111-2222-3333-4444-555555555555';
export const FAKE_CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
export const FAKE_SECRET = 'fake~client~secret';

interface Folder {
  id: string;
  displayName: string;
  parentFolderId: string;
  wellKnown?: string;
}

interface Message {
  id: string;
  folderId: string;
  raw: Buffer;
  internetMessageId: string | null;
  receivedDateTime: string;
  categories: string[];
  /** the change sequence when it last changed (arrived, moved in, categories) */
  seq: number;
}

interface Removal {
  id: string;
  folderId: string;
  seq: number;
}

interface MailboxState {
  folders: Map<string, Folder>;
  messages: Map<string, Message>;
  removals: Removal[];
  sent: Buffer[];
  inFlight: number;
}

/** What a delta token holds: which folder, changes after which sequence, up to which, of which epoch. */
interface DeltaState {
  f: string;
  after: number;
  upTo: number | null;
  initial: boolean;
  e: number;
}

const ROOT = 'msgfolderroot';
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = <T>(text: string): T | null => {
  try {
    return JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as T;
  } catch {
    return null;
  }
};

function header(raw: Buffer, name: string): string | null {
  const head = raw.toString('latin1').split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const match = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head);
  return match ? match[1]!.trim() : null;
}

export interface FakeGraphOptions {
  /** mailboxes that exist; the app may read only `allowed` (Exchange RBAC for Applications) */
  mailboxes: string[];
  allowed?: string[];
  /** the certificate uploaded to the app registration (PEM), for apps that sign in with it */
  certificate?: string;
}

const TOKEN_ENDPOINT = `https://login.microsoftonline.com/${FAKE_TENANT}/oauth2/v2.0/token`;

/** Why a client assertion is refused, or null when it proves the app (RFC 7523 §3). */
function assertionProblem(assertion: string, certificatePem: string | null, seen: Set<string>): string | null {
  if (!certificatePem) return 'AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application.';
  const [head, body, signature] = assertion.split('.');
  if (!head || !body || !signature) return 'AADSTS50027: JWT token is invalid or malformed.';
  const header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as Record<string, string>;
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
  const certificate = new X509Certificate(certificatePem);
  const thumbprint = Buffer.from(certificate.fingerprint256.replace(/:/g, ''), 'hex').toString('base64url');
  if (header['x5t#S256'] !== thumbprint) return 'AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application.';
  // PS256 (RSASSA-PSS, salt as long as the hash) as MSAL signs with a SHA-256 thumbprint; RS256 otherwise.
  const key = header.alg === 'PS256' ? { key: certificate.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } : certificate.publicKey;
  if (!['PS256', 'RS256'].includes(header.alg ?? '') || !verify('sha256', Buffer.from(`${head}.${body}`), key, Buffer.from(signature, 'base64url'))) {
    return 'AADSTS700027: Client assertion failed signature validation.';
  }
  const now = Date.now() / 1000;
  if (claims.aud !== TOKEN_ENDPOINT) return `AADSTS700024: Client assertion audience claim does not match Realm issuer (aud ${String(claims.aud)}).`;
  if (claims.iss !== FAKE_CLIENT || claims.sub !== FAKE_CLIENT) return 'AADSTS700021: Client assertion application identifier doesn\'t match \'client_id\' parameter.';
  if (typeof claims.exp !== 'number' || claims.exp < now) return 'AADSTS700024: Client assertion is not within its valid time range.';
  if (typeof claims.nbf === 'number' && claims.nbf > now + 300) return 'AADSTS700024: Client assertion is not within its valid time range.';
  if (typeof claims.jti !== 'string' || seen.has(claims.jti)) return 'AADSTS700021: Client assertion contains an invalid jti (replayed).';
  seen.add(claims.jti);
  return null;
}

export class FakeGraph extends LoopbackService {
  private seq = 0;
  private epoch = 1;
  private readonly mailboxes = new Map<string, MailboxState>();
  private readonly allowed: Set<string>;
  private readonly tokens = new Set<string>();
  private secret = FAKE_SECRET;
  private certificate: string | null;
  private readonly assertionIds = new Set<string>();
  /** the app has the application permission Mail.Send */
  private maySend = true;
  /** client assertions that proved the app */
  acceptedAssertions = 0;
  /** requests still to answer with 429 */
  private throttled = 0;
  private expiredStyle: '410' | 'syncStateNotFound' = '410';
  /** the most requests one mailbox had in flight at once */
  maxInFlight = 0;
  /** every request, `METHOD path` */
  readonly requests: string[] = [];
  /** requests answered with 429 */
  throttledAnswers = 0;
  /** Message-IDs a person deletes just as DaTamer asks for their content */
  private readonly deleteAtFetch = new Set<string>();

  constructor(options: FakeGraphOptions) {
    super();
    for (const address of options.mailboxes) this.mailboxes.set(address.toLowerCase(), this.newMailbox());
    this.allowed = new Set((options.allowed ?? options.mailboxes).map((m) => m.toLowerCase()));
    this.certificate = options.certificate ?? null;
  }

  // ---- What happens in the mailbox, as a test says ----

  /** Mail arrives in the inbox; returns its id. */
  deliver(mailbox: string, raw: Buffer): string {
    const box = this.box(mailbox);
    const id = this.newId();
    box.messages.set(id, {
      id,
      folderId: this.wellKnown(box, 'inbox').id,
      raw,
      internetMessageId: header(raw, 'Message-ID'),
      receivedDateTime: new Date(Date.now() + this.seq).toISOString(),
      categories: [],
      seq: ++this.seq,
    });
    return id;
  }

  /** The folder with this path of display names (`Inbox`, `DaTamer/acme/db`), or null. */
  folderAt(mailbox: string, path: string): Folder | null {
    const box = this.box(mailbox);
    let parent = ROOT;
    let found: Folder | null = null;
    for (const name of path.split('/')) {
      found = [...box.folders.values()].find((f) => f.parentFolderId === parent && f.displayName.toLowerCase() === name.toLowerCase()) ?? null;
      if (!found) return null;
      parent = found.id;
    }
    return found;
  }

  folderPaths(mailbox: string): string[] {
    const box = this.box(mailbox);
    const pathOf = (f: Folder): string => (f.parentFolderId === ROOT ? f.displayName : `${pathOf(box.folders.get(f.parentFolderId)!)}/${f.displayName}`);
    return [...box.folders.values()].map(pathOf);
  }

  /** The Message-IDs in a folder. */
  messageIdsIn(mailbox: string, path: string): string[] {
    const folder = this.folderAt(mailbox, path);
    if (!folder) return [];
    return [...this.box(mailbox).messages.values()].filter((m) => m.folderId === folder.id).map((m) => m.internetMessageId ?? '');
  }

  categoriesOf(mailbox: string, messageIdHeader: string): string[] {
    return this.byHeader(mailbox, messageIdHeader)?.categories ?? [];
  }

  /** An engineer drags a message into another folder in Outlook (ids survive: immutable). */
  moveByPerson(mailbox: string, messageIdHeader: string, toPath: string): boolean {
    const message = this.byHeader(mailbox, messageIdHeader);
    const target = this.folderAt(mailbox, toPath);
    if (!message || !target) return false;
    this.moveMessage(this.box(mailbox), message, target.id);
    return true;
  }

  /** Someone deletes a message for good (Shift+Del). */
  deleteByPerson(mailbox: string, messageIdHeader: string): boolean {
    const message = this.byHeader(mailbox, messageIdHeader);
    if (!message) return false;
    const box = this.box(mailbox);
    box.messages.delete(message.id);
    box.removals.push({ id: message.id, folderId: message.folderId, seq: ++this.seq });
    return true;
  }

  /** The message is deleted by a person at the moment DaTamer fetches it (mid-pass). */
  deleteWhenFetched(messageIdHeader: string): void {
    this.deleteAtFetch.add(messageIdHeader);
  }

  sentMail(mailbox: string): Buffer[] {
    return this.box(mailbox).sent;
  }

  /** The next `count` requests are answered 429 with a fractional Retry-After. */
  throttle(count: number): void {
    this.throttled = count;
  }

  /** Every delta token given so far expires (410 Gone, or 400 syncStateNotFound). */
  expireDeltaTokens(style: '410' | 'syncStateNotFound' = '410'): void {
    this.epoch++;
    this.expiredStyle = style;
  }

  /** The admin removes (null) or replaces the app's certificate: tokens made with the old one stop working. */
  replaceCertificate(pem: string | null): void {
    this.certificate = pem;
    this.tokens.clear();
  }

  /** The admin takes the application permission Mail.Send away (or gives it back). */
  allowSending(allowed: boolean): void {
    this.maySend = allowed;
  }

  /** The admin makes a new client secret: the old one and every token made with it stop working. */
  rotateSecret(secret: string): void {
    this.secret = secret;
    this.tokens.clear();
  }

  // ---- The service ----

  private newMailbox(): MailboxState {
    const folders = new Map<string, Folder>();
    for (const [name, wellKnown] of [
      ['Inbox', 'inbox'],
      ['Sent Items', 'sentitems'],
      ['Deleted Items', 'deleteditems'],
      ['Drafts', 'drafts'],
    ] as const) {
      const id = this.newId();
      folders.set(id, { id, displayName: name, parentFolderId: ROOT, wellKnown });
    }
    return { folders, messages: new Map(), removals: [], sent: [], inFlight: 0 };
  }

  private newId(): string {
    // Graph ids are long base64 strings with `=` and `-`: so are these, to catch missing escaping.
    return `AAMk${Buffer.from(randomUUID()).toString('base64').replace(/\//g, '-')}`;
  }

  private box(mailbox: string): MailboxState {
    const box = this.mailboxes.get(mailbox.toLowerCase());
    if (!box) throw new Error(`the fake Graph has no mailbox ${mailbox}`);
    return box;
  }

  private wellKnown(box: MailboxState, name: string): Folder {
    return [...box.folders.values()].find((f) => f.wellKnown === name)!;
  }

  private byHeader(mailbox: string, messageIdHeader: string): Message | undefined {
    return [...this.box(mailbox).messages.values()].find((m) => m.internetMessageId === messageIdHeader);
  }

  private moveMessage(box: MailboxState, message: Message, folderId: string): void {
    if (message.folderId === folderId) return;
    box.removals.push({ id: message.id, folderId: message.folderId, seq: ++this.seq });
    message.folderId = folderId;
    message.seq = ++this.seq;
  }

  protected failed(res: http.ServerResponse, err: unknown): void {
    this.json(res, 500, { error: { code: 'InternalServerError', message: String(err) } });
  }

  private json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  private error(res: http.ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
    this.json(res, status, { error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': randomUUID() } } }, headers);
  }

  protected async answer(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const path = decodeURIComponent(url.pathname);
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);

    // The identity platform (https://login.microsoftonline.com/{tenant}/…).
    if (path === `/${FAKE_TENANT}/v2.0/.well-known/openid-configuration` || path === `/${FAKE_TENANT}/.well-known/openid-configuration`) {
      const base = `https://login.microsoftonline.com/${FAKE_TENANT}`;
      return this.json(res, 200, {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        issuer: `https://login.microsoftonline.com/${FAKE_TENANT}/v2.0`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
      });
    }
    if (path.startsWith('/common/discovery/instance')) {
      return this.json(res, 200, {
        tenant_discovery_endpoint: `https://login.microsoftonline.com/${FAKE_TENANT}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: 'login.microsoftonline.com', preferred_cache: 'login.windows.net', aliases: ['login.microsoftonline.com', 'login.windows.net'] }],
      });
    }
    if (path === `/${FAKE_TENANT}/oauth2/v2.0/token` && req.method === 'POST') {
      const form = new URLSearchParams(body.toString('utf8'));
      if (form.get('client_id') !== FAKE_CLIENT) {
        return this.json(res, 400, { error: 'unauthorized_client', error_description: `AADSTS700016: Application with identifier '${form.get('client_id')}' was not found in the directory.`, error_codes: [700016] });
      }
      const assertion = form.get('client_assertion');
      if (assertion !== null) {
        const problem = form.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' ? assertionProblem(assertion, this.certificate, this.assertionIds) : 'AADSTS50027: unsupported client_assertion_type.';
        if (problem) return this.json(res, 401, { error: 'invalid_client', error_description: problem, error_codes: [Number(/AADSTS(\d+)/.exec(problem)![1])] });
        this.acceptedAssertions++;
      } else if (form.get('client_secret') !== this.secret) {
        return this.json(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.', error_codes: [7000215] });
      }
      const token = `fake-token-${randomUUID()}`;
      this.tokens.add(token);
      return this.json(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
    }

    // Graph v1.0
    const route = /^\/v1\.0\/users\/([^/]+)(\/.*)?$/.exec(path);
    if (!route) return this.error(res, 400, 'BadRequest', `Invalid request: ${path}`);
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !this.tokens.has(auth.slice(7))) {
      return this.error(res, 401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
    }
    const mailbox = route[1]!.toLowerCase();
    const box = this.mailboxes.get(mailbox);
    if (!box) return this.error(res, 404, 'ErrorInvalidUser', `The requested user '${route[1]}' is invalid.`);
    if (!this.allowed.has(mailbox)) return this.error(res, 403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
    if (this.throttled > 0) {
      this.throttled--;
      this.throttledAnswers++;
      return this.error(res, 429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', { 'Retry-After': '0.05' });
    }
    box.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, box.inFlight);
    try {
      // Concurrency is what Graph limits: answer a tick later, so overlapping requests overlap here too.
      await new Promise((r) => setTimeout(r, 2));
      if (box.inFlight > 4) return this.error(res, 429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', { 'Retry-After': '1' });
      return this.mailboxRequest(req, url, route[2] ?? '/', box, body, res, route[1]!);
    } finally {
      box.inFlight--;
    }
  }

  private folderById(box: MailboxState, id: string): Folder | undefined {
    return box.folders.get(id) ?? [...box.folders.values()].find((f) => f.wellKnown === id.toLowerCase());
  }

  private folderJson(box: MailboxState, f: Folder) {
    const inside = [...box.messages.values()].filter((m) => m.folderId === f.id);
    return {
      id: f.id,
      displayName: f.displayName,
      parentFolderId: f.parentFolderId,
      childFolderCount: [...box.folders.values()].filter((c) => c.parentFolderId === f.id).length,
      unreadItemCount: 0,
      totalItemCount: inside.length,
      isHidden: false,
    };
  }

  private messageJson(m: Message, select: string | null) {
    const all: Record<string, unknown> = {
      id: m.id,
      parentFolderId: m.folderId,
      internetMessageId: m.internetMessageId,
      receivedDateTime: m.receivedDateTime,
      subject: header(m.raw, 'Subject'),
      categories: m.categories,
    };
    if (!select) return all;
    const fields = new Set(['id', ...select.split(',')]);
    return Object.fromEntries(Object.entries(all).filter(([k]) => fields.has(k)));
  }

  private mailboxRequest(req: http.IncomingMessage, url: URL, rest: string, box: MailboxState, body: Buffer, res: http.ServerResponse, user: string): void {
    const method = req.method ?? 'GET';
    const immutable = /IdType="ImmutableId"/i.test(String(req.headers.prefer ?? ''));
    const pageSize = Number(/odata\.maxpagesize=(\d+)/.exec(String(req.headers.prefer ?? ''))?.[1] ?? 10);
    const input = () => JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
    const base = `${this.url}/v1.0/users/${encodeURIComponent(user)}`;
    let m: RegExpExecArray | null;

    if (rest === '/sendMail' && method === 'POST') {
      if (!/^text\/plain/.test(String(req.headers['content-type'] ?? ''))) return this.error(res, 400, 'ErrorMimeContentInvalid', 'MIME content must be sent as text/plain, base64-encoded.');
      if (!this.maySend) return this.error(res, 403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
      const mime = Buffer.from(body.toString('utf8'), 'base64');
      // Exchange sends as the mailbox the request names; another From needs Send As on it.
      const from = /<([^>]+)>/.exec(header(mime, 'From') ?? '')?.[1] ?? header(mime, 'From');
      if (from?.toLowerCase() !== decodeURIComponent(user).toLowerCase()) return this.error(res, 403, 'ErrorSendAsDenied', `The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account., Cannot submit message.`);
      box.sent.push(mime);
      // 202 Accepted, no body.
      res.writeHead(202, { 'Content-Length': '0' });
      res.end();
      return;
    }
    if ((m = /^\/mailFolders(?:\/([^/]+)\/childFolders)?$/.exec(rest))) {
      const parent = m[1] === undefined ? ROOT : this.folderById(box, m[1])?.id;
      if (!parent) return this.error(res, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      if (method === 'GET') return this.json(res, 200, { value: [...box.folders.values()].filter((f) => f.parentFolderId === parent).map((f) => this.folderJson(box, f)) });
      if (method === 'POST') {
        const displayName = String(input().displayName ?? '');
        if ([...box.folders.values()].some((f) => f.parentFolderId === parent && f.displayName.toLowerCase() === displayName.toLowerCase())) {
          return this.error(res, 409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
        }
        const folder: Folder = { id: this.newId(), displayName, parentFolderId: parent };
        box.folders.set(folder.id, folder);
        return this.json(res, 201, this.folderJson(box, folder));
      }
    }
    if ((m = /^\/mailFolders\/([^/]+)$/.exec(rest)) && method === 'GET') {
      const folder = this.folderById(box, m[1]!);
      return folder ? this.json(res, 200, this.folderJson(box, folder)) : this.error(res, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    }
    if ((m = /^\/mailFolders\/([^/]+)\/messages\/delta$/.exec(rest)) && method === 'GET') {
      const folder = this.folderById(box, m[1]!);
      if (!folder) return this.error(res, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      const token = url.searchParams.get('$deltatoken') ?? url.searchParams.get('$skiptoken');
      let state: DeltaState;
      if (token === null) state = { f: folder.id, after: 0, upTo: null, initial: true, e: this.epoch };
      else {
        const given = decode<DeltaState>(token);
        if (!given || given.f !== folder.id) return this.error(res, 400, 'BadRequest', 'Invalid delta token.');
        if (given.e !== this.epoch) {
          return this.expiredStyle === '410'
            ? this.error(res, 410, 'SyncStateNotFound', 'The sync state generation is no longer valid. Please restart the sync from the beginning.')
            : this.error(res, 400, 'syncStateNotFound', 'The sync state was not found. Please restart the sync from the beginning.');
        }
        state = given;
      }
      const upTo = state.upTo ?? this.seq;
      const select = url.searchParams.get('$select');
      const items: Array<{ seq: number; json: unknown }> = [];
      for (const msg of box.messages.values()) {
        if (msg.folderId === folder.id && msg.seq > state.after && msg.seq <= upTo) items.push({ seq: msg.seq, json: this.messageJson(msg, select) });
      }
      if (!state.initial) {
        for (const r of box.removals) {
          if (r.folderId === folder.id && r.seq > state.after && r.seq <= upTo) items.push({ seq: r.seq, json: { '@odata.type': '#microsoft.graph.message', id: r.id, '@removed': { reason: 'deleted' } } });
        }
      }
      items.sort((a, b) => a.seq - b.seq);
      const page = items.slice(0, pageSize);
      const link = `${base}/mailFolders/${encodeURIComponent(folder.id)}/messages/delta`;
      if (items.length > page.length) {
        const next: DeltaState = { ...state, after: page[page.length - 1]!.seq, upTo };
        return this.json(res, 200, { value: page.map((i) => i.json), '@odata.nextLink': `${link}?$skiptoken=${encode(next)}` });
      }
      const done: DeltaState = { f: folder.id, after: upTo, upTo: null, initial: false, e: this.epoch };
      return this.json(res, 200, { value: page.map((i) => i.json), '@odata.deltaLink': `${link}?$deltatoken=${encode(done)}` });
    }
    if ((m = /^\/mailFolders\/([^/]+)\/messages$/.exec(rest)) && method === 'GET') {
      const folder = this.folderById(box, m[1]!);
      if (!folder) return this.error(res, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      let found = [...box.messages.values()].filter((msg) => msg.folderId === folder.id);
      const filter = url.searchParams.get('$filter');
      if (filter) {
        const byId = /^internetMessageId eq '((?:[^']|'')*)'$/.exec(filter);
        const byTime = /^receivedDateTime le (\S+)$/.exec(filter);
        if (byId) found = found.filter((msg) => msg.internetMessageId === byId[1]!.replace(/''/g, "'"));
        else if (byTime) found = found.filter((msg) => msg.receivedDateTime <= byTime[1]!);
        else return this.error(res, 400, 'ErrorInvalidUrlQueryFilter', 'The query filter contains one or more invalid nodes.');
      }
      found.sort((a, b) => a.receivedDateTime.localeCompare(b.receivedDateTime));
      const top = Number(url.searchParams.get('$top') ?? 10);
      const skip = Number(url.searchParams.get('$skip') ?? 0);
      const page = found.slice(skip, skip + top);
      const next = new URL(url.toString(), this.url);
      next.searchParams.set('$skip', String(skip + top));
      return this.json(res, 200, {
        value: page.map((msg) => this.messageJson(msg, url.searchParams.get('$select'))),
        ...(found.length > skip + top ? { '@odata.nextLink': `${this.url}${next.pathname}${next.search}` } : {}),
      });
    }
    if ((m = /^\/messages\/([^/]+)(\/\$value|\/move)?$/.exec(rest))) {
      const asked = box.messages.get(m[1]!);
      if (asked && m[2] === '/$value' && asked.internetMessageId && this.deleteAtFetch.delete(asked.internetMessageId)) {
        box.messages.delete(asked.id);
        box.removals.push({ id: asked.id, folderId: asked.folderId, seq: ++this.seq });
      }
      const message = box.messages.get(m[1]!);
      if (!message) return this.error(res, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      if (m[2] === '/$value' && method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end(message.raw);
        return;
      }
      if (m[2] === '/move' && method === 'POST') {
        const target = this.folderById(box, String(input().destinationId ?? ''));
        if (!target) return this.error(res, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
        this.moveMessage(box, message, target.id);
        if (!immutable) {
          // Without immutable ids a move is a copy and a delete: the message gets a new id.
          box.messages.delete(message.id);
          message.id = this.newId();
          box.messages.set(message.id, message);
        }
        return this.json(res, 201, this.messageJson(message, null));
      }
      if (m[2] === undefined && method === 'GET') return this.json(res, 200, this.messageJson(message, url.searchParams.get('$select')));
      if (m[2] === undefined && method === 'PATCH') {
        const change = input();
        if (Array.isArray(change.categories)) {
          message.categories = change.categories.map(String);
          message.seq = ++this.seq;
        }
        return this.json(res, 200, this.messageJson(message, null));
      }
      if (m[2] === undefined && method === 'DELETE') {
        // DELETE moves the message to Deleted Items (recoverable), as Outlook does.
        this.moveMessage(box, message, this.wellKnown(box, 'deleteditems').id);
        res.writeHead(204);
        res.end();
        return;
      }
    }
    return this.error(res, 400, 'BadRequest', `Unsupported request: ${method} ${rest}`);
  }
}
