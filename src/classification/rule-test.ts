// `datamer rule test <rule> <message>`: does this rule match that stored message, condition by
// condition, and what would it make of it?
import { parseMessage } from '../ingest/parse.js';
import { classifyMessage } from './classifier.js';
import type { Classification } from './classify.js';
import { factsOf } from './facts.js';
import { compileCondition, compileRules, conditionValues, type RuleCondition, type RuleDefinition } from './rules.js';
import { parseTags } from './tags.js';

export interface RuleTestResult {
  matched: boolean;
  conditions: Array<{ condition: RuleCondition; matched: boolean }>;
  /** the message's classification with this rule as the only rule */
  classification: Classification;
}

export async function testRule(rule: RuleDefinition, raw: Buffer): Promise<RuleTestResult> {
  const parsed = await parseMessage(raw);
  const base = factsOf(parsed, []);
  const facts = { ...base, servers: parseTags(base.subject, base.body).servers };
  const conditions = rule.conditions.map((condition) => {
    const regex = compileCondition(condition);
    return { condition, matched: conditionValues(condition, facts).some((value) => regex.test(value)) };
  });
  const outcome = classifyMessage(parsed, compileRules([{ ...rule, enabled: true }]));
  return { matched: outcome.matchedRuleIds.includes(rule.id), conditions, classification: outcome.classification };
}
