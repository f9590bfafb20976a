// The commands an engineer writes in a reply (docs/commands.md). Pure: the
// reply's own lines in (reply-text.ts), one result per command line out, each either a command
// or an error in words the engineer can act on.
//
// Which lines are commands: the first line must be one, otherwise the reply gets "no command
// found" (a "Thanks!" above the commands is refused rather than guessed around, so what acts is
// always exactly what the engineer sees at the top of their reply). Every following line is read
// until the first line that is plainly not a command: a greeting or a name under the commands
// ("Thanks, Bob") ends them. A line that looks like a mistyped command (a word in capitals, or a
// keyword a letter or two off) is still read, and answered with an error instead of being ignored.
import { ruleProblems, type RuleCondition, type RuleField } from '../classification/rules.js';
import type { RuleDraft } from '../classification/rule-store.js';
import type { Severity } from '../classification/tags.js';
import { isOrgPattern } from '../org-paths.js';
import { MAX_LINE_LENGTH } from './reply-text.js';

export type EmailCommand =
  | { type: 'assign'; handle: string | null }
  | { type: 'unassign' }
  | { type: 'done'; note: string | null }
  | { type: 'reopen' }
  | { type: 'merge'; into: number; reason: string | null }
  | { type: 'split'; messageId: number | null; reason: string | null }
  | { type: 'rule'; draft: RuleDraft }
  | { type: 'subscribe'; pattern: string; level: 'responder' | 'interested' }
  | { type: 'unsubscribe'; pattern: string }
  | { type: 'set'; setting: 'alerts' | 'timezone' | 'quiet' | 'digest'; value: string }
  | { type: 'help' };

/** One command line of a reply, as the engineer wrote it, and what it says or what is wrong. */
export type ParsedCommand = { ok: true; line: string; command: EmailCommand } | { ok: false; line: string; error: string };

/** A reply is a handful of commands; more is a paste accident, answered rather than acted on. */
export const MAX_COMMANDS = 20;
/** Rule names made from a command are cut here (the full expression is in the condition). */
const RULE_NAME_LENGTH = 80;

const KEYWORDS = ['ASSIGN', 'UNASSIGN', 'DONE', 'REOPEN', 'MERGE', 'SPLIT', 'RULE', 'SUBSCRIBE', 'UNSUBSCRIBE', 'SET', 'HELP'] as const;
type Keyword = (typeof KEYWORDS)[number];

const HANDLE = /^@?([a-z0-9._-]+)$/i;
const HEADER_NAME = /^[!-9;-~]+$/; // RFC 5322 §2.2: printable ASCII except the colon
const SEVERITIES: Severity[] = ['info', 'warn', 'critical'];
const LEVELS = ['responder', 'interested'] as const;

class CommandError extends Error {}
function fail(message: string): never {
  throw new CommandError(message);
}

// ---- recognising a command line ----------------------------------------------------------------

/** Edit distance counting a swap of neighbours as one edit (DOEN), for "did you mean"; short words only. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

function closestKeyword(word: string): Keyword | null {
  if (word.length > 20) return null;
  const upper = word.toUpperCase();
  let best: Keyword | null = null;
  let bestDistance = Infinity;
  for (const keyword of KEYWORDS) {
    const d = distance(upper, keyword);
    if (d < bestDistance) [best, bestDistance] = [keyword, d];
  }
  // Two edits for long keywords (UNSUBSRIBE), one for short ones (DOEN, not "Dan").
  return best !== null && bestDistance <= (best.length >= 6 ? 2 : 1) ? best : null;
}

function firstWord(line: string): string {
  return line.split(/\s/, 1)[0]!;
}

function keywordOf(line: string): Keyword | null {
  const word = firstWord(line).toUpperCase();
  return (KEYWORDS as readonly string[]).includes(word) ? (word as Keyword) : null;
}

/**
 * A mistyped command rather than prose: a word of four or more capitals (shorter ones are sign-offs:
 * "BR", "VG"), or a keyword a slip or two away.
 */
function looksLikeCommand(line: string): boolean {
  const word = firstWord(line);
  return /^[A-Z]{4,}$/.test(word) || (word.length >= 4 && closestKeyword(word) !== null);
}

function unknownCommand(line: string): string {
  const word = firstWord(line);
  const shown = word.length > 40 ? `${word.slice(0, 40)}…` : word;
  const guess = closestKeyword(word);
  if (guess) return `unknown command "${shown}": did you mean ${guess}?`;
  return `unknown command "${shown}": the commands are ${KEYWORDS.join(', ')}`;
}

// ---- the commands ------------------------------------------------------------------------------

function noArgument(keyword: string, rest: string): void {
  if (rest !== '') fail(`${keyword} takes nothing after it (found "${rest}")`);
}

function parseAssign(rest: string): EmailCommand {
  if (rest === '') return { type: 'assign', handle: null };
  const match = HANDLE.exec(rest);
  if (!match) fail(`ASSIGN takes one handle (letters, digits, . _ -), e.g. "ASSIGN alice", or nothing to take it yourself; found "${rest}"`);
  return { type: 'assign', handle: match[1]!.toLowerCase() };
}

const reasonOf = (text: string) => (text.trim() === '' ? null : text.trim());

/** MERGE #1432 [reason] (or MERGE INTO #1432): this event into event 1432. */
function parseMerge(rest: string): EmailCommand {
  const match = /^(?:into\s+)?#?(\d{1,15})(?:\s+([\s\S]*))?$/i.exec(rest);
  if (!match) fail(`MERGE needs the event to merge this one into, e.g. "MERGE #1432 same NFS outage"${rest === '' ? '' : `; found "${rest}"`}`);
  return { type: 'merge', into: Number(match[1]), reason: reasonOf(match[2] ?? '') };
}

/** SPLIT [message id] [reason]: the message the reply answers, or the one named, out into an event of its own. */
function parseSplit(rest: string): EmailCommand {
  const match = /^(\d{1,15})(?:\s+([\s\S]*))?$/.exec(rest);
  if (match) return { type: 'split', messageId: Number(match[1]), reason: reasonOf(match[2] ?? '') };
  return { type: 'split', messageId: null, reason: reasonOf(rest) };
}

function orgPattern(keyword: string, pattern: string | undefined): string {
  if (!pattern) fail(`${keyword} needs an org pattern, e.g. "${keyword} infra.db.*"`);
  const lower = pattern.toLowerCase();
  if (!isOrgPattern(lower)) fail(`"${pattern}" is not an org pattern: write a.b.c (that org), a.b.* (a.b and below) or * (everything)`);
  return lower;
}

function parseSubscribe(rest: string): EmailCommand {
  const [pattern, level, ...extra] = rest.split(/\s+/).filter(Boolean);
  const org = orgPattern('SUBSCRIBE', pattern);
  const lower = level?.toLowerCase();
  if (!lower || !(LEVELS as readonly string[]).includes(lower)) {
    fail(`SUBSCRIBE needs a level after the pattern: responder (alerts) or interested (digests), e.g. "SUBSCRIBE ${org} responder"`);
  }
  if (extra.length > 0) fail(`SUBSCRIBE takes a pattern and a level only (found "${extra.join(' ')}")`);
  return { type: 'subscribe', pattern: org, level: lower as 'responder' | 'interested' };
}

function parseUnsubscribe(rest: string): EmailCommand {
  const [pattern, ...extra] = rest.split(/\s+/).filter(Boolean);
  const org = orgPattern('UNSUBSCRIBE', pattern);
  if (extra.length > 0) fail(`UNSUBSCRIBE takes one org pattern (found "${extra.join(' ')}")`);
  return { type: 'unsubscribe', pattern: org };
}

const RULE_EXAMPLE = 'e.g. RULE subject /backup failed on (?P<host>\\S+)/ => org=infra.backup severity=critical svr=$host';

function ruleField(token: string): Pick<RuleCondition, 'field' | 'header'> {
  const lower = token.toLowerCase();
  if (lower.startsWith('header:')) {
    const header = token.slice('header:'.length);
    if (!HEADER_NAME.test(header)) fail(`"${token}": write the header's name after header:, e.g. header:X-Nagios-Host`);
    return { field: 'header', header };
  }
  const fields: RuleField[] = ['subject', 'body', 'from', 'server'];
  if (!(fields as string[]).includes(lower)) fail(`RULE: unknown field "${token}": use subject, body, from, server or header:<Name>; ${RULE_EXAMPLE}`);
  return { field: lower as RuleField };
}

/** `/…/` starting at `start`: the expression (with `\/` read as `/`) and where it ends. */
function regexAt(text: string, start: number): { pattern: string; end: number } {
  if (text[start] !== '/') fail(`RULE: put the regular expression between slashes after the field; ${RULE_EXAMPLE}`);
  let pattern = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      // `\/` is a slash inside the expression; every other escape is RE2's to read.
      pattern += text[i + 1] === '/' ? '/' : c + text[i + 1];
      i++;
    } else if (c === '/') {
      return { pattern, end: i + 1 };
    } else {
      pattern += c;
    }
  }
  return fail('RULE: the regular expression has no closing "/" (write a slash inside it as \\/)');
}

function ruleActions(text: string): RuleDraft['actions'] {
  const actions: RuleDraft['actions'] = {};
  const tokens = text.split(/\s+/).filter(Boolean);
  if (tokens.length === 0) fail(`RULE: name at least one action after "=>": org=<path>, severity=<info|warn|critical> or svr=<fqdn|$group>; ${RULE_EXAMPLE}`);
  for (const token of tokens) {
    const eq = token.indexOf('=');
    const key = token.slice(0, Math.max(eq, 0)).toLowerCase();
    const value = token.slice(eq + 1);
    if (eq <= 0 || value === '') fail(`RULE: "${token}" is not an action: write key=value with org, severity or svr`);
    if (key === 'org') {
      if (actions.org !== undefined) fail('RULE: org= is given twice');
      actions.org = value.toLowerCase();
    } else if (key === 'severity') {
      if (actions.severity !== undefined) fail('RULE: severity= is given twice');
      const severity = value.toLowerCase();
      if (!(SEVERITIES as string[]).includes(severity)) fail(`RULE: severity "${value}": use info, warn or critical`);
      actions.severity = severity as Severity;
    } else if (key === 'svr' || key === 'server') {
      // Several servers: svr=a.example.com,b.example.com or svr= repeated.
      for (const server of value.split(',').filter(Boolean)) {
        const name = server.startsWith('$') ? server : server.toLowerCase().replace(/\.$/, '');
        actions.servers = [...(actions.servers ?? []), name];
      }
    } else {
      fail(`RULE: unknown action "${token.slice(0, Math.max(eq, 0))}": use org=, severity= or svr=`);
    }
  }
  return actions;
}

function parseRule(rest: string): EmailCommand {
  const fieldToken = firstWord(rest);
  if (fieldToken === '') fail(`RULE needs a field, an expression and actions; ${RULE_EXAMPLE}`);
  const field = ruleField(fieldToken);
  const afterField = rest.slice(fieldToken.length).trimStart();
  const { pattern, end } = regexAt(afterField, 0);
  if (pattern === '') fail('RULE: the regular expression is empty: it would match every message');
  const afterRegex = afterField.slice(end);
  const arrow = /^\s*=>/.exec(afterRegex);
  if (!arrow) fail(`RULE: write "=>" and the actions after the expression's closing slash; ${RULE_EXAMPLE}`);
  const actions = ruleActions(afterRegex.slice(arrow[0].length));
  const condition: RuleCondition = { ...field, pattern };
  const label = field.field === 'header' ? `header:${field.header}` : field.field;
  const fullName = `email: ${label} /${pattern}/`;
  const draft: RuleDraft = {
    name: fullName.length > RULE_NAME_LENGTH ? `${fullName.slice(0, RULE_NAME_LENGTH - 1)}…` : fullName,
    conditions: [condition],
    actions,
  };
  // The engine's own checks: an expression RE2 refuses is reported in RE2's words.
  const problems = ruleProblems(draft);
  if (problems.length > 0) fail(`RULE: ${problems.join('; ')}`);
  return { type: 'rule', draft };
}

const SETTINGS = ['alerts', 'timezone', 'quiet', 'digest'] as const;

/** SET ALERTS critical | SET TIMEZONE Europe/Berlin | SET QUIET 22:00-07:00 | SET DIGEST 8 (docs/notifications.md). */
function parseSet(rest: string): EmailCommand {
  const [name, ...value] = rest.split(/\s+/).filter(Boolean);
  const setting = name?.toLowerCase();
  if (!setting || !(SETTINGS as readonly string[]).includes(setting)) {
    fail(`SET needs what to set: ALERTS (e.g. "SET ALERTS critical"), TIMEZONE, QUIET (e.g. "SET QUIET 22:00-07:00") or DIGEST (a local hour, or off)`);
  }
  if (value.length === 0) fail(`SET ${setting.toUpperCase()} needs a value`);
  return { type: 'set', setting: setting as (typeof SETTINGS)[number], value: value.join(' ') };
}

function parseLine(keyword: Keyword, rest: string): EmailCommand {
  switch (keyword) {
    case 'ASSIGN':
      return parseAssign(rest);
    case 'UNASSIGN':
      noArgument(keyword, rest);
      return { type: 'unassign' };
    case 'DONE':
      return { type: 'done', note: rest === '' ? null : rest };
    case 'REOPEN':
      noArgument(keyword, rest);
      return { type: 'reopen' };
    case 'MERGE':
      return parseMerge(rest);
    case 'SPLIT':
      return parseSplit(rest);
    case 'RULE':
      return parseRule(rest);
    case 'SUBSCRIBE':
      return parseSubscribe(rest);
    case 'UNSUBSCRIBE':
      return parseUnsubscribe(rest);
    case 'SET':
      return parseSet(rest);
    case 'HELP':
      // Whatever follows (HELP RULE, HELP please) gets the whole reference.
      return { type: 'help' };
  }
}

function parseOne(line: string): ParsedCommand {
  if (line.length > MAX_LINE_LENGTH) return { ok: false, line, error: `this line is longer than ${MAX_LINE_LENGTH} characters` };
  const keyword = keywordOf(line);
  if (!keyword) return { ok: false, line, error: unknownCommand(line) };
  try {
    return { ok: true, line, command: parseLine(keyword, line.slice(firstWord(line).length).trim()) };
  } catch (err) {
    if (err instanceof CommandError) return { ok: false, line, error: err.message };
    throw err;
  }
}

/** The commands of a reply's own lines (commandLines), in order. */
export function parseCommands(lines: string[]): ParsedCommand[] {
  const own = lines.map((l) => l.trim()).filter((l) => l !== '');
  const first = own[0];
  if (first === undefined) return [{ ok: false, line: '', error: 'no command found: write a command such as ASSIGN or DONE on the first line of your reply' }];
  if (!keywordOf(first) && !looksLikeCommand(first)) {
    return [{ ok: false, line: first, error: 'no command found: the first line of your reply must be a command, such as ASSIGN or DONE' }];
  }
  const results: ParsedCommand[] = [];
  for (const line of own) {
    if (results.length > 0 && !keywordOf(line) && !looksLikeCommand(line)) break;
    if (results.length === MAX_COMMANDS) {
      results.push({ ok: false, line, error: `a reply may carry at most ${MAX_COMMANDS} commands; this one and those after it were not read` });
      break;
    }
    results.push(parseOne(line));
  }
  return results;
}

/** The reference an engineer gets in reply to HELP and with every error (docs/commands.md says the same). */
export const HELP_TEXT = `DaTamer commands by email

Reply to a DaTamer alert, assignment notice or digest, or to a message in the shared
mailbox, and write the commands on the first lines of your reply, above the quoted
message, one per line. Commands are not case-sensitive. Several are applied in order;
the first line that is not a command (a greeting, your name) ends them.

  ASSIGN                  take the event yourself
  ASSIGN alice            give it to the user with handle alice
  UNASSIGN                nobody is handling it any more
  DONE replaced the disk  complete the event, with an optional note
  REOPEN                  open a completed event again
  MERGE #1432 one outage  put this event's messages into event 1432 (one problem);
                          this one is completed, "merged into #1432"
  SPLIT wrong host        take the monitoring mail you reply to out of its event,
                          into an event of its own (SPLIT 5120: message 5120 of it)
  RULE subject /backup failed on (?P<host>\\S+)/ => org=infra.backup severity=critical svr=$host
                          add a classification rule: field subject, body, from, server or
                          header:<Name>; an RE2 expression between slashes (write / as \\/);
                          actions org=<path> severity=<info|warn|critical> svr=<fqdn|$group>.
                          The reply shows how many recent messages it matches.
  SUBSCRIBE infra.db.* responder
                          get alerts for infra.db and below (interested: digests only)
  UNSUBSCRIBE infra.db.*  stop that subscription
  SET ALERTS critical     which severities alert you by mail (info, warn, critical, all,
                          none); the rest wait for your daily digest
  SET TIMEZONE Europe/Berlin   SET QUIET 22:00-07:00   SET DIGEST 8
                          your time zone, quiet hours (critical alerts only) and the
                          local hour of your digest (or off)
  HELP                    this text

Send from your own address, the one DaTamer knows you by: mail from anyone else is
refused. Keep DaTamer's reply address and the [DaTamer #42] tag in the subject as they
are: they say which event you mean and that the reply is really yours. Writing to
DaTamer's plain address instead, put key:<your token> in the subject (datamer user token).

Every reply gets an answer: what changed, or what was wrong with the command.`;
