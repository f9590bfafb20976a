// DaTamer's template miner on the public Loghub-2k benchmark (Zhu et al., ICSE-SEIP 2019; data
// from https://github.com/logpai/loghub): 16 data sets of 2,000 log lines, each line labelled
// with its template. The miner runs with each data set's published Drain settings (the regular
// expressions masked before parsing, the similarity threshold, the depth, as in logpai/logparser's
// Drain benchmark) and is scored as the benchmark scores: lines whose final templates are the
// same text form one group (the benchmark names a group by a hash of its template), then
// grouping accuracy and pairwise F1 against the labels. docs/correlation.md has the figures.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_DRAIN, TemplateMiner, WILDCARD } from '../correlation/drain.js';
import { contingency, groupingAccuracy, pairwise } from './cluster-metrics.js';

export interface LoghubSetting {
  /** masked as variables before the line is split into tokens */
  regex: string[];
  st: number;
  depth: number;
  published?: { GA?: number; F1?: number };
}

export interface LoghubResult {
  dataset: string;
  lines: number;
  templates: number;
  groupingAccuracy: number;
  pairwiseF1: number;
  publishedGA: number | null;
}

/** The rows of a CSV file (RFC 4180: quoted fields may hold commas, quotes doubled, line breaks). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** The miner's groups of a data set's lines: one template text per line. */
export function mineLines(contents: readonly string[], setting: LoghubSetting): string[] {
  const masks = setting.regex.map((r) => new RegExp(r, 'g'));
  const miner = new TemplateMiner({ ...DEFAULT_DRAIN, depth: setting.depth, similarity: setting.st });
  const ids = contents.map((content) => {
    let line = content;
    for (const mask of masks) line = line.replace(mask, WILDCARD);
    return miner.add(line.trim().split(/\s+/).filter((t) => t !== '')).template.id;
  });
  // A template is final only once every line is in: name each line's group by its template's last text.
  return ids.map((id) => miner.template(id)!.tokens.join(' '));
}

export function scoreDataset(dataset: string, csv: string, setting: LoghubSetting): LoghubResult {
  const [header, ...rows] = parseCsv(csv).filter((r) => r.length > 1);
  const content = header!.indexOf('Content');
  const eventId = header!.indexOf('EventId');
  if (content < 0 || eventId < 0) throw new Error(`${dataset}: no Content and EventId columns`);
  const predicted = mineLines(rows.map((r) => r[content]!), setting);
  const table = contingency(rows.map((r) => r[eventId]!), predicted);
  return {
    dataset,
    lines: rows.length,
    templates: new Set(predicted).size,
    groupingAccuracy: groupingAccuracy(table),
    pairwiseF1: pairwise(table).f1,
    publishedGA: setting.published?.GA ?? null,
  };
}

/** Every data set of a Loghub-2k folder that settings.json describes, in the order it lists them. */
export function scoreLoghub(folder: string): LoghubResult[] {
  const settings = JSON.parse(readFileSync(path.join(folder, 'settings.json'), 'utf8')) as Record<string, LoghubSetting>;
  return Object.entries(settings)
    .filter(([name]) => !name.startsWith('_'))
    .map(([name, setting]) => scoreDataset(name, readFileSync(path.join(folder, `${name}_2k.log_structured.csv`), 'utf8'), setting));
}
