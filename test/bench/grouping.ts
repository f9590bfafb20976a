// Grouping (docs/correlation.md): how long the attach decision takes with 1,000 open events
// (target: p95 ≤ 10 ms), and how fast a generated corpus replays with every grouping signal on
// next to with none (B0: one event per message; target: no more than a fifth slower), measured
// side by side in one run, in turns, so that other work on the machine hits both alike.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_GROUPING, OpenEvents, decide, type Signal } from '../../src/correlation/grouping.js';
import type { GroupingKeys } from '../../src/correlation/grouping-keys.js';
import { generateCorpus } from '../../src/datasets/generate.js';
import { readMbox } from '../../src/mailboxes/mbox.js';
import { replay } from '../../src/replay/replay.js';
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
}
