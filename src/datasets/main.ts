// `npm run dataset -- --seed S --days D --scale X [--history-days H] --out DIR`: writes DIR/corpus.mbox and
// DIR/truth.json (docs/datasets.md). A thin shell around generateCorpus; the mbox and the truth
// are written as streams, so corpora of hundreds of thousands of messages fit in memory.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_START, generateCorpus } from './generate.js';
import { truthChunks } from './truth-writer.js';

const number = (what: string, integer: boolean) => (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < 0) throw new InvalidArgumentError(`${what} must be a ${integer ? 'whole ' : ''}number, not "${value}"`);
  return n;
};

async function writeAll(file: string, chunks: Iterable<Buffer | string>): Promise<void> {
  const out: WriteStream = createWriteStream(file);
  for (const chunk of chunks) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

async function main(argv: string[]): Promise<void> {
  const program = new Command('dataset')
    .description('write a labelled corpus of monitoring mail: DIR/corpus.mbox and DIR/truth.json (docs/datasets.md)')
    .option('--seed <n>', 'the seed: the same seed gives the same corpus', number('seed', true), 1)
    .option('--days <n>', 'how many days of mail', number('days', false), 14)
    .option('--scale <x>', 'multiplies the routine traffic', number('scale', false), 1)
    .option('--start <iso>', 'the first instant scored', DEFAULT_START)
    .option('--history-days <n>', 'days of mail before --start, replayed but not scored (a tenant that has run that long)', number('history days', false), 0)
    .requiredOption('--out <dir>', 'the directory to write into (created when missing)')
    .parse(argv, { from: 'user' });
  const o = program.opts<{ seed: number; days: number; scale: number; start: string; historyDays: number; out: string }>();
  const corpus = generateCorpus({ seed: o.seed, days: o.days, scale: o.scale, start: o.start, historyDays: o.historyDays });
  mkdirSync(o.out, { recursive: true });
  await writeAll(path.join(o.out, 'corpus.mbox'), corpus.entries());
  await writeAll(path.join(o.out, 'truth.json'), truthChunks(corpus.truth));
  const t = corpus.truth;
  process.stderr.write(
    `dataset: wrote ${t.messages.length} messages (${t.incidents.length} incidents, ${t.scheduleAlerts.length} schedule alerts expected) to ${path.join(o.out, 'corpus.mbox')} and truth.json\n`,
  );
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`dataset: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
