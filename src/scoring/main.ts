// `npm run score -- --truth T.json --replay R.jsonl [--json]`: reads a dataset's truth and a
// `datamer replay` output, prints the score (docs/scoring.md). Low scores are a result, not a
// failure: the exit code is 0 whenever both files could be read and scored.
import { existsSync, readFileSync } from 'node:fs';
import { loadConfig } from '../config.js';
import { configureFence } from '../ingest/parse-pool.js';
import { LADDER_HEADER, climbLadder, ladderLine } from './ladder.js';
import { Command, CommanderError } from 'commander';
import { messageOf } from '../errors.js';
import { renderReport } from './report-text.js';
import { firstIssue, parseReplay } from './replay-input.js';
import { scoreReplay } from './score.js';
import { truthSchema, type Truth } from './truth-types.js';

class InputError extends Error {}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : messageOf(err)}`);
  }
}

export function readTruth(file: string): Truth {
  let value: unknown;
  try {
    value = JSON.parse(read(file));
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${file} is not JSON: ${messageOf(err)}`);
  }
  const parsed = truthSchema.safeParse(value);
  if (!parsed.success) throw new InputError(`${file} is not a truth file: ${firstIssue(parsed.error)}`);
  return parsed.data;
}

function readReplayFile(file: string) {
  const text = read(file);
  try {
    return parseReplay(text);
  } catch (err) {
    throw new InputError(`${file} is not a replay output: ${messageOf(err)}`);
  }
}

/** The ladder: a replay per rung, in this process (the fence's threads parse and classify). */
async function ladder(truth: Truth, mbox: string, json: boolean): Promise<number> {
  if (!existsSync(mbox)) throw new InputError(`cannot read ${mbox}: no such file`);
  const config = loadConfig(process.env);
  configureFence(config.fence);
  if (!json) process.stdout.write(`${LADDER_HEADER}\n`);
  const rungs = await climbLadder(truth, mbox, config.smtp.maxBytes, (rung) => {
    if (!json) process.stdout.write(`${ladderLine(rung)}\n`);
  });
  if (json) process.stdout.write(`${JSON.stringify(rungs.map((r) => ({ name: r.name, signals: r.signals, grouping: r.score.grouping, incidentGrouping: r.score.incidentGrouping })))}\n`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('score')
    .description('scores a `datamer replay` output against the truth of its dataset (docs/scoring.md)')
    .requiredOption('--truth <file>', 'the truth.json written by `npm run dataset`')
    .option('--replay <file>', 'the JSON Lines written by `datamer replay`')
    .option('--ladder <mbox>', "replay the dataset's mbox once per rung of the ladder (B0, then each grouping signal added) and print each rung's grouping scores")
    .option('--json', 'print the score as one JSON object')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`datamer score: ${text.replace(/^error: /, '')}`) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    throw err;
  }
  const options = program.opts<{ truth: string; replay?: string; ladder?: string; json?: boolean }>();
  if (!options.replay && !options.ladder) {
    process.stderr.write("datamer score: required option '--replay <file>' not specified (or give --ladder <mbox>)\n");
    return 1;
  }
  try {
    if (options.ladder) return await ladder(readTruth(options.truth), options.ladder, options.json === true);
    const score = scoreReplay(readTruth(options.truth), readReplayFile(options.replay!));
    process.stdout.write(options.json ? `${JSON.stringify(score)}\n` : renderReport(score, { truth: options.truth, replay: options.replay! }));
    return 0;
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    process.stderr.write(`datamer score: ${err.message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`datamer score: unexpected error: ${messageOf(err)}\n`);
      process.exitCode = 1;
    },
  );
}
