// The IMAP benchmark's own mail servers: a throw-away Dovecot (IMAP + LMTP) and Postfix on free
// loopback ports, started with scripts/mail-up.sh exactly as the test suite starts them, in a
// directory under the system's temporary directory, and stopped with scripts/mail-down.sh.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/net.js';

export const BENCH_MAIL_DOMAIN = 'example.test';
export const BENCH_MAIL_PASSWORD = 'password';

const root = path.resolve(__dirname, '..', '..', '..');

export interface MailServers {
  dir: string;
  imapPort: number;
  smtpPort: number;
  /** the Maildir of `user` (LAYOUT=fs; made by Dovecot at the first login or delivery) */
  maildirOf(user: string): string;
  /** doveadm on this Dovecot, as its admin */
  doveadm(...args: string[]): string;
  stop(): void;
}

/** Runs one of the mail scripts; what it says goes to stderr. */
function bash(script: string, env: NodeJS.ProcessEnv): boolean {
  // Not piped: the daemons it starts keep their inherited descriptors open, and a pipe would
  // then never reach its end.
  return spawnSync('bash', [path.join(root, 'scripts', script)], { env: { ...process.env, ...env }, stdio: ['ignore', 2, 2] }).status === 0;
}

/** Starts Dovecot and Postfix in a new temporary directory; every `<x>@example.test` exists. */
export async function startMailServers(): Promise<MailServers> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datamer-bench-mail-'));
  const ports = { IMAP_PORT: await freePort(), SMTP_PORT: await freePort(), LMTP_PORT: await freePort() };
  const env = {
    MAILTEST_DIR: dir,
    MAIL_ANY_USER: '1',
    MAIL_DOMAIN: BENCH_MAIL_DOMAIN,
    MAIL_PASSWORD: BENCH_MAIL_PASSWORD,
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
  };
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    bash('mail-down.sh', { MAILTEST_DIR: dir });
    rmSync(dir, { recursive: true, force: true });
  };
  if (!bash('mail-up.sh', env)) {
    stop();
    throw new Error("the benchmark's mail servers did not start (scripts/mail-up.sh needs root, and installs dovecot and postfix when missing)");
  }
  const conf = path.join(dir, 'dovecot', 'dovecot.conf');
  return {
    dir,
    imapPort: ports.IMAP_PORT,
    smtpPort: ports.SMTP_PORT,
    maildirOf: (user) => {
      const [local, domain] = user.toLowerCase().split('@');
      return path.join(dir, 'mail', domain!, local!, 'Maildir');
    },
    doveadm: (...args) => execFileSync('doveadm', ['-c', conf, ...args], { encoding: 'utf8' }),
    stop,
  };
}
