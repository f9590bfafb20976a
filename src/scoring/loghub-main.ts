// `npm run loghub -- <folder>`: DaTamer's template miner on Loghub-2k, data set by data set,
// beside Drain's published grouping accuracy (docs/correlation.md says where to get the data).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { messageOf } from '../errors.js';
import { scoreLoghub } from './loghub.js';

function main(args: string[]): number {
  const folder = args.find((a) => !a.startsWith('-'));
  if (!folder || !existsSync(path.join(folder, 'settings.json'))) {
    process.stderr.write('datamer loghub: give the Loghub-2k folder (with settings.json and the *_2k.log_structured.csv files): npm run loghub -- <folder>\n');
    return 1;
  }
  const results = scoreLoghub(folder);
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (x: number | null) => (x === null ? '     -' : x.toFixed(4).padStart(6));
  const out = [`${pad('data set', 12)} ${pad('templates', 9)}     GA  published   pairwise F1`];
  for (const r of results) out.push(`${pad(r.dataset, 12)} ${String(r.templates).padStart(9)} ${num(r.groupingAccuracy)}     ${num(r.publishedGA)}        ${num(r.pairwiseF1)}`);
  const mean = (f: (r: (typeof results)[number]) => number) => results.reduce((s, r) => s + f(r), 0) / results.length;
  const published = results.every((r) => r.publishedGA !== null) ? mean((r) => r.publishedGA!) : null;
  out.push(`${pad('average', 12)} ${pad('', 9)} ${num(mean((r) => r.groupingAccuracy))}     ${num(published)}        ${num(mean((r) => r.pairwiseF1))}`);
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`datamer loghub: ${messageOf(err)}\n`);
  process.exitCode = 1;
}
