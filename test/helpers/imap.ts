// The suite's IMAP side: a fresh shared mailbox per test on the suite's Dovecot (any user
// exists, scripts/mail-up.sh MAIL_ANY_USER=1), an engineer's own IMAP client to move mail
// around as people do, and delivery through Postfix.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import type { Deps } from '../../src/deps.js';
import { addImapMailbox } from '../../src/mailboxes/mailbox-store.js';
import { watchMailbox, type WatchOptions } from '../../src/mailboxes/watcher.js';
import type { Mailbox, MailboxMode } from '../../models/index.js';
import { mailServers } from './net.js';

export const MAIL_DOMAIN = process.env.DATAMER_TEST_MAIL_DOMAIN ?? 'example.test';
export const MAIL_PASSWORD = process.env.DATAMER_TEST_MAIL_PASSWORD ?? 'password';
export const TEST_KEY = Buffer.alloc(32, 7);

/** A mailbox nobody else uses: `shared-<random>@example.test`. */
export const freshMailboxUser = (label = 'shared') => `${label}-${randomUUID().slice(0, 8)}@${MAIL_DOMAIN}`;

export const imapUrl = (user: string, query = '') => `imap://${encodeURIComponent(user)}@127.0.0.1:${mailServers.imapPort}/INBOX?tls=none${query ? `&${query}` : ''}`;

export async function addTestMailbox(deps: Deps, tenantId: number, user: string, options: { mode?: MailboxMode; root?: string; password?: string; query?: string } = {}): Promise<Mailbox> {
  return addImapMailbox(
    deps,
    tenantId,
    { url: imapUrl(user, options.query), password: options.password ?? MAIL_PASSWORD, mode: options.mode ?? 'organize', ...(options.root ? { root: options.root } : {}) },
    TEST_KEY,
  );
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
