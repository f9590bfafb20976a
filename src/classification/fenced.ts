// Classification behind the fence (src/ingest/parse-pool.ts): how the pipeline, process-pending,
// reclassify, labelling, previews and replays ask for it. The HTML of a message and a tenant's
// rules are both input an attacker can write; neither may stop the main thread, and neither may
// cost a message its event:
//
//   1. the message is classified in a fence thread, within the classification budget;
//   2. should that be stopped (too slow, or its thread died), it is classified again without
//      layout and by its tags only (classifier.ts, `safe`), and says so;
//   3. should that be stopped too, it is unclassified, and says why.
//
// Rule sets travel to the threads once, named by a hash of their rules.
import { createHash } from 'node:crypto';
import type { ParsedMessage } from '../ingest/parse.js';
import { fence, fenceLimits, rawOf, whyNot, type RawSource } from '../ingest/parse-pool.js';
import type { ClassifyAnswer } from '../ingest/parse-thread.js';
import { classifyMessage, unclassifiedOutcome, type Outcome } from './classifier.js';
import { compileRules, type CompiledRules, type RuleDefinition } from './rules.js';

export interface RuleSet {
  key: string;
  rules: RuleDefinition[];
}

export function ruleSetOf(rules: RuleDefinition[]): RuleSet {
  return { key: createHash('sha256').update(JSON.stringify(rules)).digest('base64url'), rules };
}

export const NO_RULES = ruleSetOf([]);

export interface ClassifiedMessage {
  parsed: ParsedMessage;
  /** one per rule set, in order */
  outcomes: Outcome[];
}

let onMainThread = false;
const compiledHere = new Map<string, CompiledRules>();

/**
 * Classification on the calling thread instead, as DaTamer did before the fence: only for
 * `npm run bench`, which measures what the fence costs against it.
 */
export function classifyOnMainThread(on: boolean): void {
  onMainThread = on;
  compiledHere.clear();
}

function classifyHere(parsed: ParsedMessage, sets: RuleSet[]): Outcome[] {
  return sets.map((set) => {
    let rules = compiledHere.get(set.key);
    if (!rules) compiledHere.set(set.key, (rules = compileRules(set.rules)));
    return classifyMessage(parsed, rules);
  });
}

const shared = (sets: RuleSet[]) => sets.map((s) => ({ key: s.key, rules: s.rules }));

/** Parses (when given raw bytes) and classifies a message once per rule set, behind the fence. */
export async function classifyFenced(input: { raw: RawSource } | { parsed: ParsedMessage }, sets: RuleSet[]): Promise<ClassifiedMessage> {
  const pool = fence();
  if (onMainThread) {
    const parsed = 'parsed' in input ? input.parsed : await pool.parse(input.raw);
    return { parsed, outcomes: classifyHere(parsed, sets) };
  }
  const { classifyTimeoutMs } = fenceLimits();
  const first = await pool.run<ClassifyAnswer>({ task: 'classify', ...('parsed' in input ? { parsed: input.parsed } : rawOf(input.raw)), shared: shared(sets) }, classifyTimeoutMs);
  if (first.ok) return { parsed: 'parsed' in input ? input.parsed : first.value.parsed!, outcomes: first.value.outcomes };

  const stopped = `its classification was stopped: ${whyNot(first)}`;
  const parsed = 'parsed' in input ? input.parsed : await pool.parse(input.raw);
  const safe = await pool.run<ClassifyAnswer>({ task: 'classify', parsed, shared: shared(sets.map(() => NO_RULES)), safe: true }, classifyTimeoutMs);
  if (!safe.ok) return { parsed, outcomes: sets.map(() => unclassifiedOutcome(`not classified: ${stopped}, and again without layout or rules (${whyNot(safe)})`)) };
  return { parsed, outcomes: safe.value.outcomes.map((o) => ({ ...o, note: `classified by its tags only, its HTML read without layout: ${stopped}` })) };
}
