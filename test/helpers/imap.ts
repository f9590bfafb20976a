// The suite's IMAP side: a fresh shared mailbox per test on the suite's Dovecot (any user
// exists, scripts/mail-up.sh MAIL_ANY_USER=1), an engineer's own IMAP client to move mail
// around as people do, and delivery through Postfix.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import type { Deps } from '../../src/deps.js';
import { imapMailbox } from '../../src/mailboxes/imap/provider.js';
import { addMailbox } from '../../src/mailboxes/mailbox-store.js';
import { watchMailbox, type WatchOptions } from '../../src/mailboxes/watcher.js';
import type { Mailbox, MailboxMode } from '../../models/index.js';
import { addTenant } from '../../src/tenants/tenants.js';
import { openTestDb, type TestDb } from './db.js';
import { mailServers } from './net.js';

export const MAIL_DOMAIN = process.env.DATAMER_TEST_MAIL_DOMAIN ?? 'example.test';
export const MAIL_PASSWORD = process.env.DATAMER_TEST_MAIL_PASSWORD ?? 'password';
export const TEST_KEY = Buffer.alloc(32, 7);

/** A mailbox nobody else uses: `shared-<random>@example.test`. */
export const freshMailboxUser = (label = 'shared') => `${label}-${randomUUID().slice(0, 8)}@${MAIL_DOMAIN}`;

export const imapUrl = (user: string, query = '') => `imap://${encodeURIComponent(user)}@127.0.0.1:${mailServers.imapPort}/INBOX?tls=none${query ? `&${query}` : ''}`;

export async function addTestMailbox(deps: Deps, tenantId: number, user: string, options: { mode?: MailboxMode; root?: string; password?: string; query?: string } = {}): Promise<Mailbox> {
  return addMailbox(deps, tenantId, { kind: 'imap', ...imapMailbox(imapUrl(user, options.query), options.password ?? MAIL_PASSWORD, options.root), mode: options.mode ?? 'organize' }, TEST_KEY);
}

/** Quick to react and to retry: what a test can wait for. */
export const FAST_WATCH: WatchOptions = {
  key: () => TEST_KEY,
  pollMs: 200,
  leaseMs: 30_000,
  backoff: { initialMs: 100, maxMs: 1_000 },
  discoverMs: 200,
};

export interface RunningWatcher {
  stop(): Promise<void>;
}

export function startWatching(deps: Deps, mailbox: Mailbox, options: Partial<WatchOptions> = {}): RunningWatcher {
  const controller = new AbortController();
  const done = watchMailbox(deps, mailbox.id, { ...FAST_WATCH, ...options }, controller.signal);
  return {
    async stop() {
      controller.abort();
      await done;
    },
  };
}

/** An engineer's mail client on the shared mailbox. */
export async function engineerClient(user: string): Promise<ImapFlow> {
  const client = new ImapFlow({ host: '127.0.0.1', port: mailServers.imapPort, secure: false, auth: { user, pass: MAIL_PASSWORD }, logger: false });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export interface TestMail {
  subject: string;
  text?: string;
  from?: string;
  messageId?: string;
}

export function rawMail(mail: TestMail, to: string): Buffer {
  const messageId = mail.messageId ?? `<${randomUUID()}@monitor.example.com>`;
  return Buffer.from(
    [
      `From: ${mail.from ?? 'nagios@monitor.example.com'}`,
      `To: ${to}`,
      `Subject: ${mail.subject}`,
      `Message-ID: ${messageId}`,
      'Date: Mon, 23 Nov 2026 08:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      mail.text ?? 'See the subject.',
      '',
    ].join('\r\n'),
  );
}

/** Puts a message straight into a folder (the quickest way to make a backlog). */
export async function appendTo(client: ImapFlow, folder: string, mail: TestMail, to: string): Promise<void> {
  await client.append(folder, rawMail(mail, to));
}

/** Hands a message to Postfix, which delivers it to Dovecot over LMTP: mail as it really arrives. */
export async function deliverThroughPostfix(to: string, mail: TestMail): Promise<string> {
  const messageId = mail.messageId ?? `<${randomUUID()}@monitor.example.com>`;
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: mailServers.postfixPort, ignoreTLS: true });
  try {
    await transport.sendMail({ from: mail.from ?? 'nagios@monitor.example.com', to, subject: mail.subject, text: mail.text ?? 'See the subject.', messageId });
  } finally {
    transport.close();
  }
  return messageId;
}

/** The Message-IDs in a folder (an empty list when the folder does not exist). */
export async function messageIdsIn(client: ImapFlow, folder: string): Promise<string[]> {
  let lock;
  try {
    lock = await client.getMailboxLock(folder);
  } catch {
    return [];
  }
  try {
    const ids: string[] = [];
    // Already selected, the client's count is what the server last said: ask for news first.
    await client.noop();
    if ((client.mailbox && client.mailbox.exists) === 0) return ids;
    for await (const m of client.fetch('1:*', { envelope: true })) ids.push(m.envelope?.messageId ?? '');
    return ids;
  } finally {
    lock.release();
  }
}

export async function keywordsOf(client: ImapFlow, folder: string, messageId: string): Promise<string[]> {
  const lock = await client.getMailboxLock(folder);
  try {
    for await (const m of client.fetch('1:*', { envelope: true, flags: true })) {
      if (m.envelope?.messageId === messageId) return [...(m.flags ?? [])];
    }
    return [];
  } finally {
    lock.release();
  }
}

/** Moves the message with this Message-ID, as an engineer drags it in a mail client. */
export async function moveMessage(client: ImapFlow, from: string, messageId: string, to: string): Promise<boolean> {
  const lock = await client.getMailboxLock(from);
  try {
    const uids = (await client.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
    if (uids.length === 0) return false;
    return (await client.messageMove(uids.join(','), to, { uid: true })) !== false;
  } finally {
    lock.release();
  }
}

/** doveadm on the suite's Dovecot: for what only an admin can do (renumber a folder, restart). */
export function doveadm(...args: string[]): string {
  const dir = process.env.DATAMER_TEST_MAILTEST_DIR;
  if (!dir) throw new Error('DATAMER_TEST_MAILTEST_DIR is not set: run the suite with `npm test`');
  return execFileSync('doveadm', ['-c', path.join(dir, 'dovecot', 'dovecot.conf'), ...args], { encoding: 'utf8' });
}

// ---- The suite's Dovecot as an admin handles it: renumbering folders, restarts, a second instance ----

function mailtestDir(): string {
  const dir = process.env.DATAMER_TEST_MAILTEST_DIR;
  if (!dir) throw new Error('DATAMER_TEST_MAILTEST_DIR is not set: run the suite with `npm test`');
  return dir;
}

const dovecotConf = () => path.join(mailtestDir(), 'dovecot', 'dovecot.conf');

/** A folder's maildir (scripts/mail-up.sh: home <dir>/mail/<domain>/<local part>, maildir LAYOUT=fs). */
function maildirOf(user: string, folder = 'INBOX'): string {
  const [local, domain] = user.toLowerCase().split('@') as [string, string];
  const maildir = path.join(mailtestDir(), 'mail', domain, local, 'Maildir');
  return folder === 'INBOX' ? maildir : path.join(maildir, ...folder.split('/'));
}

/**
 * What a mailbox restored from a backup, or an index rebuilt from scratch, looks like: Dovecot
 * loses its UID list, gives the folder a new UIDVALIDITY and numbers its messages from 1 again.
 * Nobody may have the folder open meanwhile.
 */
export function renumberFolder(user: string, folder: string): void {
  const dir = maildirOf(user, folder);
  for (const file of ['dovecot-uidlist', 'dovecot.index', 'dovecot.index.log', 'dovecot.index.cache']) rmSync(path.join(dir, file), { force: true });
  // The list index caches every folder's STATUS: rebuilt too, or it would answer the old UIDVALIDITY.
  for (const file of ['dovecot.list.index', 'dovecot.list.index.log']) rmSync(path.join(maildirOf(user), file), { force: true });
}

/** The folder's STATUS as a mail client sees it. */
export async function folderStatus(client: ImapFlow, folder: string): Promise<{ messages: number; uidValidity: number; uidNext: number }> {
  const s = await client.status(folder, { messages: true, uidValidity: true, uidNext: true });
  if (!s) throw new Error(`no STATUS for ${folder}`);
  return { messages: s.messages ?? 0, uidValidity: Number(s.uidValidity ?? 0), uidNext: s.uidNext ?? 0 };
}

// A daemon's parent is PID 1, which reaps late: a zombie counts as gone.
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function masterPid(baseDir: string): number | null {
  try {
    const pid = Number(readFileSync(path.join(baseDir, 'master.pid'), 'utf8').trim());
    return pid > 0 && alive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** The processes the Dovecot master started (imap, lmtp, auth …). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((child) => {
      try {
        // pid (comm) state ppid …; comm may hold spaces and parentheses, so read after the last ')'.
        const stat = readFileSync(`/proc/${child}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    });
}

async function stopDovecotAt(baseDir: string, port: number): Promise<void> {
  const pid = masterPid(baseDir);
  if (pid === null) return;
  const children = childrenOf(pid);
  process.kill(pid, 'SIGTERM');
  await until(() => !alive(pid), `Dovecot (pid ${pid}) to stop`);
  // An imap process outlives its master for as long as its client stays connected: ended too,
  // so that every client sees the server go away, as after a crash or a reboot.
  for (const child of children.filter(alive)) process.kill(child, 'SIGKILL');
  await until(() => children.every((child) => !alive(child)), 'the processes of Dovecot to end');
  await until(async () => !(await accepts(port)), `port ${port} to close`);
}

async function startDovecotWith(conf: string, baseDir: string, port: number): Promise<void> {
  if (masterPid(baseDir) === null) {
    // Not piped: the daemon keeps its stderr open, and a pipe would then never reach its end.
    const log = path.join(path.dirname(conf), 'start.log');
    const fd = openSync(log, 'w');
    try {
      execFileSync('dovecot', ['-c', conf], { stdio: ['ignore', fd, fd] });
    } catch (err) {
      throw new Error(`dovecot -c ${conf} did not start: ${readFileSync(log, 'utf8') || (err as Error).message}`);
    } finally {
      closeSync(fd);
    }
  }
  await until(() => accepts(port), `Dovecot to answer on ${port}`);
}

/** The suite's Dovecot goes away (IMAP and LMTP), as in a server restart or a crash. */
export function stopDovecot(): Promise<void> {
  return stopDovecotAt(path.join(mailtestDir(), 'dovecot', 'run'), mailServers.imapPort);
}

/** Starts the suite's Dovecot again; nothing happens when it is running. */
export async function startDovecot(): Promise<void> {
  await startDovecotWith(dovecotConf(), path.join(mailtestDir(), 'dovecot', 'run'), mailServers.imapPort);
  await until(() => accepts(mailServers.lmtpPort), 'Dovecot LMTP to answer');
}

/** Makes Postfix try its deferred mail now rather than at its next queue run. */
export function flushPostfixQueue(): void {
  execFileSync('postqueue', ['-c', path.join(mailtestDir(), 'postfix', 'etc'), '-f']);
}

export interface OtherDovecot {
  readonly imapPort: number;
  stop(): Promise<void>;
}

/**
 * A second Dovecot on the same mail (so Postfix still delivers into it) that advertises
 * `capabilities` after login instead of its own list (Dovecot's imap_capability): a server
 * without MOVE, say. IMAP only; it has its own run directory and port.
 */
export async function startDovecotWithCapabilities(capabilities: string[], imapPort: number): Promise<OtherDovecot> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datamer-dovecot-'));
  chmodSync(dir, 0o755);
  const baseDir = path.join(dir, 'run');
  mkdirSync(baseDir);
  mkdirSync(path.join(dir, 'state'));
  const conf = readFileSync(dovecotConf(), 'utf8')
    .replace(/^instance_name = .*$/m, 'instance_name = dovecot-datamer-test-caps')
    .replace(/^base_dir = .*$/m, `base_dir = ${baseDir}`)
    .replace(/^state_dir = .*$/m, `state_dir = ${path.join(dir, 'state')}`)
    .replace(/^log_path = .*$/m, `log_path = ${path.join(dir, 'dovecot.log')}`)
    .replace(/^protocols = .*$/m, 'protocols = imap')
    .replace(new RegExp(`^(\\s*port = )${mailServers.imapPort}$`, 'm'), (_, setting: string) => `${setting}${imapPort}`)
    .replace(new RegExp(`^(\\s*port = )${mailServers.lmtpPort}$`, 'm'), (_, setting: string) => `${setting}0`);
  const file = path.join(dir, 'dovecot.conf');
  writeFileSync(file, `${conf}\nprotocol imap {\n  imap_capability = ${capabilities.join(' ')}\n}\n`);
  await startDovecotWith(file, baseDir, imapPort);
  return {
    imapPort,
    async stop() {
      await stopDovecotAt(baseDir, imapPort);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface MailboxWorld {
  t: TestDb;
  tenantId: number;
  /** the shared mailbox's login */
  user: string;
  mailbox: Mailbox;
  /** an engineer's own client on the shared mailbox */
  engineer: ImapFlow;
  dispose(): Promise<void>;
}

/** A tenant `ops` with one fresh shared mailbox (organize mode) and an engineer's client on it. */
export async function openMailboxWorld(): Promise<MailboxWorld> {
  const t = await openTestDb();
  const { tenant } = await addTenant(t.deps, { name: 'ops', address: 'ops@datamer.test' });
  const user = freshMailboxUser();
  const mailbox = await addTestMailbox(t.deps, tenant.id, user);
  const engineer = await engineerClient(user);
  return {
    t,
    tenantId: tenant.id,
    user,
    mailbox,
    engineer,
    async dispose() {
      await engineer.logout().catch(() => undefined);
      await t.dispose();
    },
  };
}
