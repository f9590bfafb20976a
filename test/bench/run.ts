// `npm run bench`: how fast DaTamer takes mail over SMTP, next to a bare SMTP server that
// only throws it away, measured side by side in one run with the same client and messages;
// then how fast it classifies (classification.ts), schedules at scale (schedules.ts), and how it
// works a shared mailbox on Dovecot (imap.ts).
//
//   BENCH_ONLY=smtp|classification|schedules|notifications|imap|web|reports|grouping   one part only
//   BENCH_MESSAGES=2000   messages measured per target
//   BENCH_ROUNDS=4        the measured messages go in this many rounds, taking the targets in
//                         turn, so a burst of other work on the machine hits all of them alike
//   BENCH_WARMUP=300      messages sent to each target first, not measured
//   BENCH_CONNECTIONS=4   pooled SMTP connections (= messages in flight)
//   DATAMER_TEST_PG_URL   the PostgreSQL to create the benchmark database in
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SendPlan, SendResult } from './smtp-client.js';
import { percentile, table, whole } from './stats.js';
import { benchClassification } from './classification.js';
import { benchImap } from './imap.js';
import { benchNotifications } from './notifications.js';
import { benchSchedules } from './schedules.js';
import { benchWeb } from './web.js';
import { benchReports } from './reports.js';
import { benchGrouping } from './grouping.js';
import { floorTarget, parseAndStoreTarget } from './reference-targets.js';
import { bareTarget, postgresTarget, sqliteTarget, UNFENCED, unfencedPostgresTarget, unfencedSqliteTarget, type Target } from './targets.js';

const MESSAGES = whole('BENCH_MESSAGES', 2000);
const ROUNDS = whole('BENCH_ROUNDS', 4);
const WARMUP = whole('BENCH_WARMUP', 300);
const CONNECTIONS = whole('BENCH_CONNECTIONS', 4);

let client: Worker | null = null;
let pending: { resolve(r: SendResult): void; reject(e: Error): void } | null = null;

/** One client thread for the whole run; it runs one plan at a time. */
function send(plan: SendPlan): Promise<SendResult> {
  if (!client) {
    client = new Worker(path.join(__dirname, 'client-worker.js'));
    client.on('message', (m: { ok: true; result: SendResult } | { ok: false; error: string }) => {
      const waiting = pending;
      pending = null;
      if (m.ok) waiting?.resolve(m.result);
      else waiting?.reject(new Error(m.error));
    });
    client.on('error', (err) => pending?.reject(err));
  }
  const worker = client;
  return new Promise((resolve, reject) => {
    pending = { resolve, reject };
    worker.postMessage({ plan });
  });
}

interface Measured {
  target: Target;
  result: SendResult;
  stored: number | null;
}

const loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

const rate = (r: SendResult) => (r.latencies.length / r.elapsedMs) * 1000;

function merge(results: SendResult[]): SendResult {
  return {
    latencies: results.flatMap((r) => r.latencies),
    elapsedMs: results.reduce((sum, r) => sum + r.elapsedMs, 0),
    errors: results.flatMap((r) => r.errors),
  };
}

async function main(): Promise<void> {
  const targets: Target[] = [];
  try {
    // The two reference servers show how much of the gap is the durable store itself
    // (reference-targets.ts); DaTamer's own ratio is what the target is about.
    targets.push(await bareTarget(), await floorTarget(), await parseAndStoreTarget(), await sqliteTarget(), await postgresTarget());
    // The cost of the fence: the same DaTamer, classifying on its main thread as it did before.
    targets.push(await unfencedSqliteTarget(), await unfencedPostgresTarget());
    console.log(
      `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown cpu'}), Node ${process.version}; ` +
        `${WARMUP} warm-up + ${MESSAGES} measured messages per target in ${ROUNDS} rounds, ${CONNECTIONS} connections`,
    );
    // Other work on the machine slows DaTamer (which needs more CPU) more than the bare server.
    console.log(`load average at start: ${loadAverage()}`);
    for (const target of targets) {
      target.before?.();
      const warm = await send({ port: target.port, series: 'warmup', count: WARMUP, connections: CONNECTIONS });
      if (warm.errors.length) throw new Error(`${target.name}: warm-up failed: ${warm.errors[0]}`);
    }
    const results = targets.map(() => [] as SendResult[]);
    for (let round = 0; round < ROUNDS; round++) {
      // Round r sends messages [from, to) of the measured series: every target gets the same ones.
      const from = Math.floor((MESSAGES * round) / ROUNDS);
      const to = Math.floor((MESSAGES * (round + 1)) / ROUNDS);
      process.stderr.write(`bench: round ${round + 1} of ${ROUNDS}\n`);
      for (const [i, target] of targets.entries()) {
        target.before?.();
        results[i]!.push(await send({ port: target.port, series: 'measured', first: from, count: to - from, connections: CONNECTIONS }));
      }
    }
    const measured: Measured[] = [];
    for (const [i, target] of targets.entries()) measured.push({ target, result: merge(results[i]!), stored: await target.stored() });
    console.log(`load average at end:   ${loadAverage()}\n`);
    report(measured);
  } finally {
    client?.postMessage({ close: true });
    client = null;
    for (const target of targets) await target.close();
  }
}

function report(measured: Measured[]): void {
  const rows = measured.map(({ target, result, stored }) => [
    target.name,
    rate(result).toFixed(0),
    percentile(result.latencies, 0.5).toFixed(2),
    percentile(result.latencies, 0.99).toFixed(2),
    String(result.errors.length),
    stored === null ? '-' : String(stored),
  ]);
  console.log(table(['target', 'messages/s', 'p50 ms', 'p99 ms', 'errors', 'stored'], rows));
  const bare = rate(measured[0]!.result);
  const rateOf = (name: string) => rate(measured.find((m) => m.target.name === name)!.result);
  console.log('');
  for (const { target, result } of measured.slice(1)) {
    console.log(`${target.name}: ÷ bare = ${(rate(result) / bare).toFixed(2)} (messages/s)`);
  }
  console.log(`DaTamer on PostgreSQL ÷ parse and store = ${(rateOf('DaTamer on PostgreSQL') / rateOf('parse and store (PostgreSQL)')).toFixed(2)}`);
  // What classifying behind the fence costs ordinary mail (docs/operations.md): the fenced target ÷ the unfenced one.
  console.log(`fence: DaTamer on SQLite ÷ unfenced = ${(rateOf('DaTamer on SQLite') / rateOf(UNFENCED.sqlite)).toFixed(3)}, DaTamer on PostgreSQL ÷ unfenced = ${(rateOf('DaTamer on PostgreSQL') / rateOf(UNFENCED.postgres)).toFixed(3)} (messages/s)`);
  for (const { target, result, stored } of measured) {
    if (result.errors.length) console.log(`${target.name}: ${result.errors.length} errors, first: ${result.errors[0]}`);
    // Stored counts include the warm-up; anything missing means DaTamer lost mail it had answered 250 to.
    if (stored !== null && stored !== WARMUP + result.latencies.length) {
      console.log(`${target.name}: stored ${stored} messages, expected ${WARMUP + result.latencies.length}`);
      process.exitCode = 1;
    }
  }
  const pgRatio = rateOf('DaTamer on PostgreSQL') / bare;
  console.log(`\nPostgreSQL target: ratio ≥ 0.50: ${pgRatio >= 0.5 ? 'met' : 'NOT met'} (${pgRatio.toFixed(2)})`);
}

async function all(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  if (only === undefined || only === 'smtp') await main();
  if (only === undefined || only === 'classification') await benchClassification();
  if (only === undefined || only === 'schedules') await benchSchedules();
  if (only === undefined || only === 'notifications') await benchNotifications();
  if (only === undefined || only === 'imap') await benchImap();
  if (only === undefined || only === 'web') await benchWeb();
  if (only === undefined || only === 'reports') await benchReports();
  if (only === undefined || only === 'grouping') await benchGrouping();
}

all().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
