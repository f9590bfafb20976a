// The IMAP provider: a MailboxSession on imapflow. imapflow's errors and quirks stop here,
// translated into DatamerErrors a user can act on (errors.ts: a wrong password, a server that is gone).
// MOVE falls back to COPY + \Deleted + EXPUNGE inside imapflow where the server has no MOVE,
// and idle() polls with NOOP where the server has no IDLE.
//
// A message reference is `<UIDVALIDITY>:<UID>` and a folder cursor `<UIDVALIDITY>:<last UID>`
// (RFC 3501 §2.3.1.1: a UID names a message only together with its folder's UIDVALIDITY), so a
// reference or cursor from before the server renumbered the folder never names a new message.
import { ImapFlow } from 'imapflow';
import { DatamerError, messageOf } from '../../errors.js';
import { translateImapError } from './errors.js';
import type { Logger } from '../../log.js';
import type { Severity } from '../../classification/tags.js';
import { severityKeyword } from '../folders.js';
import type { ChangePage, MailboxSession, MessageRef, RemoteMessage } from '../provider.js';
import { describeImap, type ImapSettings } from './url.js';

const range = (uids: number[]) => uids.join(',');

interface Position {
  validity: string;
  uid: number;
}

/** `<UIDVALIDITY>:<UID>`: a reference, a cursor (the last UID read) or a backlog mark (the last UID there). */
const positionOf = (text: string): Position | null => {
  const match = /^(\d+):(\d+)$/.exec(text);
  return match ? { validity: match[1]!, uid: Number(match[2]) } : null;
};
const positionText = (validity: string | number | bigint, uid: number): string => `${validity}:${uid}`;

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
  const where = describeImap(settings);

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

  /** STATUS, or MAILBOX_FOLDER_GONE when the folder is not listed (someone deleted it). */
  const status = async (path: string) => {
    try {
      const found = await run(() => client.status(path, { uidNext: true, uidValidity: true, messages: true }));
      if (found) return { validity: String(found.uidValidity ?? 0), uidNext: found.uidNext ?? 1 };
    } catch (err) {
      const listed = await run(() => client.list());
      if (listed.some((f) => f.path === path)) throw err;
      throw new DatamerError('MAILBOX_FOLDER_GONE', `${where}: the folder "${path}" is gone`, { permanent: false, cause: err });
    }
    throw new DatamerError('MAILBOX_PROTOCOL', `${where}: no STATUS for folder "${path}"`, { permanent: false });
  };
  const uidsFrom = (path: string, fromUid: number) =>
    inFolder(path, async () => {
      // `n:*` always includes the highest UID, even below n (RFC 3501 §6.4.8): filter.
      const found = await client.search({ uid: `${Math.max(1, fromUid)}:*` }, { uid: true });
      if (!found) throw new DatamerError('MAILBOX_PROTOCOL', `${where}: the server refused to list the messages of "${path}"`, { permanent: false });
      return found.filter((uid) => uid >= fromUid).sort((a, b) => a - b);
    });
  /** The folder's UIDVALIDITY as SELECT gave it (inside inFolder). */
  const selectedValidity = (): string => {
    const mailbox = client.mailbox;
    return String(mailbox ? mailbox.uidValidity : 0);
  };
  /** Inside inFolder: the UIDs of references that still belong to the folder as it is numbered now. */
  const uidsOf = (refs: MessageRef[]): number[] => {
    const validity = selectedValidity();
    return refs
      .map(positionOf)
      .filter((p): p is Position => p !== null && p.validity === validity)
      .map((p) => p.uid);
  };

  const session: MailboxSession = {
    delimiter,
    prefix: namespace?.prefix ?? '',
    async createFolder(path) {
      await run(async () => {
        await client.mailboxCreate(path);
      });
    },
    async listFolders(path) {
      const below = `${path}${delimiter ?? ''}`;
      // LIST (RFC 3501 §6.3.8); a name the server lists only as a step to others (\Noselect) holds no mail.
      const listed = await run(() => client.list());
      return listed.filter((f) => delimiter && f.path.startsWith(below) && !f.flags.has('\\Noselect') && !f.flags.has('\\NonExistent')).map((f) => f.path);
    },
    async start(path) {
      const { validity, uidNext } = await status(path);
      const here = positionText(validity, uidNext - 1);
      return { cursor: here, backlog: here };
    },
    async changes(path, cursor, limit): Promise<ChangePage> {
      const { validity, uidNext } = await status(path);
      const from = positionOf(cursor);
      // Renumbered (restored from a backup, an index rebuilt): every UID is new. Read it all again.
      const reset = from === null || from.validity !== validity;
      const last = reset ? 0 : from.uid;
      if (uidNext - 1 <= last) return { arrived: [], cursor: positionText(validity, last), more: false, reset };
      const uids = await uidsFrom(path, last + 1);
      const page = uids.slice(0, limit);
      const upTo = page.length > 0 ? page[page.length - 1]! : last;
      return { arrived: page.map((uid) => positionText(validity, uid)), cursor: positionText(validity, upTo), more: uids.length > page.length, reset };
    },
    async backlog(path, mark, done) {
      const upTo = positionOf(mark);
      const { validity } = await status(path);
      // Renumbered since: what was the backlog is read as new mail by changes().
      if (!upTo || upTo.validity !== validity) return [];
      const after = done ? positionOf(done) : null;
      const from = after && after.validity === validity ? after.uid + 1 : 1;
      return (await uidsFrom(path, from)).filter((uid) => uid <= upTo.uid).map((uid) => positionText(validity, uid));
    },
    fetch: (path, refs) =>
      inFolder(path, async () => {
        const uids = uidsOf(refs);
        if (uids.length === 0) return [];
        const validity = selectedValidity();
        const got: Array<RemoteMessage & { uid: number }> = [];
        for await (const m of client.fetch(range(uids), { uid: true, source: true }, { uid: true })) {
          if (m.source) got.push({ uid: m.uid, ref: positionText(validity, m.uid), raw: m.source });
        }
        return got.sort((a, b) => a.uid - b.uid).map(({ ref, raw }) => ({ ref, raw }));
      }),
    markSeverity: (path, refs, severity: Severity) =>
      inFolder(path, async () => {
        const uids = uidsOf(refs);
        if (uids.length > 0) await client.messageFlagsAdd(range(uids), [severityKeyword(severity)], { uid: true });
      }),
    move: (path, refs, target) =>
      inFolder(path, async () => {
        const uids = uidsOf(refs);
        const validity = selectedValidity();
        if (uids.length === 0) return new Map<MessageRef, MessageRef>();
        // imapflow reports a refused MOVE as `false`, not as an error.
        const moveTo = () => client.messageMove(range(uids), target, { uid: true });
        let moved = await moveTo();
        // Most often the folder is gone (someone deleted it): make it again and file anyway.
        // Only then: without MOVE, a retry after a copy that worked would copy twice.
        if (moved === false && (await client.status(target, { messages: true }).catch(() => false)) === false) {
          await client.mailboxCreate(target);
          moved = await moveTo();
        }
        if (moved === false) throw new DatamerError('MAILBOX_PROTOCOL', `${where}: the server refused to move messages from "${path}" to "${target}"`, { permanent: false });
        const refsThere = new Map<MessageRef, MessageRef>();
        // UIDPLUS (RFC 4315 §3) names the new UIDs and the target's UIDVALIDITY.
        if (moved.uidValidity !== undefined) {
          for (const [from, to] of moved.uidMap ?? new Map<number, number>()) refsThere.set(positionText(validity, from), positionText(moved.uidValidity, to));
        }
        return refsThere;
      }),
    remove: (path, refs) =>
      inFolder(path, async () => {
        const uids = uidsOf(refs);
        if (uids.length === 0) return;
        if (!(await client.messageDelete(range(uids), { uid: true }))) {
          throw new DatamerError('MAILBOX_PROTOCOL', `${where}: the server refused to delete messages from "${path}"`, { permanent: false });
        }
      }),
    findByMessageId: (path, messageIdHeader) =>
      inFolder(path, async () => {
        const found = await client.search({ header: { 'message-id': messageIdHeader } }, { uid: true });
        if (!found) throw new DatamerError('MAILBOX_PROTOCOL', `${where}: the server refused to search "${path}"`, { permanent: false });
        const validity = selectedValidity();
        return found.map((uid) => positionText(validity, uid));
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
