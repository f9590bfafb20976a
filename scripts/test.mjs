// `npm test`: build if needed, make sure PostgreSQL answers, start throw-away Dovecot and
// Postfix on free loopback ports, then run the whole suite twice: on SQLite and on PostgreSQL.
//
//   npm test                          everything, both databases
//   npm test -- --grep outbox         extra arguments go to mocha
//   DATAMER_TEST_DBS=sqlite npm test  one database only
//   DATAMER_TEST_PG_URL=postgres://…  another PostgreSQL (default: postgres://postgres@127.0.0.1:5432/test)
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureBuilt, root } from './ensure-built.mjs';

ensureBuilt();

const say = (line) => process.stderr.write(`test: ${line}\n`);
const env = { ...process.env };
const pgUrl = new URL(env.DATAMER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
env.DATAMER_TEST_PG_URL = pgUrl.toString();

function answers(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port) });
    socket.setTimeout(2000);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function bash(script, extraEnv) {
  return spawnSync('bash', [path.join(root, 'scripts', script)], { stdio: 'inherit', env: { ...env, ...extraEnv } });
}

// ---- PostgreSQL ----
const pgHost = pgUrl.hostname;
const pgPort = pgUrl.port || '5432';
if (!(await answers(pgHost, pgPort))) {
  if (pgHost === '127.0.0.1' && pgPort === '5432') {
    say('nothing answers on 127.0.0.1:5432; starting PostgreSQL (scripts/pg-up.sh)');
    if (bash('pg-up.sh').status !== 0) process.exit(1);
  } else {
    say(`PostgreSQL at ${pgHost}:${pgPort} (DATAMER_TEST_PG_URL) does not answer; start it, or unset the variable to use 127.0.0.1:5432`);
    process.exit(1);
  }
}

// ---- Dovecot + Postfix ----
const mailDir = mkdtempSync(path.join(os.tmpdir(), 'datamer-mail-'));
const ports = { IMAP_PORT: await freePort(), SMTP_PORT: await freePort(), LMTP_PORT: await freePort(), RELAY_PORT: await freePort() };
const mailEnv = { MAILTEST_DIR: mailDir, MAIL_ANY_USER: '1', RELAY_DOMAIN: 'relay.test', ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) };
say(`starting Dovecot and Postfix in ${mailDir}`);
if (bash('mail-up.sh', mailEnv).status !== 0) {
  say('the test mail servers did not start. As root, scripts/mail-up.sh installs and starts them;');
  say('otherwise install them first: apt-get install dovecot-imapd dovecot-lmtpd postfix');
  process.exit(1);
}
const stopMail = () => bash('mail-down.sh', { MAILTEST_DIR: mailDir });
process.on('SIGINT', () => { stopMail(); process.exit(130); });

Object.assign(env, {
  DATAMER_TEST_IMAP_PORT: String(ports.IMAP_PORT),
  DATAMER_TEST_POSTFIX_PORT: String(ports.SMTP_PORT),
  DATAMER_TEST_LMTP_PORT: String(ports.LMTP_PORT),
  DATAMER_TEST_RELAY_PORT: String(ports.RELAY_PORT),
  DATAMER_TEST_MAIL_DOMAIN: 'example.test',
  DATAMER_TEST_RELAY_DOMAIN: 'relay.test',
  DATAMER_TEST_MAILTEST_DIR: mailDir,
});

// ---- the suite, once per database ----
const dbs = (env.DATAMER_TEST_DBS ?? 'sqlite,postgres').split(',').map((s) => s.trim()).filter(Boolean);
const mocha = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
const specs = ['dist/test/unit', 'dist/test/integration'];
const results = [];
try {
  for (const db of dbs) {
    say(`running the suite on ${db}`);
    const run = spawnSync(process.execPath, [mocha, '--recursive', ...specs, ...process.argv.slice(2)], {
      cwd: root,
      stdio: 'inherit',
      env: { ...env, DATAMER_TEST_DB: db },
    });
    results.push({ db, ok: run.status === 0 });
  }
} finally {
  stopMail();
}
for (const r of results) say(`${r.db}: ${r.ok ? 'passed' : 'FAILED'}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
