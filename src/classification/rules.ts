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

// RE2 runs in time linear in the text, but not in the pattern: its DFA builds states as it reads,
// and a pattern such as `a[ab]{990}$` makes it build a new one at nearly every character, at a
// cost that grows with the pattern. So rules are bounded when saved (docs/operations.md):

/** The longest pattern a condition may have, in characters. */
export const MAX_PATTERN_LENGTH = 1000;
/** The most a condition's pattern may cost, in (an estimate of) RE2 instructions: see programCost. */
export const MAX_PATTERN_COST = 500;
/** The most all of a tenant's conditions on one field may cost together (one RE2.Set per field). */
export const MAX_FIELD_COST = 20_000;
/**
 * The most of a field a rule is matched against: the first 256 KiB of a body; a subject, a sender,
 * a header value or a server name is matched on its first 16 KiB. Tags read further (facts.ts).
 */
export const RULE_BODY_LIMIT = 256 * 1024;
export const RULE_FIELD_LIMIT = 16 * 1024;

/** A pattern as an error message quotes it: cut, so a huge one does not flood the answer. */
export function quotePattern(pattern: string): string {
  return pattern.length > 60 ? `/${pattern.slice(0, 60)}…/ (${pattern.length} characters)` : `/${pattern}/`;
}

/**
 * About how many instructions RE2 compiles a pattern to (its "program size", which the `re2`
 * package does not report): one per literal, class or anchor, one per operator, a group's
 * contents once, and a counted repetition `x{n,m}` its operand max(n, m) times, as RE2 unrolls it.
 * Nested repetitions multiply. An estimate for bounding cost, not an exact count.
 */
export function programCost(pattern: string): number {
  type Frame = { done: number; branch: number; last: number };
  const stack: Frame[] = [{ done: 0, branch: 0, last: 0 }];
  const top = () => stack[stack.length - 1]!;
  const atom = (cost: number) => {
    top().branch += cost;
    top().last = cost;
  };
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      if (pattern[i + 1] === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const stop = end === -1 ? pattern.length : end;
        top().branch += stop - (i + 2);
        top().last = 1;
        i = end === -1 ? stop : end + 2;
        continue;
      }
      // \p{Greek}, \x{2028}: one character or class, braces included.
      if ('pPx'.includes(pattern[i + 1] ?? '') && pattern[i + 2] === '{') i = Math.max(i + 2, pattern.indexOf('}', i + 2) - 1);
      else if (pattern[i + 1] === 'p' || pattern[i + 1] === 'P') i++; // \pL: a one-letter class name
      atom(1);
      i += 2;
      continue;
    }
    if (ch === '[') {
      // A class is one instruction; its end is the first `]` that is not its first character.
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : pattern.startsWith('[:', j) ? Math.max(1, pattern.indexOf(':]', j) + 2 - j) : 1;
      atom(1);
      i = j + 1;
      continue;
    }
    if (ch === '(') {
      if (pattern[i + 1] === '?') {
        const header = /^\(\?(?:P?<[A-Za-z_][A-Za-z0-9_]*>|[a-zA-Z-]*:|[a-zA-Z-]*\))/.exec(pattern.slice(i, i + 40));
        if (header?.[0].endsWith(')')) {
          i += header[0].length; // flags for the rest of the group: no instruction
          continue;
        }
        i += header ? header[0].length : 2;
      } else i++;
      stack.push({ done: 0, branch: 0, last: 0 });
      continue;
    }
    if (ch === ')' && stack.length > 1) {
      const group = stack.pop()!;
      atom(group.done + group.branch + 2);
      i++;
      continue;
    }
    if (ch === '|') {
      top().done += top().branch + 1;
      top().branch = 0;
      top().last = 0;
      i++;
      continue;
    }
    if (ch === '*' || ch === '+' || ch === '?') {
      top().branch += 1;
      i += pattern[i + 1] === '?' ? 2 : 1;
      continue;
    }
    const repeat = ch === '{' ? /^\{(\d{1,4})(?:(,)(\d{0,4}))?\}/.exec(pattern.slice(i, i + 12)) : null;
    if (repeat) {
      const times = Math.max(1, Number(repeat[1]), repeat[3] ? Number(repeat[3]) : 0);
      const operand = top().last;
      top().branch += operand * (times - 1) + 1;
      top().last = operand * times;
      i += repeat[0].length;
      continue;
    }
    atom(1);
    i++;
  }
  while (stack.length > 1) {
    const group = stack.pop()!;
    atom(group.done + group.branch + 2);
  }
  return top().done + top().branch;
}

/** What is wrong with a pattern's size, cost or reach, before the engine sees it. */
function patternBounds(pattern: string): string | null {
  if (pattern.trim() === '') return 'an empty pattern matches every message: write the text the field must contain';
  if (pattern.length > MAX_PATTERN_LENGTH) return `${quotePattern(pattern)} is longer than ${MAX_PATTERN_LENGTH} characters`;
  const cost = programCost(pattern);
  if (cost > MAX_PATTERN_COST) {
    return `${quotePattern(pattern)} is too costly to match (about ${cost} steps per character, at most ${MAX_PATTERN_COST}): use fewer or smaller counted repetitions such as {n,m}`;
  }
  return null;
}

export function compileCondition(condition: RuleCondition): RE2 {
  return new RE2(condition.caseSensitive ? condition.pattern : `(?i)${condition.pattern}`, 'u');
}

/**
 * Everything wrong with a rule, in words for the engineer who wrote it; empty when it is fine.
 * `saving: false` leaves out the bounds on size and cost, which apply when a rule is saved: a rule
 * saved before them still runs (behind the fence, src/classification/fenced.ts).
 */
export function ruleProblems(rule: Pick<RuleDefinition, 'name' | 'conditions' | 'actions'>, options: { saving?: boolean } = {}): string[] {
  const saving = options.saving ?? true;
  const problems: string[] = [];
  if (!rule.name.trim()) problems.push('a rule needs a name');
  if (rule.conditions.length === 0) problems.push('a rule needs at least one condition');
  const groups = new Set<string>();
  for (const condition of rule.conditions) {
    if (!RULE_FIELDS.includes(condition.field)) problems.push(`unknown field "${condition.field}": use ${RULE_FIELDS.join(', ')}`);
    if (condition.field === 'header' && !condition.header?.trim()) problems.push('a header condition needs the header\'s name');
    const bounds = saving ? patternBounds(condition.pattern) : null;
    if (bounds) {
      problems.push(bounds);
      continue;
    }
    try {
      new RE2(condition.pattern, 'u'); // the engineer's own pattern, so the engine's message quotes it
      const regex = compileCondition(condition);
      for (const m of condition.pattern.matchAll(/\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/g)) groups.add(m[1]!);
      // `a*` or `^` match the empty text, hence every text.
      if (saving && regex.test('') && regex.test('zq')) problems.push(`${quotePattern(condition.pattern)} matches every message (it matches even an empty text): write what the field must contain`);
    } catch (err) {
      // The engine's message quotes the pattern: it is cut there too.
      const why = (err as Error).message.split(condition.pattern).join(quotePattern(condition.pattern).slice(1, -1));
      problems.push(`${quotePattern(condition.pattern)} is not a valid expression: ${why.length > 200 ? `${why.slice(0, 200)}…` : why}`);
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
  const { group } = rule.actions;
  if (group !== undefined && group !== 'never' && group !== 'new') problems.push(`group "${String(group)}": use never (never group this mail) or new (always open a new event)`);
  if (severity === undefined && org === undefined && !servers?.length && !schedule && !rule.actions.folder && group === undefined) {
    problems.push('a rule needs at least one action (severity, org, servers, schedule, folder or group)');
  }
  return problems;
}

interface Slot {
  rule: number;
  condition: number;
}

/**
 * One RE2.Set per field (per header name): a field is scanned once for all rules. Should the
 * engine refuse to build one (too large: RE2 has a memory budget per program), it is built in
 * parts instead, and a condition the engine refuses even alone is left out: rules and tags still
 * classify (compileRules).
 */
type RE2Set = InstanceType<typeof RE2.Set>;
interface FieldSet {
  parts: Array<{ set: RE2Set; slots: Slot[] }>;
}

export interface CompiledRules {
  rules: RuleDefinition[];
  regexes: RE2[][];
  sets: Map<string, FieldSet>;
  /** conditions the engine could not put in any set: their rules never match */
  unusable: Slot[];
}

const setKey = (c: RuleCondition) => (c.field === 'header' ? `header:${c.header!.trim().toLowerCase()}` : c.field);

/** The enabled rules in order, without those that cannot be used (each reported through `skipped`). */
export function usableRules(definitions: RuleDefinition[], skipped: (rule: RuleDefinition, problem: string) => void = () => {}): RuleDefinition[] {
  const usable: RuleDefinition[] = [];
  for (const rule of definitions.filter((r) => r.enabled).sort((a, b) => a.position - b.position || a.id - b.id)) {
    const problems = ruleProblems(rule, { saving: false });
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
  const unusable: Slot[] = [];
  for (const [key, { patterns, slots }] of grouped) sets.set(key, { parts: buildSets(patterns, slots, unusable) });
  return { rules, regexes, sets, unusable };
}

function buildSets(patterns: string[], slots: Slot[], unusable: Slot[]): FieldSet['parts'] {
  try {
    return [{ set: new RE2.Set(patterns, 'u'), slots }];
  } catch {
    if (patterns.length === 1) {
      unusable.push(slots[0]!);
      return [];
    }
    const half = Math.ceil(patterns.length / 2);
    return [...buildSets(patterns.slice(0, half), slots.slice(0, half), unusable), ...buildSets(patterns.slice(half), slots.slice(half), unusable)];
  }
}

/**
 * What is wrong with a tenant's enabled rules taken together (checked when a rule is added or
 * enabled): a field whose conditions cost too much, or make a set the engine refuses to build.
 */
export function ruleSetProblems(definitions: RuleDefinition[]): string[] {
  const fields = new Map<string, string[]>();
  for (const rule of definitions.filter((r) => r.enabled)) {
    for (const condition of rule.conditions) fields.set(setKey(condition), [...(fields.get(setKey(condition)) ?? []), compileCondition(condition).source]);
  }
  const problems: string[] = [];
  for (const [key, patterns] of fields) {
    const cost = patterns.reduce((sum, p) => sum + programCost(p), 0);
    if (cost > MAX_FIELD_COST) {
      problems.push(`the ${patterns.length} enabled conditions on ${key} would cost about ${cost} steps per character together, at most ${MAX_FIELD_COST}: disable a rule on ${key}, or make the patterns shorter`);
      continue;
    }
    try {
      new RE2.Set(patterns, 'u');
    } catch (err) {
      problems.push(`the ${patterns.length} enabled conditions on ${key} are too large for the engine together (${(err as Error).message}): disable a rule on ${key}, or make the patterns shorter`);
    }
  }
  return problems;
}

function valuesOf(key: string, facts: MessageFacts): string[] {
  if (key === 'body') return [facts.body.slice(0, RULE_BODY_LIMIT)];
  const values = key === 'subject' ? [facts.subject] : key === 'from' ? [facts.from] : key === 'server' ? facts.servers : (facts.headers.get(key.slice('header:'.length)) ?? []);
  return values.map((v) => v.slice(0, RULE_FIELD_LIMIT));
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
  for (const [key, { parts }] of compiled.sets) {
    for (const value of valuesOf(key, facts)) {
      for (const { set, slots } of parts) {
        for (const index of set.match(value)) {
          const slot = slots[index]!;
          hit[slot.rule]![slot.condition] = true;
        }
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
