// The fence's thread (parse-pool.ts): the tasks that read message content, each answering once.
// An entry point like jobs/*: it is started by path, never imported for its code, so it may
// reach into classification and commands without making ingest depend on them.
//
//   parse        raw bytes, or the spool file holding them → ParsedMessage (parseMessage never throws)
//   classify     raw bytes (or their file) or a ParsedMessage, and rule sets → an Outcome per rule set: the HTML
//                turned into text, the tags read, the rules matched (src/classification)
//   reply-lines  a reply's text and HTML → the engineer's own lines (src/commands/reply-text.ts)
//   suggestion-check  a suggested rule and labelled examples → what it does wrong (suggestion-check.ts)
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import type { Outcome } from '../classification/classifier.js';
import type { RuleDraft } from '../classification/rule-store.js';
import type { CompiledRules, RuleDefinition } from '../classification/rules.js';
import type { CheckedExample } from '../classification/suggestion-check.js';
import { parseMessage, unparsed, type ParsedMessage } from './parse.js';

// Loaded on first use: a thread that only parses starts as fast as before (its start counts
// against the budget of its first task).
const classifier = () => require('../classification/classifier.js') as typeof import('../classification/classifier.js');
const rulesModule = () => require('../classification/rules.js') as typeof import('../classification/rules.js');
const suggestionCheck = () => require('../classification/suggestion-check.js') as typeof import('../classification/suggestion-check.js');
const replyText = () => require('../commands/reply-text.js') as typeof import('../commands/reply-text.js');

/** A rule set, sent to a thread once and then named by its key (a hash of its rules). */
export interface Shared {
  key: string;
  rules?: RuleDefinition[];
}

/** A message's bytes, or the spool file that holds them (parse-pool.ts, RawSource). */
type RawTask = { raw: Uint8Array; file?: undefined } | { file: string; raw?: undefined };

export type FenceTask =
  | ({ task: 'parse' } & RawTask)
  | ({ task: 'classify'; parsed?: ParsedMessage; shared: Shared[]; safe?: boolean } & (RawTask | { raw?: undefined; file?: undefined }))
  | { task: 'reply-lines'; text: string | null; html: string | null }
  | { task: 'suggestion-check'; draft: RuleDraft; own: CheckedExample; others: CheckedExample[] };

export type FenceRequest = FenceTask & { id: number };

export interface ClassifyAnswer {
  /** the message parsed, when it was sent raw */
  parsed: ParsedMessage | null;
  /** one per rule set, in order */
  outcomes: Outcome[];
}

/** Compiled rule sets this thread keeps, most recently used last. */
const KEPT_RULE_SETS = 16;
const compiled = new Map<string, CompiledRules>();

class MissingRules extends Error {}

function rulesOf(shared: Shared): CompiledRules {
  let rules = compiled.get(shared.key);
  if (rules) compiled.delete(shared.key);
  else if (shared.rules) rules = rulesModule().compileRules(shared.rules);
  else throw new MissingRules(shared.key);
  compiled.set(shared.key, rules);
  if (compiled.size > KEPT_RULE_SETS) compiled.delete(compiled.keys().next().value!);
  return rules;
}

const bytes = (raw: Uint8Array) => Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);

/** Parses the message sent, or the file named; a file that cannot be read is a message without content. */
async function parseRaw(request: RawTask): Promise<ParsedMessage> {
  if (request.raw) return parseMessage(bytes(request.raw));
  let raw: Buffer;
  try {
    raw = await readFile(request.file!);
  } catch (err) {
    return unparsed(`its spool file could not be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseMessage(raw);
}

export async function runTask(request: FenceTask): Promise<unknown> {
  switch (request.task) {
    case 'parse':
      return parseRaw(request);
    case 'classify': {
      const sets = request.shared.map(rulesOf);
      const parsed = request.parsed ?? (await parseRaw(request as RawTask));
      const outcomes = sets.map((rules) => classifier().classifyMessage(parsed, rules, { safe: request.safe ?? false }));
      return { parsed: request.parsed ? null : parsed, outcomes } satisfies ClassifyAnswer;
    }
    case 'reply-lines':
      return replyText().commandLines(request);
    case 'suggestion-check':
      return suggestionCheck().suggestionProblem(request.draft, request.own, request.others);
  }
}

// Only as a thread's own script: tests' threads import runTask and answer themselves.
if (parentPort && require.main === module) parentPort.on('message', (request: FenceRequest) => {
  void runTask(request).then(
    (value) => parentPort!.postMessage({ id: request.id, value }),
    (err: unknown) => {
      if (err instanceof MissingRules) parentPort!.postMessage({ id: request.id, missing: true });
      else throw err; // a fault: the thread dies, and the pool answers for it
    },
  );
});
if (parentPort && require.main === module) parentPort.postMessage({ ready: true });
