// `BENCH_ONLY=imap npm run bench`: DaTamer working a shared mailbox on a real Dovecot, next to a
// bare imapflow client on the same server in the same run.
//
//   1. Backlog: a mailbox holding BENCH_IMAP_MESSAGES monitoring messages, read by a bare client
//      (FETCH of every message's source: the floor), then organized by DaTamer (the code of
//      `datamer mailbox organize --backlog`) on SQLite and on PostgreSQL, each on its own copy.
//   2. Stream: BENCH_IMAP_STREAM_RATE messages/s through Postfix for BENCH_IMAP_STREAM_SECONDS,
//      and the delay from sending each until DaTamer's watcher has stored and filed it, next to
//      the delay until a bare IDLE client is told of it.
//
//   BENCH_IMAP_MESSAGES=10000  BENCH_IMAP_BATCH=500 (the default of `organize --batch`)
//   BENCH_IMAP_STREAM_RATE=20  BENCH_IMAP_STREAM_SECONDS=15
//   DATAMER_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test)
//
// Needs root (scripts/mail-up.sh starts Dovecot and Postfix, which drop privileges themselves).
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { bareFetch, bareOrganize, organizeWithDatamer, type BacklogRun } from './imap-backlog.js';
import { dialectName, type Dialect } from './imap-datamer.js';
import { appendAll, benchMail, fillMaildir } from './imap-mail.js';
import { Probe, SCAN_FOLDER, SYNC_INBOX, type Cost } from './imap-probe.js';
import { BENCH_MAIL_DOMAIN, BENCH_MAIL_PASSWORD, startMailServers, type MailServers } from './imap-servers.js';
import { bareStream, datamerStream, POLL_MS, type StreamPlan, type StreamRun } from './imap-stream.js';
import { percentile, table, whole } from './stats.js';

const DIALECTS: Dialect[] = ['sqlite', 'postgres'];
const APPEND_SAMPLE = 1000;
const APPEND_CONNECTIONS = 4;

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const rate = (run: BacklogRun) => (run.messages / run.ms) * 1000;
const userFor = (label: string) => `bench-${label}@${BENCH_MAIL_DOMAIN}`;
const say = (line: string) => process.stderr.write(`bench imap: ${line}\n`);

/** Fills one mailbox per target with the same backlog; says what filling cost, and what APPEND would. */
async function fillBacklogs(servers: MailServers, count: number): Promise<void> {
  const owner = { uid: Number(execFileSync('id', ['-u', 'mail'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'mail'], { encoding: 'utf8' })) };
  const mail = (n: number) => benchMail('backlog', n);
  for (const label of ['bare', 'bare-organize', ...DIALECTS]) {
    const user = userFor(label);
    let started = performance.now();
    fillMaildir(servers.maildirOf(user), count, mail, owner);
    const written = performance.now() - started;
    started = performance.now();
    const status = servers.doveadm('-f', 'flow', 'mailbox', 'status', '-u', user, 'messages', 'INBOX').trim();
    const indexed = performance.now() - started;
    if (Number(/messages=(\d+)/.exec(status)?.[1]) !== count) throw new Error(`${user}: Dovecot says "${status}" after the fill, expected ${count} messages`);
    console.log(`filled ${user}: ${count} messages written into the Maildir in ${seconds(written)} s, indexed by Dovecot in ${seconds(indexed)} s`);
  }
  const started = performance.now();
  await appendAll({ port: servers.imapPort, user: userFor('append'), pass: BENCH_MAIL_PASSWORD }, APPEND_SAMPLE, mail, APPEND_CONNECTIONS);
  const appendRate = (APPEND_SAMPLE / (performance.now() - started)) * 1000;
  console.log(`(for comparison, IMAP APPEND over ${APPEND_CONNECTIONS} connections: ${appendRate.toFixed(0)} messages/s, ${seconds((count / appendRate) * 1000)} s for ${count})`);
}

function costRows(costs: Map<string, Cost>, wallMs: number, perMessages: number): string[][] {
  const sorted = [...costs.entries()].filter(([, c]) => c.calls > 0).sort((a, b) => b[1].ms - a[1].ms);
  const accounted = sorted.reduce((sum, [, c]) => sum + c.ms, 0);
  const rows = sorted.map(([name, c]) => [name, String(c.calls), c.messages ? String(c.messages) : '-', c.ms.toFixed(0), (c.ms / perMessages).toFixed(3), `${((c.ms / wallMs) * 100).toFixed(0)}%`]);
  const rest = wallMs - accounted;
  rows.push(['the rest (CPU between calls, connecting, event loop)', '-', '-', rest.toFixed(0), (rest / perMessages).toFixed(3), `${((rest / wallMs) * 100).toFixed(0)}%`]);
  return rows;
}

const COST_HEADER = ['where (self time)', 'calls', 'messages', 'ms', 'ms/message', 'share'];

async function backlog(servers: MailServers, count: number, batch: number, probe: Probe): Promise<void> {
  say(`filling four mailboxes with ${count} messages each`);
  await fillBacklogs(servers, count);
  say('bare imapflow fetch');
  const bare = await bareFetch(servers.imapPort, userFor('bare'), count);
  say('bare imapflow organizer');
  const bareOrganizer = await bareOrganize(servers.imapPort, userFor('bare-organize'), count, batch);
  const runs: Array<[string, BacklogRun]> = [
    ['bare imapflow: FETCH 1:* source', bare],
    [`bare imapflow: FETCH, STORE keyword, MOVE per ${batch}`, bareOrganizer],
  ];
  for (const dialect of DIALECTS) {
    say(`DaTamer organizes the backlog on ${dialectName(dialect)}`);
    runs.push([`DaTamer organize --backlog, ${dialectName(dialect)}`, await organizeWithDatamer(servers.imapPort, dialect, userFor(dialect), count, batch, probe)]);
  }
  console.log(`\nIMAP backlog: ${count} messages in the inbox, batches of ${batch} (Dovecot ${execFileSync('dovecot', ['--version'], { encoding: 'utf8' }).trim().split(' ')[0]}, Maildir, loopback)\n`);
  console.log(
    table(
      ['what', 'messages', 'seconds', 'messages/s', '÷ bare fetch', '÷ bare organizer'],
      runs.map(([name, r]) => [name, String(r.messages), seconds(r.ms), rate(r).toFixed(0), (rate(r) / rate(bare)).toFixed(3), (rate(r) / rate(bareOrganizer)).toFixed(2)]),
    ),
  );
  for (const [name, run] of runs) {
    for (const problem of run.problems) {
      console.log(`${name}: ${problem}`);
      process.exitCode = 1;
    }
  }
  for (const [name, run] of runs) {
    if (!run.costs) continue;
    console.log(`\nWhere the time of "${name}" goes (${seconds(run.ms)} s):\n`);
    console.log(table(COST_HEADER, costRows(run.costs, run.ms, run.messages)));
  }
}

const ms = (values: number[], q: number) => (values.length ? percentile(values, q).toFixed(0) : '-');

async function stream(plan: StreamPlan, probe: Probe): Promise<void> {
  say(`stream: ${plan.ratePerSecond} messages/s for ${plan.seconds} s to a bare IDLE client`);
  const bare = await bareStream(plan, userFor('stream-bare'));
  const runs: Array<[Dialect, StreamRun]> = [];
  for (const dialect of DIALECTS) {
    say(`stream: ${plan.ratePerSecond} messages/s for ${plan.seconds} s to DaTamer's watcher on ${dialectName(dialect)}`);
    runs.push([dialect, await datamerStream(plan, dialect, userFor(`stream-${dialect}`), probe)]);
  }
  console.log(`\nIMAP stream: ${plan.ratePerSecond} messages/s through Postfix for ${plan.seconds} s (${plan.ratePerSecond * plan.seconds} messages per target, after ${plan.warmup} warm-up), delay from sendMail, ms:\n`);
  const row = (name: string, values: number[], missing: string) => [name, ms(values, 0.5), ms(values, 0.99), ms(values, 1), missing];
  const rows = [
    row('Postfix answers 250 (all targets)', [bare, ...runs.map(([, r]) => r)].flatMap((r) => r.queued), '-'),
    row('bare IDLE client told (EXISTS)', bare.seen, String(bare.missing)),
  ];
  for (const [dialect, run] of runs) {
    rows.push(row(`DaTamer on ${dialectName(dialect)}: stored`, run.seen, '-'));
    rows.push(row(`DaTamer on ${dialectName(dialect)}: stored and filed`, run.filed, String(run.missing)));
  }
  console.log(table(['until', 'p50', 'p99', 'max', 'missing'], rows));
  for (const [dialect, run] of runs) {
    if (run.missing > 0) process.exitCode = 1;
    for (const problem of run.problems ?? []) {
      console.log(`DaTamer on ${dialectName(dialect)}: ${problem}`);
      process.exitCode = 1;
    }
    if (!run.costs) continue;
    const work = [...run.costs.values()].reduce((sum, c) => sum + c.ms, 0);
    const waits = run.waits ?? [];
    // While the stream runs there is always news within Dovecot's 0.5 s notification delay: a
    // wait that lasted the whole poll interval would be an IDLE not told of mail already there.
    const polled = waits.filter((w) => w >= POLL_MS - 20).length;
    const perMessage = (name: string) => ((run.inclusive?.get(name)?.ms ?? 0) / (run.filed.length || 1)).toFixed(2);
    console.log(
      `\nDaTamer on ${dialectName(dialect)} during the stream: ${run.passes} passes took in mail; ${waits.length} waits for news while mail came ` +
        `(p50 ${ms(waits, 0.5)} ms), ${polled} of them ended by the ${POLL_MS} ms poll rather than by IDLE. Work ${seconds(work)} s in ${plan.seconds} s, ` +
        `per message ${perMessage(SYNC_INBOX)} ms taking it in (syncInbox) and ${perMessage(SCAN_FOLDER)} ms reading the folders afterwards (scanFolder):\n`,
    );
    console.log(table(COST_HEADER, costRows(run.costs, work, run.filed.length || 1).slice(0, -1)));
  }
}

export async function benchImap(): Promise<void> {
  const count = whole('BENCH_IMAP_MESSAGES', 10_000);
  const batch = whole('BENCH_IMAP_BATCH', 500);
  const plan: StreamPlan = { smtpPort: 0, imapPort: 0, ratePerSecond: whole('BENCH_IMAP_STREAM_RATE', 20), seconds: whole('BENCH_IMAP_STREAM_SECONDS', 15), warmup: 40 };
  const started = performance.now();
  say('starting Dovecot and Postfix');
  const servers = await startMailServers();
  // Interrupted: the servers must not outlive the benchmark.
  const onSignal = () => {
    servers.stop();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const probe = new Probe();
  probe.install();
  try {
    console.log(`\n${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown cpu'}), Node ${process.version}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    await backlog(servers, count, batch, probe);
    await stream({ ...plan, smtpPort: servers.smtpPort, imapPort: servers.imapPort }, probe);
    console.log(`\nIMAP part: ${seconds(performance.now() - started)} s in all; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    probe.uninstall();
    servers.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
