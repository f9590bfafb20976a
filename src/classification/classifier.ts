// Classification of one parsed message: tags, then rules. Pure given the compiled rules.
import type { ParsedMessage } from '../ingest/parse.js';
import { decide, type Classification } from './classify.js';
import { factsOf } from './facts.js';
import { matchRules, type CompiledRules } from './rules.js';
import { parseTags, type TagWarning } from './tags.js';

export interface Outcome {
  classification: Classification;
  tagWarnings: TagWarning[];
  /** the rules that matched, in order */
  matchedRuleIds: number[];
}

export function classifyMessage(message: Pick<ParsedMessage, 'subject' | 'text' | 'html' | 'fromAddress' | 'headers'>, rules: CompiledRules): Outcome {
  const base = factsOf(message, []);
  const tags = parseTags(base.subject, base.body);
  const matches = matchRules(rules, { ...base, servers: tags.servers });
  return { classification: decide(tags, matches), tagWarnings: tags.warnings, matchedRuleIds: matches.map((m) => m.rule.id) };
}
