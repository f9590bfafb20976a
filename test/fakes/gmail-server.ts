// A small, stateful Gmail API of the endpoints DaTamer uses, shaped as the public v1 reference
// shows them (docs/mailbox.md says so plainly): Google's OAuth token endpoint for a service
// account's signed JWT with domain-wide delegation (the `sub` claim), labels, profile,
// messages.list / get (format=raw) / modify / trash / send, and history.list with history ids.
// The failures Gmail documents: 404 for a history id too old ("perform a full sync"), 429
// rateLimitExceeded, 5xx, and `unauthorized_client` when the service account is not allowed to
// act for the user or not for these scopes.
import { createVerify, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { LoopbackService } from './loopback-service.js';

interface Label {
  id: string;
  name: string;
  type: 'system' | 'user';
}

interface Message {
  id: string;
  threadId: string;
  raw: Buffer;
  labelIds: Set<string>;
  internalDate: number;
  messageIdHeader: string | null;
  historyId: number;
}

type HistoryRecord = { id: number; messageId: string; labelIds: string[] } & (
  | { kind: 'messagesAdded' }
  | { kind: 'labelsAdded'; changed: string[] }
  | { kind: 'labelsRemoved'; changed: string[] }
  | { kind: 'messagesDeleted' }
);

interface UserState {
  labels: Map<string, Label>;
  messages: Map<string, Message>;
  history: HistoryRecord[];
  /** history older than this id has been discarded: asking from before it answers 404 */
  oldestHistory: number;
  sent: Buffer[];
}

export const GMAIL_SCOPE = 'https://www.googleapis.com/auth/gmail.modify';
/** history.list's historyTypes, by the record they select */
const HISTORY_TYPE = { messagesAdded: 'messageAdded', messagesDeleted: 'messageDeleted', labelsAdded: 'labelAdded', labelsRemoved: 'labelRemoved' } as const;
const SYSTEM_LABELS = ['INBOX', 'SENT', 'TRASH', 'SPAM', 'UNREAD', 'IMPORTANT', 'STARRED', 'DRAFT'];

function header(raw: Buffer, name: string): string | null {
  const head = raw.toString('latin1').split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const match = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head);
  return match ? match[1]!.trim() : null;
}

export interface FakeGmailOptions {
  /** the Workspace users whose mailboxes exist */
  users: string[];
  /** the service account and its public key, as the admin registered it */
  serviceAccount: { clientEmail: string; publicKeyPem: string };
  /** domain-wide delegation: the scopes the admin allowed for the service account's client */
  delegatedScopes?: string[];
}

export class FakeGmail extends LoopbackService {
  private history = 1000;
  private readonly users = new Map<string, UserState>();
  private readonly tokens = new Map<string, string>();
  private delegatedScopes: string[];
  private failures: Array<{ status: number; reason: string }> = [];
  readonly requests: string[] = [];
  /** POSTs answered with a failure (modify, send: not retried by the client library) */
  failedPosts = 0;
  /** requests answered with a failure (429, 5xx) */
  refusedAnswers = 0;
  private readonly deleteAtFetch = new Set<string>();

  constructor(private readonly options: FakeGmailOptions) {
    super();
    for (const user of options.users) this.users.set(user.toLowerCase(), this.newUser());
    this.delegatedScopes = options.delegatedScopes ?? [GMAIL_SCOPE];
  }

  // ---- What happens in the mailbox, as a test says ----

  deliver(user: string, raw: Buffer): string {
    const u = this.user(user);
    const id = randomBytes(8).toString('hex');
    const message: Message = { id, threadId: id, raw, labelIds: new Set(['INBOX', 'UNREAD']), internalDate: Date.now(), messageIdHeader: header(raw, 'Message-ID'), historyId: 0 };
    u.messages.set(id, message);
    this.record(u, message, { kind: 'messagesAdded' });
    return id;
  }

  labelNamed(user: string, name: string): Label | undefined {
    return [...this.user(user).labels.values()].find((l) => l.name.toLowerCase() === name.toLowerCase() || (l.type === 'system' && l.id === name));
  }

  labelNames(user: string): string[] {
    return [...this.user(user).labels.values()].filter((l) => l.type === 'user').map((l) => l.name);
  }

  /** The Message-IDs of the messages carrying a label (a folder, for Gmail). */
  messageIdsIn(user: string, labelName: string): string[] {
    const label = this.labelNamed(user, labelName);
    if (!label) return [];
    return [...this.user(user).messages.values()].filter((m) => m.labelIds.has(label.id)).map((m) => m.messageIdHeader ?? '');
  }

  labelsOf(user: string, messageIdHeader: string): string[] {
    const m = this.byHeader(user, messageIdHeader);
    const u = this.user(user);
    return m ? [...m.labelIds].map((id) => u.labels.get(id)?.name ?? id) : [];
  }

  /** In the Gmail web client, "Move to": the folder's label is taken off and the other one put on. */
  moveByPerson(user: string, messageIdHeader: string, fromLabel: string, toLabel: string): boolean {
    const m = this.byHeader(user, messageIdHeader);
    const from = this.labelNamed(user, fromLabel);
    const to = this.labelNamed(user, toLabel);
    if (!m || !from || !to || !m.labelIds.has(from.id)) return false;
    this.modify(this.user(user), m, [to.id], [from.id]);
    return true;
  }

  deleteByPerson(user: string, messageIdHeader: string): boolean {
    const m = this.byHeader(user, messageIdHeader);
    if (!m) return false;
    const u = this.user(user);
    u.messages.delete(m.id);
    this.record(u, m, { kind: 'messagesDeleted' });
    return true;
  }

  /** The message is deleted by a person at the moment DaTamer fetches it (mid-pass). */
  deleteWhenFetched(messageIdHeader: string): void {
    this.deleteAtFetch.add(messageIdHeader);
  }

  sentMail(user: string): Buffer[] {
    return this.user(user).sent;
  }

  /** Gmail keeps history for a limited time: every history id given so far is now too old. */
  expireHistory(): void {
    for (const u of this.users.values()) u.oldestHistory = this.history + 1;
  }

  /** The next requests fail with these statuses (429 rateLimitExceeded, 500 backendError …). */
  fail(...statuses: number[]): void {
    this.failures.push(...statuses.map((status) => ({ status, reason: status === 429 ? 'rateLimitExceeded' : 'backendError' })));
  }

  /** The admin changes the domain-wide delegation's scopes; tokens already given stop working. */
  delegate(scopes: string[]): void {
    this.delegatedScopes = scopes;
    this.tokens.clear();
  }

  // ---- The service ----

  private newUser(): UserState {
    const labels = new Map<string, Label>(SYSTEM_LABELS.map((id) => [id, { id, name: id, type: 'system' as const }]));
    return { labels, messages: new Map(), history: [], oldestHistory: 0, sent: [] };
  }

  private user(user: string): UserState {
    const u = this.users.get(user.toLowerCase());
    if (!u) throw new Error(`the fake Gmail has no user ${user}`);
    return u;
  }

  private byHeader(user: string, messageIdHeader: string): Message | undefined {
    return [...this.user(user).messages.values()].find((m) => m.messageIdHeader === messageIdHeader);
  }

  private record(u: UserState, m: Message, change: { kind: 'messagesAdded' } | { kind: 'messagesDeleted' } | { kind: 'labelsAdded' | 'labelsRemoved'; changed: string[] }): void {
    const id = ++this.history;
    m.historyId = id;
    u.history.push({ id, messageId: m.id, labelIds: [...m.labelIds], ...change } as HistoryRecord);
  }

  private modify(u: UserState, m: Message, add: string[], remove: string[]): void {
    const added = add.filter((l) => !m.labelIds.has(l));
    const removed = remove.filter((l) => m.labelIds.has(l));
    for (const l of added) m.labelIds.add(l);
    for (const l of removed) m.labelIds.delete(l);
    if (added.length > 0) this.record(u, m, { kind: 'labelsAdded', changed: added });
    if (removed.length > 0) this.record(u, m, { kind: 'labelsRemoved', changed: removed });
  }

  protected failed(res: http.ServerResponse, err: unknown): void {
    this.error(res, 500, 'backendError', String(err));
  }

  private json(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(body));
  }

  private error(res: http.ServerResponse, code: number, reason: string, message: string): void {
    const status = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'ALREADY_EXISTS', 429: 'RESOURCE_EXHAUSTED' }[code] ?? 'INTERNAL';
    this.json(res, code, { error: { code, message, errors: [{ message, domain: 'global', reason }], status } });
  }

  /** The service account's signed JWT (RFC 7523), checked as Google does: signature, scopes, delegation. */
  private token(body: Buffer, res: http.ServerResponse): void {
    const form = new URLSearchParams(body.toString('utf8'));
    const assertion = form.get('assertion') ?? '';
    const [head, payload, signature] = assertion.split('.');
    const verify = createVerify('RSA-SHA256');
    verify.update(`${head}.${payload}`);
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8') || '{}') as { iss?: string; sub?: string; scope?: string };
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' || !signature || claims.iss !== this.options.serviceAccount.clientEmail || !verify.verify(this.options.serviceAccount.publicKeyPem, Buffer.from(signature, 'base64url'))) {
      return this.json(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    }
    const scopes = (claims.scope ?? '').split(' ');
    if (!claims.sub || !this.users.has(claims.sub.toLowerCase()) || !scopes.every((s) => this.delegatedScopes.includes(s))) {
      return this.json(res, 401, { error: 'unauthorized_client', error_description: 'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.' });
    }
    const token = `ya29.fake-${randomUUID()}`;
    this.tokens.set(token, claims.sub.toLowerCase());
    this.json(res, 200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
  }

  protected answer(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    this.requests.push(`${method} ${url.pathname}${url.search}`);
    if (url.pathname === '/token' && method === 'POST') return this.token(body, res);

    const route = /^\/gmail\/v1\/users\/([^/]+)(\/.*)$/.exec(url.pathname);
    if (!route) return this.error(res, 404, 'notFound', 'Not Found');
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const owner = this.tokens.get(bearer);
    if (!owner) return this.error(res, 401, 'authError', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
    const who = decodeURIComponent(route[1]!).toLowerCase();
    if (who !== 'me' && who !== owner) return this.error(res, 403, 'forbidden', 'Delegation denied for ' + owner);
    const failure = this.failures.shift();
    if (failure) {
      if (method === 'POST') this.failedPosts++;
      this.refusedAnswers++;
      return this.error(res, failure.status, failure.reason, failure.status === 429 ? 'Resource has been exhausted (e.g. check quota).' : 'Backend Error');
    }
    const u = this.user(owner);
    const rest = route[2]!;
    const input = () => JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
    let m: RegExpExecArray | null;

    if (rest === '/profile' && method === 'GET') {
      return this.json(res, 200, { emailAddress: owner, messagesTotal: u.messages.size, threadsTotal: u.messages.size, historyId: String(this.history) });
    }
    if (rest === '/labels') {
      if (method === 'GET') return this.json(res, 200, { labels: [...u.labels.values()] });
      if (method === 'POST') {
        const name = String(input().name ?? '');
        if ([...u.labels.values()].some((l) => l.name.toLowerCase() === name.toLowerCase())) return this.error(res, 409, 'duplicate', 'Label name exists or conflicts');
        const label: Label = { id: `Label_${u.labels.size + 1}${randomBytes(2).toString('hex')}`, name, type: 'user' };
        u.labels.set(label.id, label);
        return this.json(res, 200, { ...label, labelListVisibility: 'labelShow', messageListVisibility: 'show' });
      }
    }
    if (rest === '/messages/send' && method === 'POST') {
      const raw = Buffer.from(String(input().raw ?? ''), 'base64url');
      if (!header(raw, 'To') && !header(raw, 'Cc') && !header(raw, 'Bcc')) return this.error(res, 400, 'invalidArgument', 'Recipient address required');
      u.sent.push(raw);
      return this.json(res, 200, { id: randomBytes(8).toString('hex'), threadId: randomBytes(8).toString('hex'), labelIds: ['SENT'] });
    }
    if (rest === '/messages' && method === 'GET') {
      const labelIds = url.searchParams.getAll('labelIds');
      const q = url.searchParams.get('q') ?? '';
      let found = [...u.messages.values()].filter((msg) => labelIds.every((l) => msg.labelIds.has(l)) && !msg.labelIds.has('TRASH'));
      for (const term of q.split(/\s+/).filter(Boolean)) {
        const [op, ...value] = term.split(':');
        const v = value.join(':');
        if (op === 'rfc822msgid') found = found.filter((msg) => msg.messageIdHeader === v || msg.messageIdHeader === `<${v}>` || `<${msg.messageIdHeader}>` === v);
        else if (op === 'before') found = found.filter((msg) => msg.internalDate < Number(v) * 1000);
        else return this.error(res, 400, 'invalidArgument', `Invalid query: ${term}`);
      }
      found.sort((a, b) => b.internalDate - a.internalDate || b.historyId - a.historyId);
      const max = Number(url.searchParams.get('maxResults') ?? 100);
      const from = Number(url.searchParams.get('pageToken') ?? 0);
      const page = found.slice(from, from + max);
      return this.json(res, 200, {
        ...(page.length ? { messages: page.map((msg) => ({ id: msg.id, threadId: msg.threadId })) } : {}),
        ...(found.length > from + max ? { nextPageToken: String(from + max) } : {}),
        resultSizeEstimate: found.length,
      });
    }
    if ((m = /^\/messages\/([^/]+)(\/modify|\/trash)?$/.exec(rest))) {
      const asked = u.messages.get(m[1]!);
      if (asked && m[2] === undefined && url.searchParams.get('format') === 'raw' && asked.messageIdHeader && this.deleteAtFetch.delete(asked.messageIdHeader)) {
        u.messages.delete(asked.id);
        this.record(u, asked, { kind: 'messagesDeleted' });
      }
      const msg = u.messages.get(m[1]!);
      if (!msg) return this.error(res, 404, 'notFound', 'Requested entity was not found.');
      const shape = (format: string) => ({
        id: msg.id,
        threadId: msg.threadId,
        labelIds: [...msg.labelIds],
        historyId: String(msg.historyId),
        internalDate: String(msg.internalDate),
        sizeEstimate: msg.raw.length,
        ...(format === 'raw' ? { raw: msg.raw.toString('base64url') } : {}),
      });
      if (m[2] === undefined && method === 'GET') return this.json(res, 200, shape(url.searchParams.get('format') ?? 'full'));
      if (m[2] === '/modify' && method === 'POST') {
        const change = input() as { addLabelIds?: string[]; removeLabelIds?: string[] };
        for (const l of change.addLabelIds ?? []) if (!u.labels.has(l)) return this.error(res, 400, 'invalidArgument', `Invalid label: ${l}`);
        this.modify(u, msg, change.addLabelIds ?? [], change.removeLabelIds ?? []);
        return this.json(res, 200, shape('minimal'));
      }
      if (m[2] === '/trash' && method === 'POST') {
        this.modify(u, msg, ['TRASH'], ['INBOX']);
        return this.json(res, 200, shape('minimal'));
      }
    }
    if (rest === '/history' && method === 'GET') {
      const start = Number(url.searchParams.get('startHistoryId'));
      if (!Number.isFinite(start) || start < u.oldestHistory) return this.error(res, 404, 'notFound', 'Requested entity was not found.');
      const labelId = url.searchParams.get('labelId');
      const types = url.searchParams.getAll('historyTypes');
      const records = u.history.filter((h) => h.id > start && (!labelId || h.labelIds.includes(labelId)) && (types.length === 0 || types.includes(HISTORY_TYPE[h.kind])));
      const max = Number(url.searchParams.get('maxResults') ?? 100);
      const from = Number(url.searchParams.get('pageToken') ?? 0);
      const page = records.slice(from, from + max);
      const messageOf = (h: HistoryRecord) => ({ id: h.messageId, threadId: h.messageId, labelIds: h.labelIds });
      return this.json(res, 200, {
        ...(page.length
          ? {
              history: page.map((h) => ({
                id: String(h.id),
                messages: [messageOf(h)],
                ...(h.kind === 'messagesAdded' ? { messagesAdded: [{ message: messageOf(h) }] } : {}),
                ...(h.kind === 'messagesDeleted' ? { messagesDeleted: [{ message: messageOf(h) }] } : {}),
                ...(h.kind === 'labelsAdded' ? { labelsAdded: [{ message: messageOf(h), labelIds: h.changed }] } : {}),
                ...(h.kind === 'labelsRemoved' ? { labelsRemoved: [{ message: messageOf(h), labelIds: h.changed }] } : {}),
              })),
            }
          : {}),
        ...(records.length > from + max ? { nextPageToken: String(from + max) } : {}),
        historyId: String(this.history),
      });
    }
    return this.error(res, 400, 'invalidArgument', `Unsupported request: ${method} ${rest}`);
  }
}
