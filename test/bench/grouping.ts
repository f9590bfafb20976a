// Grouping (docs/correlation.md): how long the attach decision takes with 1,000 open events
// (target: p95 ≤ 10 ms), and how fast a generated corpus replays with every grouping signal on
// next to with none (B0: one event per message; target: no more than a fifth slower), measured
// side by side in one run, in turns, so that other work on the machine hits both alike. Then
// what a process starting (or finding that another wrote) pays to rebuild a tenant's grouping
// memory after a day of 20,000 messages (BENCH_RELOAD_SCALE, default 80; 0 leaves it out).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_GROUPING, OpenEvents, decide, type Signal } from '../../src/correlation/grouping.js';
import type { GroupingKeys } from '../../src/correlation/grouping-keys.js';
import { generateCorpus } from '../../src/datasets/generate.js';
import { readMbox } from '../../src/mailboxes/mbox.js';
import { replay } from '../../src/replay/replay.js';
import { VirtualClock } from '../../src/clock.js';
import { openDb } from '../../src/db.js';
import { loadOpenEvents } from '../../src/events/grouping-session.js';
import { silentLogger } from '../../src/log.js';
import { splitMbox } from '../../src/mailboxes/mbox.js';
import { migrate } from '../../src/migrate.js';
import { receive } from '../../src/pipeline.js';
import { addTenant } from '../../src/tenants/tenants.js';
import { createTestDatabase } from '../helpers/db.js';
import { percentile, table, whole } from './stats.js';

const MINUTE = 60_000;
const OPEN = 1000;

/** A problem from one of 200 hosts, of one of 300 kinds of mail. */
const keysOf = (i: number): GroupingKeys => ({
  sig: i % 300, hosts: [`h${i % 200}.example.test`], org: `org.${i % 40}`, tool: 'nagios', check: `check ${i % 300}`, state: 'problem', severity: 'warn', routine: false, rule: null,
});

function benchDecision(): string[][] {
  const open = new OpenEvents(DEFAULT_GROUPING);
  // 1,000 open events of 3 members each, spread over the last 20 minutes.
  for (let e = 0; e < OPEN; e++) {
    const event = open.open(e + 1, keysOf(e * 7), (e % 20) * MINUTE);
    for (let k = 1; k < 3; k++) open.add(event, keysOf(e * 7 + k), (e % 20) * MINUTE + k * 1000);
  }
  const times: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const started = performance.now();
    decide(open, keysOf(i * 13 + 5), 20 * MINUTE + i);
    times.push(performance.now() - started);
  }
  return [['attach decision, 1,000 open events', times.length.toString(), percentile(times, 0.5).toFixed(3), percentile(times, 0.95).toFixed(3), percentile(times, 0.99).toFixed(3)]];
}

async function replaySeconds(mbox: string, signals: Signal[]): Promise<{ seconds: number; messages: number }> {
  const started = performance.now();
  const summary = await replay(readMbox(mbox, { keepAtMost: 25 * 1024 * 1024 }), () => {}, { maxBytes: 25 * 1024 * 1024, grouping: { signals } });
  return { seconds: (performance.now() - started) / 1000, messages: summary.messages };
}

/**
 * A tenant that has run a day at `scale`: its mail stored through the pipeline (in arrival order,
 * 20 messages a commit, the clock at each batch's first), then its grouping memory rebuilt from
 * the database as a starting process does (loadOpenEvents), `rounds` times.
 */
async function benchReload(dialect: 'sqlite' | 'postgres', scale: number, rounds: number): Promise<string[]> {
  const corpus = generateCorpus({ seed: 5, days: 1, scale });
  const raws = splitMbox(corpus.mbox());
  const order = corpus.truth.messages.filter((m) => !m.rejected).sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.index - b.index);
  const database = await createTestDatabase(dialect);
  const db = await openDb(database.url);
  try {
    await migrate(db);
    const clock = new VirtualClock(Date.parse(order[0]!.at));
    const deps = { db, clock, log: silentLogger() };
    const tenantId = (await addTenant(deps, { name: 'reload', address: 'reload@bench.invalid' })).tenant.id;
    for (let i = 0; i < order.length; i += 20) {
      const batch = order.slice(i, i + 20);
      clock.set(new Date(Math.max(clock.now().getTime(), Date.parse(batch[0]!.at))));
      await receive(deps, batch.map((m) => ({ tenantId, mailboxId: null, raw: raws[m.index]!.raw, source: 'smtp' as const })));
    }
    const links = await db.models.EventMessage.count({ where: { tenantId } });
    const pairs = await db.models.LearnedPair.count({ where: { tenantId } });
    const times: number[] = [];
    let open = 0;
    for (let r = 0; r < rounds; r++) {
      const started = performance.now();
      const memory = await db.transaction((transaction) => loadOpenEvents(deps, tenantId, DEFAULT_GROUPING, clock.now().getTime(), transaction));
      times.push(performance.now() - started);
      open = memory.events.size;
    }
    return [dialect, links.toString(), pairs.toString(), open.toString(), percentile(times, 0.5).toFixed(0), Math.max(...times).toFixed(0)];
  } finally {
    await db.close();
    await database.drop();
  }
}

export async function benchGrouping(): Promise<void> {
  console.log('\nGrouping: the attach decision (ms)');
  console.log(table(['case', 'decisions', 'p50', 'p95', 'p99'], benchDecision()));

  const dir = mkdtempSync(path.join(os.tmpdir(), 'datamer-bench-grouping-'));
  try {
    const days = whole('BENCH_GROUPING_DAYS', 7);
    const mbox = path.join(dir, 'corpus.mbox');
    writeFileSync(mbox, generateCorpus({ seed: 3, days, scale: 1 }).mbox());
    const rounds = whole('BENCH_ROUNDS', 2);
    const with_: number[] = [];
    const without: number[] = [];
    let messages = 0;
    for (let r = 0; r < rounds; r++) {
      const b0 = await replaySeconds(mbox, []);
      const all = await replaySeconds(mbox, DEFAULT_GROUPING.signals);
      without.push(b0.seconds);
      with_.push(all.seconds);
      messages = all.messages;
    }
    const best = (xs: number[]) => Math.min(...xs);
    console.log(`\nGrouping: replay of a ${days}-day corpus (${messages} messages), best of ${rounds} rounds`);
    console.log(
      table(['replay', 'seconds', 'messages/s', 'vs B0'], [
        ['B0: no signal (one event per message)', best(without).toFixed(1), (messages / best(without)).toFixed(0), '1.00'],
        ['every signal', best(with_).toFixed(1), (messages / best(with_)).toFixed(0), (best(without) / best(with_)).toFixed(2)],
      ]),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const scale = process.env.BENCH_RELOAD_SCALE === '0' ? 0 : whole('BENCH_RELOAD_SCALE', 80);
  if (scale > 0) {
    const rows: string[][] = [];
    for (const dialect of ['sqlite', 'postgres'] as const) rows.push(await benchReload(dialect, scale, whole('BENCH_ROUNDS', 2) + 1));
    console.log(`\nGrouping: rebuilding a tenant's memory after a day at scale ${scale} (ms)`);
    console.log(table(['database', 'memberships', 'learned pairs', 'open events', 'p50', 'max'], rows));
  }
}
