// Engineer-written rules (docs/cli.md, docs/commands.md), matched in linear time. Pure apart from the regex
// engine: a rule object in (from the CLI, an email command or the web alike), matches out.
//
// Regular expressions run on RE2 (the `re2` package): no backtracking, so a catastrophic pattern
// on a hostile 100 kB body costs microseconds, not hours. We measured it against re2js and
// re2-wasm (BENCHMARKS.md): RE2.Set checks every rule's condition on a field in one pass, which
// is what makes 1,000 rules affordable on every message.
import RE2 from 're2';
import type { RuleActions, RuleCondition, RuleDefinition, RuleField } from '../../models/rule.js';
import { isOrgPath } from '../org-paths.js';
import { isFqdn } from './tags.js';

export type { RuleActions, RuleCondition, RuleDefinition, RuleField };
export const RULE_FIELDS: RuleField[] = ['subject', 'body', 'from', 'header', 'server'];

/** What a rule is matched against. */
export interface MessageFacts {
  subject: string;
  body: string;
  from: string;
  /** lower-cased header name → values */
  headers: Map<string, string[]>;
  servers: string[];
}

export interface RuleMatch {
  rule: RuleDefinition;
  /** named groups captured by the rule's conditions */
  captures: Record<string, string>;
}

const SEVERITIES = ['info', 'warn', 'critical'];
const CAPTURE_REF = /^\$([A-Za-z_][A-Za-z0-9_]*)$/;

export function compileCondition(condition: RuleCondition): RE2 {
  return new RE2(condition.caseSensitive ? condition.pattern : `(?i)${condition.pattern}`, 'u');
}

/** Everything wrong with a rule, in words for the engineer who wrote it; empty when it is fine. */
export function ruleProblems(rule: Pick<RuleDefinition, 'name' | 'conditions' | 'actions'>): string[] {
  const problems: string[] = [];
  if (!rule.name.trim()) problems.push('a rule needs a name');
  if (rule.conditions.length === 0) problems.push('a rule needs at least one condition');
  const groups = new Set<string>();
  for (const condition of rule.conditions) {
    if (!RULE_FIELDS.includes(condition.field)) problems.push(`unknown field "${condition.field}": use ${RULE_FIELDS.join(', ')}`);
    if (condition.field === 'header' && !condition.header?.trim()) problems.push('a header condition needs the header\'s name');
    try {
      new RE2(condition.pattern, 'u'); // the engineer's own pattern, so the engine's message quotes it
      compileCondition(condition);
      for (const m of condition.pattern.matchAll(/\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/g)) groups.add(m[1]!);
    } catch (err) {
      problems.push(`/${condition.pattern}/ is not a valid expression: ${(err as Error).message}`);
    }
  }
  const { severity, org, servers, schedule } = rule.actions;
  if (severity !== undefined && !SEVERITIES.includes(severity)) problems.push(`severity "${severity}": use info, warn or critical`);
  if (org !== undefined && !isOrgPath(org)) problems.push(`org "${org}" is not an org path (dot-separated a-z 0-9 _ - segments)`);
  for (const server of servers ?? []) {
    const ref = CAPTURE_REF.exec(server);
    if (ref && !groups.has(ref[1]!)) problems.push(`${server}: no condition has a group named "${ref[1]}"`);
    if (!ref && !isFqdn(server)) problems.push(`server "${server}" is not a fully qualified domain name`);
  }
  if (schedule && !(['hour', 'day', 'month'].includes(schedule.period) && schedule.n >= 0 && schedule.v >= 0)) {
    problems.push('schedule needs a period (hour, day, month) and non-negative n and v');
  }
  if (severity === undefined && org === undefined && !servers?.length && !schedule && !rule.actions.folder) {
    problems.push('a rule needs at least one action (severity, org, servers, schedule or folder)');
  }
  return problems;
}

interface Slot {
  rule: number;
  condition: number;
}

/** One RE2.Set per field (per header name): a field is scanned once for all rules. */
type RE2Set = InstanceType<typeof RE2.Set>;
interface FieldSet {
  set: RE2Set;
  slots: Slot[];
}

export interface CompiledRules {
  rules: RuleDefinition[];
  regexes: RE2[][];
  sets: Map<string, FieldSet>;
}

const setKey = (c: RuleCondition) => (c.field === 'header' ? `header:${c.header!.trim().toLowerCase()}` : c.field);

/** The enabled rules in order, without those that cannot be used (each reported through `skipped`). */
export function usableRules(definitions: RuleDefinition[], skipped: (rule: RuleDefinition, problem: string) => void = () => {}): RuleDefinition[] {
  const usable: RuleDefinition[] = [];
  for (const rule of definitions.filter((r) => r.enabled).sort((a, b) => a.position - b.position || a.id - b.id)) {
    const problems = ruleProblems(rule);
    if (problems.length > 0) skipped(rule, problems.join('; '));
    else usable.push(rule);
  }
  return usable;
}

/**
 * Compiles the enabled rules, in order. Rules are checked when saved (ruleProblems); one that still
 * cannot be compiled (a row edited by hand, or saved by an older version) is left out and reported
 * through `skipped`, so one bad rule never stops the others from classifying.
 */
export function compileRules(definitions: RuleDefinition[], skipped: (rule: RuleDefinition, problem: string) => void = () => {}): CompiledRules {
  const rules = usableRules(definitions, skipped);
  const regexes = rules.map((rule) => rule.conditions.map(compileCondition));
  const grouped = new Map<string, { patterns: string[]; slots: Slot[] }>();
  rules.forEach((rule, r) =>
    rule.conditions.forEach((condition, c) => {
      const key = setKey(condition);
      const entry = grouped.get(key) ?? { patterns: [], slots: [] };
      entry.patterns.push(regexes[r]![c]!.source);
      entry.slots.push({ rule: r, condition: c });
      grouped.set(key, entry);
    }),
  );
  const sets = new Map<string, FieldSet>();
  for (const [key, { patterns, slots }] of grouped) sets.set(key, { set: new RE2.Set(patterns, 'u'), slots });
  return { rules, regexes, sets };
}

function valuesOf(key: string, facts: MessageFacts): string[] {
  if (key === 'subject') return [facts.subject];
  if (key === 'body') return [facts.body];
  if (key === 'from') return [facts.from];
  if (key === 'server') return facts.servers;
  return facts.headers.get(key.slice('header:'.length)) ?? [];
}

/** The texts of a message a condition looks at (several for servers and repeated headers). */
export function conditionValues(condition: RuleCondition, facts: MessageFacts): string[] {
  return valuesOf(setKey(condition), facts);
}

/**
 * The rules that match, in order: the first match ends the search unless that rule says
 * `continue`. A rule matches when all its conditions do.
 */
export function matchRules(compiled: CompiledRules, facts: MessageFacts): RuleMatch[] {
  const hit = compiled.rules.map((r) => new Array<boolean>(r.conditions.length).fill(false));
  for (const [key, { set, slots }] of compiled.sets) {
    for (const value of valuesOf(key, facts)) {
      for (const index of set.match(value)) {
        const slot = slots[index]!;
        hit[slot.rule]![slot.condition] = true;
      }
    }
  }

  const matches: RuleMatch[] = [];
  for (let r = 0; r < compiled.rules.length; r++) {
    if (!hit[r]!.every(Boolean)) continue;
    const rule = compiled.rules[r]!;
    const captures: Record<string, string> = {};
    if (rule.actions.servers?.some((s) => CAPTURE_REF.test(s))) {
      rule.conditions.forEach((condition, c) => {
        for (const value of conditionValues(condition, facts)) {
          const groups = compiled.regexes[r]![c]!.exec(value)?.groups;
          for (const [name, text] of Object.entries(groups ?? {})) if (text !== undefined && !(name in captures)) captures[name] = text;
        }
      });
    }
    matches.push({ rule, captures });
    if (!rule.continue) break;
  }
  return matches;
}

/** The servers a matched rule names: literals as written, `$group` as captured (when it is an FQDN). */
export function serversOf(match: RuleMatch): string[] {
  const out: string[] = [];
  for (const server of match.rule.actions.servers ?? []) {
    const ref = CAPTURE_REF.exec(server);
    const name = (ref ? match.captures[ref[1]!] ?? '' : server).toLowerCase().replace(/\.$/, '');
    if (isFqdn(name) && !out.includes(name)) out.push(name);
  }
  return out;
}
