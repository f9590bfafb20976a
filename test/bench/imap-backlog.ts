// The backlog half of the IMAP benchmark: the same mailbox read by a bare imapflow client (the
// floor: reading the mail at all) and organized by DaTamer (`datamer mailbox organize --backlog`:
// every message fetched, stored with its classification and event, keyword set, moved into its
// folder, its placement recorded).
import { ImapFlow } from 'imapflow';
import { openImapSession } from '../../src/mailboxes/imap/session.js';
import type { ImapSettings } from '../../src/mailboxes/imap/url.js';
import { organizeBacklog } from '../../src/mailboxes/workspace/inbox.js';
import { startWorkspace } from '../../src/mailboxes/workspace/pass.js';
import { datamerFor, type Dialect } from './imap-datamer.js';
import type { Cost, Probe } from './imap-probe.js';
import { BENCH_MAIL_PASSWORD } from './imap-servers.js';

export interface BacklogRun {
  messages: number;
  ms: number;
  /** what is wrong with the result, if anything */
  problems: string[];
  costs?: Map<string, Cost>;
}

const connect = async (imapPort: number, user: string): Promise<ImapFlow> => {
  const client = new ImapFlow({ host: '127.0.0.1', port: imapPort, secure: false, auth: { user, pass: BENCH_MAIL_PASSWORD }, logger: false });
  client.on('error', () => undefined);
  await client.connect();
  return client;
};

/** Fetches the full source of every message in the inbox, in one FETCH 1:*. */
export async function bareFetch(imapPort: number, user: string, expected: number): Promise<BacklogRun> {
  const started = performance.now();
  const client = await connect(imapPort, user);
  let messages = 0;
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      for await (const m of client.fetch('1:*', { uid: true, source: true })) if (m.source && m.source.length > 0) messages++;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
  const ms = performance.now() - started;
  return { messages, ms, problems: messages === expected ? [] : [`fetched ${messages} messages, expected ${expected}`] };
}

/** Where the bare organizer files a message: by its tags, read with a regular expression. */
function bareDestination(raw: Buffer): { folder: string; keyword: string | null } {
  const subject = /^Subject:(.*)$/im.exec(raw.subarray(0, 2048).toString('latin1'))?.[1] ?? '';
  const org = /:org:([a-z0-9_.-]+):/.exec(subject)?.[1];
  const severity = /:(info|warn|critical):/.exec(subject)?.[1];
  return { folder: org ? `DaTamer/${org.split('.').join('/')}` : 'DaTamer/Unclassified', keyword: severity ? `datamer-${severity}` : null };
}

/**
 * The IMAP work any organizer has to do, and nothing else: in batches of `batch`, fetch the
 * sources, set the severity keyword, move each message into its folder (the folders DaTamer
 * would use, made first). No parsing beyond a regular expression on the subject, no database.
 */
export async function bareOrganize(imapPort: number, user: string, expected: number, batch: number): Promise<BacklogRun> {
  const started = performance.now();
  const client = await connect(imapPort, user);
  let messages = 0;
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      const uids = ((await client.search({ all: true }, { uid: true })) || []).sort((a, b) => a - b);
      const made = new Set<string>();
      for (let i = 0; i < uids.length; i += batch) {
        const byFolder = new Map<string, number[]>();
        const byKeyword = new Map<string, number[]>();
        for await (const m of client.fetch(uids.slice(i, i + batch).join(','), { uid: true, source: true }, { uid: true })) {
          if (!m.source) continue;
          const { folder, keyword } = bareDestination(m.source);
          byFolder.set(folder, [...(byFolder.get(folder) ?? []), m.uid]);
          if (keyword) byKeyword.set(keyword, [...(byKeyword.get(keyword) ?? []), m.uid]);
        }
        for (const [keyword, some] of byKeyword) await client.messageFlagsAdd(some.join(','), [keyword], { uid: true });
        for (const [folder, some] of byFolder) {
          if (!made.has(folder)) {
            await client.mailboxCreate(folder).catch(() => undefined);
            made.add(folder);
          }
          if ((await client.messageMove(some.join(','), folder, { uid: true })) !== false) messages += some.length;
        }
      }
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
  const ms = performance.now() - started;
  return { messages, ms, problems: messages === expected ? [] : [`moved ${messages} messages, expected ${expected}`] };
}

/** DaTamer on a fresh `dialect` database organizes the backlog of `user`'s inbox. */
export async function organizeWithDatamer(imapPort: number, dialect: Dialect, user: string, expected: number, batch: number, probe: Probe): Promise<BacklogRun> {
  const datamer = await datamerFor(dialect, imapPort, user);
  try {
    probe.reset();
    const started = performance.now();
    // The CLI's `mailbox organize --backlog`, without its progress bar.
    const session = await openImapSession(datamer.mailbox.settings as unknown as ImapSettings, BENCH_MAIL_PASSWORD, datamer.deps.log);
    let done;
    try {
      const ws = await startWorkspace(datamer.deps, datamer.mailbox, session);
      done = await organizeBacklog(ws, { batch });
    } finally {
      await session.close();
    }
    const ms = performance.now() - started;
    const costs = new Map(probe.costs);

    const problems: string[] = [];
    if (done.done !== expected) problems.push(`organized ${done.done} messages, expected ${expected}`);
    const stored = await datamer.count('SELECT count(*) AS n FROM messages');
    if (stored !== expected) problems.push(`stored ${stored} messages, expected ${expected}`);
    const placed = await datamer.count(`SELECT count(*) AS n FROM message_placements WHERE path <> 'INBOX'`);
    if (placed !== expected) problems.push(`${placed} messages filed, expected ${expected}`);
    const left = await inboxCount(imapPort, user);
    if (left !== 0) problems.push(`${left} messages still in the inbox`);
    if (datamer.logged.length > 0) problems.push(`DaTamer logged ${datamer.logged.length} warnings or errors, the first: ${datamer.logged[0]}`);
    return { messages: done.done, ms, problems, costs };
  } finally {
    await datamer.dispose();
  }
}

async function inboxCount(imapPort: number, user: string): Promise<number> {
  const client = await connect(imapPort, user);
  try {
    const status = await client.status('INBOX', { messages: true });
    return status ? (status.messages ?? -1) : -1;
  } finally {
    await client.logout();
  }
}
