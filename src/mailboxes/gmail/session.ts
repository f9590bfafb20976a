// The Gmail provider: a MailboxSession on one Workspace user's mailbox through the official
// per-API client (@googleapis/gmail, from the googleapis project: docs/mailbox.md says why not
// the whole `googleapis`). From the Gmail API v1 reference:
// - folders are labels (`DaTamer/acme/db`), and a message can carry several: filing adds the
//   folder's label and takes off the one it was filed from (INBOX);
// - changes come from `history.list` per label from the stored history id; a history id that is
//   too old answers 404, and the label is read again in full ("perform a full sync");
// - raw RFC 2822 by `format: 'raw'`; severity as a label; trash; sending as the user by send.
// The client library retries GETs but not POSTs (modify, trash, send) and ignores Retry-After:
// every call here goes through one retry with backoff of its own instead.
import { setTimeout as sleep } from 'node:timers/promises';
import { gmail, type gmail_v1 } from '@googleapis/gmail';
import { JWT } from 'google-auth-library';
import type { Severity } from '../../classification/tags.js';
import { DatamerError } from '../../errors.js';
import { severityKeyword } from '../folders.js';
import type { ChangePage, Cursor, MailboxSession, MessageRef, RemoteMessage } from '../provider.js';
import { isRetryable, statusOf, translateGmailError, translateGmailSendError } from './errors.js';
import { GMAIL_INBOX, GMAIL_SCOPES, GOOGLE_TOKEN_URL, parseServiceAccountKey, type GmailSettings } from './settings.js';

const DELIMITER = '/';
const TRIES = 6;
const PARALLEL = 4;

/** A stored cursor: the label, the history id, and where a page or a full listing left off. */
interface HistoryCursor {
  label: string;
  h: string;
  page?: string;
  /** a full listing of the label in progress (after a 404), at this page token ('' = first) */
  full?: string;
}

export async function openGmailSession(settings: GmailSettings, keyText: string): Promise<MailboxSession> {
  const key = parseServiceAccountKey(keyText);
  // The service account acts for the mailbox's user (`subject`): domain-wide delegation.
  const auth = new JWT({ email: key.client_email, key: key.private_key, scopes: GMAIL_SCOPES, subject: settings.mailbox });
  if (settings.tokenUrl !== GOOGLE_TOKEN_URL) {
    // The token URL is fixed inside the library; another one (a test server) is reached by rewriting it.
    auth.transporter.interceptors.request.add({
      resolved: async (config) => {
        if (String(config.url) === GOOGLE_TOKEN_URL) config.url = new URL(settings.tokenUrl);
        return config;
      },
    });
  }
  // The client library carries its own copy of google-auth-library: the same JWT at run time,
  // another declaration for the compiler.
  const api = gmail({ version: 'v1', auth: auth as unknown as gmail_v1.Options['auth'], rootUrl: settings.apiUrl, retry: false });
  const userId = 'me';
  const labels = new Map<string, string>();

  /** Quota (429, 403 rate limits) and 5xx: waited out with backoff, Retry-After where Google sends one. */
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (err) {
        if (statusOf(err) === 401 && !renewed) {
          // A token refused before it expires (access revoked) is asked for anew once, so the
          // admin reads Google's reason for refusing, not only that the old token stopped working.
          renewed = true;
          auth.credentials = { ...auth.credentials, expiry_date: 1 };
          continue;
        }
        if (!isRetryable(err) || attempt >= TRIES) throw err;
        const retryAfter = Number((err as { response?: { headers?: Record<string, string> } }).response?.headers?.['retry-after']);
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, 30_000) : Math.min(250 * 2 ** (attempt - 1), 8_000) * (0.8 + Math.random() * 0.4));
      }
    }
  };
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw translateGmailError(err, settings);
    }
  };

  async function loadLabels(): Promise<void> {
    const listed = (await call(() => api.users.labels.list({ userId }))).data.labels ?? [];
    labels.clear();
    for (const l of listed) if (l.id && l.name) labels.set(l.name.toLowerCase(), l.id);
  }

  /** The label's id by its name; made (with its parents, so Gmail shows them nested) when asked. */
  async function label(name: string, create: boolean): Promise<string | null> {
    if (name.toUpperCase() === GMAIL_INBOX) return GMAIL_INBOX;
    if (!labels.has(name.toLowerCase())) await loadLabels();
    const known = labels.get(name.toLowerCase());
    if (known || !create) return known ?? null;
    const segments = name.split(DELIMITER);
    for (let i = 1; i <= segments.length; i++) {
      const prefix = segments.slice(0, i).join(DELIMITER);
      if (labels.has(prefix.toLowerCase())) continue;
      try {
        const made = (await call(() => api.users.labels.create({ userId, requestBody: { name: prefix, labelListVisibility: 'labelShow', messageListVisibility: 'show' } }))).data;
        labels.set(prefix.toLowerCase(), made.id!);
      } catch (err) {
        // Made meanwhile by someone else.
        if (statusOf(err) !== 409) throw err;
        await loadLabels();
      }
    }
    return labels.get(name.toLowerCase()) ?? null;
  }

  async function folder(path: string): Promise<string> {
    const id = await label(path, false);
    if (!id) throw new DatamerError('MAILBOX_FOLDER_GONE', `gmail:${settings.mailbox}: the label "${path}" is gone`, { permanent: false });
    return id;
  }

  async function listAll(request: gmail_v1.Params$Resource$Users$Messages$List): Promise<string[]> {
    const ids: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = (await call(() => api.users.messages.list({ ...request, userId, maxResults: 500, ...(pageToken ? { pageToken } : {}) }))).data;
      ids.push(...(page.messages ?? []).map((m) => m.id!));
      pageToken = page.nextPageToken ?? undefined;
    } while (pageToken);
    return ids;
  }

  /** Each message, a few at a time; one deleted meanwhile (404) is left out. */
  async function each<T>(refs: MessageRef[], work: (ref: MessageRef) => Promise<T>): Promise<Array<T | null>> {
    const results: Array<T | null> = new Array(refs.length).fill(null);
    let next = 0;
    const worker = async () => {
      while (next < refs.length) {
        const i = next++;
        try {
          results[i] = await call(() => work(refs[i]!));
        } catch (err) {
          if (statusOf(err) !== 404) throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, refs.length) }, worker));
    return results;
  }

  const cursorText = (c: HistoryCursor): Cursor => JSON.stringify(c);
  const cursorOf = (text: Cursor): HistoryCursor | null => {
    try {
      const c = JSON.parse(text) as HistoryCursor;
      return typeof c.label === 'string' && typeof c.h === 'string' ? c : null;
    } catch {
      return null;
    }
  };
  const currentHistory = async () => String((await call(() => api.users.getProfile({ userId }))).data.historyId);

  /** One page of a full listing of the label, oldest first within the page. */
  async function fullPage(labelId: string, h: string, pageToken: string, limit: number, reset: boolean): Promise<ChangePage> {
    const page = (await call(() => api.users.messages.list({ userId, labelIds: [labelId], maxResults: limit, ...(pageToken ? { pageToken } : {}) }))).data;
    const next = page.nextPageToken ?? undefined;
    return {
      arrived: (page.messages ?? []).map((m) => m.id!).reverse(),
      cursor: cursorText(next ? { label: labelId, h, full: next } : { label: labelId, h }),
      more: next !== undefined,
      reset,
    };
  }

  const session: MailboxSession = {
    delimiter: DELIMITER,
    prefix: '',
    createFolder: (path) => run(async () => void (await label(path, true))),
    listFolders: (path) =>
      run(async () => {
        // Labels nest by their names (`DaTamer/acme/db`): the ones below are those named so.
        const listed = (await call(() => api.users.labels.list({ userId }))).data.labels ?? [];
        const below = `${path}${DELIMITER}`.toLowerCase();
        return listed.filter((l) => l.type === 'user' && l.name && l.name.toLowerCase().startsWith(below)).map((l) => l.name!);
      }),
    start: (path) =>
      run(async () => {
        const labelId = await folder(path);
        const h = await currentHistory();
        const newest = (await call(() => api.users.messages.list({ userId, labelIds: [labelId], maxResults: 1 }))).data.messages?.[0]?.id;
        const mark = newest ? String((await call(() => api.users.messages.get({ userId, id: newest, format: 'minimal' }))).data.internalDate ?? '') : '';
        return { cursor: cursorText({ label: labelId, h }), backlog: mark };
      }),
    changes: (path, cursor, limit) =>
      run(async (): Promise<ChangePage> => {
        const labelId = await folder(path);
        const from = cursorOf(cursor);
        if (!from || from.label !== labelId) return fullPage(labelId, await currentHistory(), '', limit, true);
        if (from.full !== undefined) return fullPage(labelId, from.h, from.full, limit, false);
        let page: gmail_v1.Schema$ListHistoryResponse;
        try {
          page = (
            await call(() =>
              api.users.history.list({ userId, startHistoryId: from.h, labelId, historyTypes: ['messageAdded', 'labelAdded'], maxResults: limit, ...(from.page ? { pageToken: from.page } : {}) }),
            )
          ).data;
        } catch (err) {
          // "A historyId is typically valid for at least a week … an HTTP 404 … perform a full sync."
          if (statusOf(err) !== 404) throw err;
          return fullPage(labelId, await currentHistory(), '', limit, true);
        }
        const arrived: string[] = [];
        for (const record of page.history ?? []) {
          for (const added of record.messagesAdded ?? []) if (added.message?.labelIds?.includes(labelId)) arrived.push(added.message.id!);
          for (const added of record.labelsAdded ?? []) if (added.labelIds?.includes(labelId)) arrived.push(added.message!.id!);
        }
        const next = page.nextPageToken ?? undefined;
        return {
          arrived: [...new Set(arrived)],
          cursor: cursorText(next ? { label: labelId, h: from.h, page: next } : { label: labelId, h: String(page.historyId ?? from.h) }),
          more: next !== undefined,
          reset: false,
        };
      }),
    backlog: (path, mark) =>
      run(async () => {
        if (!mark) return [];
        const labelId = await folder(path);
        // `before:` takes seconds; a message of the same second as the mark is taken too.
        return (await listAll({ userId, labelIds: [labelId], q: `before:${Math.floor(Number(mark) / 1000) + 1}` })).reverse();
      }),
    fetch: (path, refs) =>
      run(async () => {
        const labelId = await folder(path);
        // The history of a label lists every message that ever got it since the cursor, also one
        // that has left it since (DaTamer filed it there, an engineer moved it on before the next
        // pass): only the messages that still carry the label are in the folder.
        const messages = await each(refs, async (id) => (await api.users.messages.get({ userId, id, format: 'raw' })).data);
        const got: RemoteMessage[] = [];
        messages.forEach((m, i) => m && (m.labelIds ?? []).includes(labelId) && got.push({ ref: refs[i]!, raw: Buffer.from(m.raw ?? '', 'base64url') }));
        return got;
      }),
    markSeverity: (_path, refs, severity: Severity) =>
      run(async () => {
        const labelId = (await label(severityKeyword(severity), true))!;
        await each(refs, (id) => api.users.messages.modify({ userId, id, requestBody: { addLabelIds: [labelId] } }));
      }),
    move: (path, refs, target) =>
      run(async () => {
        const from = await folder(path);
        const to = (await label(target, true))!;
        const moved = await each(refs, (id) => api.users.messages.modify({ userId, id, requestBody: { addLabelIds: [to], removeLabelIds: [from] } }));
        // A message keeps its id whatever labels it carries.
        return new Map(refs.filter((_, i) => moved[i] !== null).map((ref) => [ref, ref]));
      }),
    remove: (_path, refs) =>
      run(async () => {
        // To the trash (kept 30 days): deleting for good needs the full https://mail.google.com/ scope.
        await each(refs, (id) => api.users.messages.trash({ userId, id }));
      }),
    findByMessageId: (path, messageIdHeader) =>
      run(async () => {
        const labelId = await folder(path);
        return listAll({ userId, labelIds: [labelId], q: `rfc822msgid:${messageIdHeader.replace(/^<|>$/g, '')}` });
      }),
    async waitForNews(_path, ms, signal) {
      // Push (users.watch) needs Cloud Pub/Sub: DaTamer polls the history instead.
      if (signal.aborted) return;
      await sleep(ms, undefined, { signal }).catch(() => undefined);
    },
    async send(raw) {
      try {
        await call(() => api.users.messages.send({ userId, requestBody: { raw: raw.toString('base64url') } }));
      } catch (err) {
        throw translateGmailSendError(err, settings);
      }
    },
    async close() {
      // Nothing stays open: every request is its own.
    },
  };
  // A key Google refuses, or a user the service account may not act for, fails here.
  await run(() => currentHistory());
  return session;
}
