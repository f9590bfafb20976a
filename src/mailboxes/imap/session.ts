// The IMAP provider: a MailboxSession on imapflow. imapflow's errors and quirks stop here,
// translated into DatamerErrors a user can act on (a wrong password, a server that is gone).
// MOVE falls back to COPY + \Deleted + EXPUNGE inside imapflow where the server has no MOVE,
// and idle() polls with NOOP where the server has no IDLE.
import { ImapFlow } from 'imapflow';
import { DatamerError, messageOf } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { FolderStatus, MailboxSession, RemoteMessage } from '../provider.js';
import { describeImap, type ImapSettings } from './url.js';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'NoConnection', 'ClosedAfterConnectTLS', 'ClosedAfterConnectText', 'CONNECT_TIMEOUT', 'GREETING_TIMEOUT']);

type ImapError = Error & { code?: string; authenticationFailed?: boolean; responseText?: string };

/** One line that says what went wrong and where, without the password (imapflow never has it in messages). */
export function translateImapError(err: unknown, settings: ImapSettings): DatamerError {
  if (err instanceof DatamerError) return err;
  const e = err as ImapError;
  const where = describeImap(settings);
  if (e?.authenticationFailed) {
    const said = e.responseText ? ` (the server said: ${e.responseText})` : '';
    return new DatamerError('MAILBOX_AUTH', `${where}: login refused: wrong user name or password${said}`, { permanent: true, cause: err });
  }
  if (e?.code && UNREACHABLE.has(e.code)) {
    return new DatamerError('MAILBOX_UNREACHABLE', `${where}: cannot reach the server (${e.code}: ${messageOf(err)})`, { permanent: false, cause: err });
  }
  if (/certificate|self[- ]signed|TLS|SSL/i.test(messageOf(err))) {
    return new DatamerError('MAILBOX_UNREACHABLE', `${where}: TLS failed: ${messageOf(err)}`, { permanent: false, cause: err });
  }
  const said = e?.responseText ? `: ${e.responseText}` : '';
  return new DatamerError('MAILBOX_PROTOCOL', `${where}: ${messageOf(err)}${said}`, { permanent: false, cause: err });
}

const range = (uids: number[]) => uids.join(',');

export async function openImapSession(settings: ImapSettings, password: string, log: Logger): Promise<MailboxSession> {
  const client = new ImapFlow({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    ...(settings.starttls === 'require' ? { doSTARTTLS: true } : settings.starttls === 'never' ? { doSTARTTLS: false } : {}),
    auth: { user: settings.user, pass: password },
    tls: { rejectUnauthorized: settings.rejectUnauthorized },
    logger: false,
    // DaTamer decides when to IDLE (waitForNews); between its own commands the line stays quiet.
    disableAutoIdle: true,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    clientInfo: { name: 'DaTamer' },
  });
  // Without a listener an 'error' event would end the process; the next command fails instead.
  client.on('error', (err: unknown) => log.warn({ mailbox: describeImap(settings), err: messageOf(err) }, 'IMAP connection error'));

  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw translateImapError(err, settings);
    }
  };
  /** Every command on a folder runs under imapflow's lock on it, one at a time. */
  const inFolder = <T>(path: string, work: () => Promise<T>): Promise<T> =>
    run(async () => {
      const lock = await client.getMailboxLock(path);
      try {
        return await work();
      } finally {
        lock.release();
      }
    });

  await run(() => client.connect());
  const namespace = client.namespace;
  const delimiter = namespace?.delimiter ?? null;

  const session: MailboxSession = {
    delimiter,
    prefix: namespace?.prefix ?? '',
    async createFolder(path) {
      await run(async () => {
        await client.mailboxCreate(path);
      });
    },
    async status(path): Promise<FolderStatus> {
      const status = await run(() => client.status(path, { uidNext: true, uidValidity: true, messages: true }));
      if (!status) throw new DatamerError('MAILBOX_PROTOCOL', `${describeImap(settings)}: no STATUS for folder "${path}"`, { permanent: false });
      return { uidValidity: Number(status.uidValidity ?? 0), uidNext: status.uidNext ?? 1, messages: status.messages ?? 0 };
    },
    uidsFrom: (path, fromUid) =>
      inFolder(path, async () => {
        // `n:*` always includes the highest UID, even below n (RFC 3501 §6.4.8): filter.
        const found = await client.search({ uid: `${Math.max(1, fromUid)}:*` }, { uid: true });
        if (!found) throw new DatamerError('MAILBOX_PROTOCOL', `${describeImap(settings)}: the server refused to list the messages of "${path}"`, { permanent: false });
        return found.filter((uid) => uid >= fromUid).sort((a, b) => a - b);
      }),
    fetch: (path, uids) =>
      uids.length === 0
        ? Promise.resolve([])
        : inFolder(path, async () => {
            const got: RemoteMessage[] = [];
            for await (const m of client.fetch(range(uids), { uid: true, source: true }, { uid: true })) {
              if (m.source) got.push({ uid: m.uid, raw: m.source });
            }
            return got.sort((a, b) => a.uid - b.uid);
          }),
    addKeywords: (path, uids, keywords) =>
      uids.length === 0 ? Promise.resolve() : inFolder(path, async () => void (await client.messageFlagsAdd(range(uids), keywords, { uid: true }))),
    move: (path, uids, target) =>
      uids.length === 0
        ? Promise.resolve(new Map())
        : inFolder(path, async () => {
            // imapflow reports a refused MOVE as `false`, not as an error.
            const moveTo = () => client.messageMove(range(uids), target, { uid: true });
            let moved = await moveTo();
            // Most often the folder is gone (someone deleted it): make it again and file anyway.
            // Only then: without MOVE, a retry after a copy that worked would copy twice.
            if (moved === false && (await client.status(target, { messages: true }).catch(() => false)) === false) {
              await client.mailboxCreate(target);
              moved = await moveTo();
            }
            if (moved === false) throw new DatamerError('MAILBOX_PROTOCOL', `${describeImap(settings)}: the server refused to move messages from "${path}" to "${target}"`, { permanent: false });
            return moved.uidMap ?? new Map<number, number>();
          }),
    remove: (path, uids) =>
      uids.length === 0
        ? Promise.resolve()
        : inFolder(path, async () => {
            if (!(await client.messageDelete(range(uids), { uid: true }))) {
              throw new DatamerError('MAILBOX_PROTOCOL', `${describeImap(settings)}: the server refused to delete messages from "${path}"`, { permanent: false });
            }
          }),
    findByMessageId: (path, messageIdHeader) =>
      inFolder(path, async () => {
        const found = await client.search({ header: { 'message-id': messageIdHeader } }, { uid: true });
        if (!found) throw new DatamerError('MAILBOX_PROTOCOL', `${describeImap(settings)}: the server refused to search "${path}"`, { permanent: false });
        return found;
      }),
    async waitForNews(path, ms, signal) {
      if (signal.aborted || !client.usable) return;
      await inFolder(path, async () => {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            client.off('exists', onExists);
            client.off('close', done);
            signal.removeEventListener('abort', done);
            resolve();
          };
          const onExists = (update: { path: string }) => {
            if (update.path === path) done();
          };
          const timer = setTimeout(done, ms);
          client.on('exists', onExists);
          client.on('close', done);
          signal.addEventListener('abort', done);
          // Resolves when IDLE ends: the next command (after done()) breaks it.
          client.idle().catch(() => done());
        });
      });
    },
    async close() {
      try {
        await client.logout();
      } catch {
        client.close();
      }
    },
  };
  return session;
}
