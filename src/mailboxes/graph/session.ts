// The Microsoft Graph provider: a MailboxSession on one shared mailbox, through the official
// client (client.ts). Endpoints and shapes from the Graph v1.0 reference:
// - folders: mailFolders, childFolders (created under the root, beside the Inbox);
// - new and changed mail: per-folder `messages/delta`, resumed from the stored delta link;
//   `@removed` entries are messages that left the folder. An expired link answers 410 Gone or
//   syncStateNotFound: the folder is read again from the start ("be prepared for replays");
// - ids are immutable (`Prefer: IdType="ImmutableId"`), so a moved message keeps its reference;
// - raw MIME by `$value`; severity as an Outlook category; move; DELETE (to Deleted Items);
//   sending as the mailbox by `sendMail` (needs Mail.Send).
import { ResponseType, type Client } from '@microsoft/microsoft-graph-client';
import type { Severity } from '../../classification/tags.js';
import { DatamerError } from '../../errors.js';
import { severityKeyword } from '../folders.js';
import type { ChangePage, Cursor, MailboxSession, MessageRef, RemoteMessage } from '../provider.js';
import { graphClient, tokenSource } from './client.js';
import { translateGraphError, translateGraphSendError } from './errors.js';
import { GRAPH_INBOX, type GraphSettings } from './settings.js';

interface FolderJson {
  id: string;
  displayName: string;
  childFolderCount?: number;
}
interface Page<T> {
  value: T[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}
interface DeltaItem {
  id: string;
  receivedDateTime?: string;
  '@removed'?: { reason: string };
}
/** A stored cursor: the folder it belongs to (a folder made again has a new id) and the link. */
interface DeltaCursor {
  folder: string;
  link: string;
}

const DELIMITER = '/';
const DELTA_SELECT = 'id,receivedDateTime';
const FOLDER_PAGE = 250;

/** A next or delta link as a path the client takes (its api() only strips https:// prefixes). */
function pathOf(link: string): string {
  const url = new URL(link, 'https://graph.invalid');
  return url.pathname.replace(/^\/v1\.0(?=\/)/, '') + url.search;
}

const statusOf = (err: unknown) => (err as { statusCode?: number }).statusCode;
const codeOf = (err: unknown) => String((err as { code?: string }).code ?? '');
const isGone = (err: unknown) => statusOf(err) === 404;
const isExpired = (err: unknown) => statusOf(err) === 410 || /syncStateNotFound|SyncStateInvalid/i.test(codeOf(err)) || /syncStateNotFound/i.test(String((err as Error).message));

export async function openGraphSession(settings: GraphSettings, secret: string): Promise<MailboxSession> {
  const tokens = tokenSource(settings, secret);
  const client: Client = graphClient(settings, tokens);
  const user = `/users/${encodeURIComponent(settings.mailbox)}`;
  const folderIds = new Map<string, string>();

  /** Runs a request; a refused token is asked for anew once (it may have been revoked early). */
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      if (statusOf(err) !== 401) throw err;
      tokens.forget();
      return work();
    }
  };
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await call(work);
    } catch (err) {
      throw translateGraphError(err, settings);
    }
  };
  const get = <T>(path: string, prefer?: string): Promise<T> => call(() => (prefer ? client.api(path).header('Prefer', prefer).get() : client.api(path).get()) as Promise<T>);

  async function all<T>(path: string): Promise<T[]> {
    const found: T[] = [];
    for (let next: string | undefined = path; next; ) {
      const page: Page<T> = await get<Page<T>>(next);
      found.push(...page.value);
      next = page['@odata.nextLink'] ? pathOf(page['@odata.nextLink']) : undefined;
    }
    return found;
  }

  const childrenPath = (parent: string | null) => (parent === null ? `${user}/mailFolders?$top=${FOLDER_PAGE}` : `${user}/mailFolders/${encodeURIComponent(parent)}/childFolders?$top=${FOLDER_PAGE}`);

  /** The folder's id by its path of display names (compared without case, as Exchange does); null if missing. */
  async function resolve(path: string, create: boolean): Promise<string | null> {
    const key = path.toLowerCase();
    const known = folderIds.get(key);
    if (known) return known;
    const segments = path.split(DELIMITER);
    let parent: string | null = null;
    for (const [i, name] of segments.entries()) {
      const prefix = segments.slice(0, i + 1).join(DELIMITER).toLowerCase();
      const cached = folderIds.get(prefix);
      if (cached) {
        parent = cached;
        continue;
      }
      let id: string | undefined;
      if (i === 0 && name.toLowerCase() === GRAPH_INBOX.toLowerCase()) {
        // The inbox by its well-known name: its display name is in the mailbox's language.
        id = (await get<FolderJson>(`${user}/mailFolders/inbox`)).id;
      } else {
        id = (await all<FolderJson>(childrenPath(parent))).find((f) => f.displayName.toLowerCase() === name.toLowerCase())?.id;
      }
      if (!id && !create) return null;
      if (!id) {
        try {
          const made = await call(() => client.api(parent === null ? `${user}/mailFolders` : `${user}/mailFolders/${encodeURIComponent(parent)}/childFolders`).post({ displayName: name }) as Promise<FolderJson>);
          id = made.id;
        } catch (err) {
          // Made meanwhile by someone else (another DaTamer process, an engineer).
          if (codeOf(err) !== 'ErrorFolderExists') throw err;
          id = (await all<FolderJson>(childrenPath(parent))).find((f) => f.displayName.toLowerCase() === name.toLowerCase())?.id;
          if (!id) throw err;
        }
      }
      folderIds.set(prefix, id);
      parent = id;
    }
    return parent;
  }

  /** The folder's id, or MAILBOX_FOLDER_GONE. */
  async function folder(path: string): Promise<string> {
    const id = await resolve(path, false);
    if (!id) throw new DatamerError('MAILBOX_FOLDER_GONE', `graph:${settings.mailbox}: the folder "${path}" is gone`, { permanent: false });
    return id;
  }

  /** A cached folder id that no longer answers (deleted, perhaps made again): looked up afresh. */
  async function inFolder<T>(path: string, work: (id: string) => Promise<T>): Promise<T> {
    const id = await folder(path);
    try {
      return await work(id);
    } catch (err) {
      if (!isGone(err) || codeOf(err) !== 'ErrorItemNotFound') throw err;
      for (const key of [...folderIds.keys()]) if (key === path.toLowerCase() || key.startsWith(`${path.toLowerCase()}/`)) folderIds.delete(key);
      return work(await folder(path));
    }
  }

  const deltaStart = (id: string) => `${user}/mailFolders/${encodeURIComponent(id)}/messages/delta?$select=${DELTA_SELECT}`;
  const cursorText = (c: DeltaCursor): Cursor => JSON.stringify(c);
  const cursorOf = (text: Cursor): DeltaCursor | null => {
    try {
      const c = JSON.parse(text) as DeltaCursor;
      return typeof c.folder === 'string' && typeof c.link === 'string' ? c : null;
    } catch {
      return null;
    }
  };
  const deltaPage = (link: string, limit: number) => get<Page<DeltaItem>>(link, `odata.maxpagesize=${limit}`);

  /** Each message, at most 4 at a time (client.ts); a message deleted meanwhile is left out. */
  async function each<T>(refs: MessageRef[], work: (ref: MessageRef) => Promise<T>): Promise<Array<T | null>> {
    return Promise.all(
      refs.map(async (ref) => {
        try {
          return await call(() => work(ref));
        } catch (err) {
          if (isGone(err)) return null;
          throw err;
        }
      }),
    );
  }
  const message = (ref: MessageRef) => `${user}/messages/${encodeURIComponent(ref)}`;

  const session: MailboxSession = {
    delimiter: DELIMITER,
    prefix: '',
    createFolder: (path) => run(async () => void (await resolve(path, true))),
    listFolders: (path) =>
      run(async () => {
        const top = await resolve(path, false);
        if (!top) return [];
        // Level by level; only folders that have children are asked for theirs (a claim folder has none).
        const found: string[] = [];
        let level: Array<{ id: string; path: string }> = [{ id: top, path }];
        while (level.length > 0) {
          const next: Array<{ id: string; path: string }> = [];
          for (const parent of level) {
            for (const child of await all<FolderJson>(childrenPath(parent.id))) {
              const childPath = `${parent.path}${DELIMITER}${child.displayName}`;
              folderIds.set(childPath.toLowerCase(), child.id);
              found.push(childPath);
              if ((child.childFolderCount ?? 1) > 0) next.push({ id: child.id, path: childPath });
            }
          }
          level = next;
        }
        return found;
      }),
    start: (path) =>
      run(async () => {
        const id = await folder(path);
        let newest = '';
        let link = deltaStart(id);
        for (;;) {
          const page = await deltaPage(link, 500);
          for (const item of page.value) if (!item['@removed'] && item.receivedDateTime && item.receivedDateTime > newest) newest = item.receivedDateTime;
          if (page['@odata.nextLink']) link = pathOf(page['@odata.nextLink']);
          else return { cursor: cursorText({ folder: id, link: pathOf(page['@odata.deltaLink']!) }), backlog: newest };
        }
      }),
    changes: (path, cursor, limit) =>
      run(async (): Promise<ChangePage> => {
        let id = await folder(path);
        const from = cursorOf(cursor);
        let reset = from === null || from.folder !== id;
        let page: Page<DeltaItem>;
        try {
          page = await deltaPage(reset ? deltaStart(id) : from!.link, limit);
        } catch (err) {
          if (isGone(err) && codeOf(err) === 'ErrorItemNotFound') {
            // The folder was deleted since its id was looked up: gone, or made again with a new id.
            folderIds.delete(path.toLowerCase());
            id = await folder(path);
          } else if (!isExpired(err)) throw err;
          reset = true;
          page = await deltaPage(deltaStart(id), limit);
        }
        const next = page['@odata.nextLink'] ?? page['@odata.deltaLink'];
        if (!next) throw new DatamerError('MAILBOX_PROTOCOL', `graph:${settings.mailbox}: a delta page without a next or delta link`, { permanent: false });
        return {
          arrived: page.value.filter((item) => !item['@removed']).map((item) => item.id),
          cursor: cursorText({ folder: id, link: pathOf(next) }),
          more: page['@odata.nextLink'] !== undefined,
          reset,
        };
      }),
    backlog: (path, mark) =>
      run(async () => {
        if (!mark) return [];
        return inFolder(path, async (id) => {
          const filter = encodeURIComponent(`receivedDateTime le ${mark}`);
          const found = await all<{ id: string }>(`${user}/mailFolders/${encodeURIComponent(id)}/messages?$filter=${filter}&$orderby=receivedDateTime%20asc&$select=id&$top=100`);
          return found.map((m) => m.id);
        });
      }),
    fetch: (_path, refs) =>
      run(async () => {
        const raws = await each(refs, async (ref) => Buffer.from(await (client.api(`${message(ref)}/$value`).responseType(ResponseType.ARRAYBUFFER).get() as Promise<ArrayBuffer>)));
        const got: RemoteMessage[] = [];
        raws.forEach((raw, i) => raw && got.push({ ref: refs[i]!, raw }));
        return got;
      }),
    markSeverity: (_path, refs, severity: Severity) =>
      run(async () => {
        const category = severityKeyword(severity);
        await each(refs, async (ref) => {
          const { categories } = (await client.api(message(ref)).select('categories').get()) as { categories?: string[] };
          if (categories?.includes(category)) return;
          await client.api(message(ref)).patch({ categories: [...(categories ?? []), category] });
        });
      }),
    move: (_path, refs, target) =>
      run(async () => {
        const destinationId = await resolve(target, true);
        const moved = await each(refs, async (ref) => {
          try {
            return ((await client.api(`${message(ref)}/move`).post({ destinationId })) as { id: string }).id;
          } catch (err) {
            // The target folder was deleted since it was looked up: made again, once.
            if (!isGone(err) || codeOf(err) !== 'ErrorItemNotFound' || (await client.api(message(ref)).select('id').get().then(() => false, () => true))) throw err;
            folderIds.delete(target.toLowerCase());
            return ((await client.api(`${message(ref)}/move`).post({ destinationId: await resolve(target, true) })) as { id: string }).id;
          }
        });
        const refsThere = new Map<MessageRef, MessageRef>();
        moved.forEach((id, i) => id && refsThere.set(refs[i]!, id));
        return refsThere;
      }),
    remove: (_path, refs) =>
      run(async () => {
        await each(refs, (ref) => client.api(message(ref)).delete() as Promise<unknown>);
      }),
    findByMessageId: (path, messageIdHeader) =>
      run(() =>
        inFolder(path, async (id) => {
          // OData string literals double their single quotes.
          const filter = encodeURIComponent(`internetMessageId eq '${messageIdHeader.replace(/'/g, "''")}'`);
          return (await all<{ id: string }>(`${user}/mailFolders/${encodeURIComponent(id)}/messages?$filter=${filter}&$select=id`)).map((m) => m.id);
        }),
      ),
    async waitForNews(_path, ms, signal) {
      // Push needs a public HTTPS endpoint (subscriptions): DaTamer polls the delta instead.
      if (signal.aborted) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener('abort', done);
      });
    },
    async send(raw) {
      // MIME, base64-encoded, as text/plain ("Send Outlook messages in MIME format"); 202, no body.
      try {
        await call(() => client.api(`${user}/sendMail`).header('Content-Type', 'text/plain').post(raw.toString('base64')) as Promise<unknown>);
      } catch (err) {
        throw translateGraphSendError(err, settings);
      }
    },
    async close() {
      // Nothing stays open: every request is its own.
    },
  };
  // A mailbox the app cannot reach fails here, where the watcher records it, not at the first pass.
  await run(() => folder(GRAPH_INBOX));
  return session;
}
