// The mail of the IMAP benchmark, and the quickest correct way to put a backlog of it into a
// Dovecot mailbox.
//
// The messages are the SMTP benchmark's Nagios status mails (monitoring-mail.ts) with tags in
// the subject as a team that uses DaTamer writes them: three in five name an org (by host: the
// db, web, queue and cache hosts are the platform team's, the backup host the data team's) and
// a severity from the Nagios state, one in five a severity only, one in five nothing. So DaTamer
// files into five class folders (each with its completed and claim folders) and Unclassified,
// and sets three keywords.
import { chownSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { monitoringMail } from './monitoring-mail.js';

const ORG_OF_HOST: Record<string, string> = {
  db: 'platform.db',
  web: 'platform.web',
  queue: 'platform.queue',
  cache: 'platform.cache',
  backup: 'data.backup',
};
const SEVERITY_OF_STATE: Record<string, string> = { OK: 'info', WARNING: 'warn', CRITICAL: 'critical', UNKNOWN: 'critical' };

/** The orgs the corpus tags, for the engineers' subscriptions. */
export const CORPUS_TEAMS = { platform: 'platform.*', data: 'data.*' };

const SUBJECT = /^Subject: \*\* \w+ Service Alert: ([a-z]+)-\d+\/.* is ([A-Z]+) \*\*$/m;

/** The `n`th message of `series`, tagged (or not) as described above. */
export function benchMail(series: string, n: number): Buffer {
  const raw = monitoringMail(series, n).toString('utf8');
  const tagged = raw.replace(SUBJECT, (line, host: string, state: string) => {
    const severity = SEVERITY_OF_STATE[state] ?? 'info';
    switch (n % 5) {
      case 3:
        return `${line} :${severity}:`;
      case 4:
        return line;
      default:
        return `${line} :${severity}: :org:${ORG_OF_HOST[host] ?? 'platform.misc'}:`;
    }
  });
  if (tagged === raw && n % 5 !== 4) throw new Error('benchMail: the monitoring mail no longer has the subject the benchmark tags');
  return Buffer.from(tagged);
}

/** The Message-ID header of a raw message (the benchmark's own messages always have one). */
export function messageIdOf(raw: Buffer): string | null {
  const head = raw.subarray(0, Math.min(raw.length, 4096)).toString('latin1');
  return /^Message-ID:[ \t]*(<[^>\r\n]+>)/im.exec(head)?.[1] ?? null;
}

/**
 * Writes `count` messages straight into a user's Maildir, as a delivery agent does (each file
 * written in tmp/, then renamed into cur/, owned by the mail user Dovecot runs as), then lets
 * Dovecot index the folder (doveadm mailbox status makes it read the directory and give every
 * file its UID). The file name carries the size (S=) and the size with CRLF line ends (W=), as
 * Dovecot's own deliveries do, so Dovecot need not read a file to know them; the messages have
 * CRLF line ends already, so both are the file's size. Safe only for a mailbox nobody has open.
 */
export function fillMaildir(maildir: string, count: number, mail: (n: number) => Buffer, owner: { uid: number; gid: number }): void {
  const home = path.dirname(maildir);
  for (const dir of [path.dirname(home), home, maildir, ...['cur', 'new', 'tmp'].map((d) => path.join(maildir, d))]) {
    mkdirSync(dir, { recursive: true });
    chownSync(dir, owner.uid, owner.gid);
  }
  const stamp = Math.floor(Date.now() / 1000);
  for (let n = 0; n < count; n++) {
    const raw = mail(n);
    const base = `${stamp}.M${n}P${process.pid}.bench,S=${raw.length},W=${raw.length}`;
    const tmp = path.join(maildir, 'tmp', base);
    writeFileSync(tmp, raw);
    chownSync(tmp, owner.uid, owner.gid);
    // Unseen, not recent: mail that has sat in the inbox for a while.
    renameSync(tmp, path.join(maildir, 'cur', `${base}:2,`));
  }
}

/** The same, the way any IMAP client can: APPEND over `connections` parallel connections. */
export async function appendAll(imap: { port: number; user: string; pass: string }, count: number, mail: (n: number) => Buffer, connections: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const client = new ImapFlow({ host: '127.0.0.1', port: imap.port, secure: false, auth: { user: imap.user, pass: imap.pass }, logger: false });
      client.on('error', () => undefined);
      await client.connect();
      try {
        while (next < count) await client.append('INBOX', mail(next++));
      } finally {
        await client.logout();
      }
    }),
  );
}
