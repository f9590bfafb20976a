// The DaTamer tags a simulated sender writes (docs/tags.md), and what they must yield. The
// expectation is computed from the plan, not by running DaTamer's parser: the tests run the
// parser over every generated message and compare, so the truth stays honest.
import type { Expected, Flag } from './truth.js';
import type { Rng } from './prng.js';

export type Severity = 'info' | 'warn' | 'critical';
export type Period = 'hour' | 'day' | 'month';
export interface Schedule { period: Period; n: number; v: number }

/** Mistakes senders make; each is worth exactly one tag warning. */
export type Mistake = 'sched-not-a-count' | 'sched-unknown-period' | 'org-empty' | 'org-bad-path' | 'svr-short-name' | 'svr-ip' | 'org-conflict';

export interface TagPlan {
  severity?: Severity | null;
  org?: string | null;
  servers?: string[];
  schedule?: Schedule | null;
  mistakes?: Mistake[];
  /** where the tags go; 'mixed' puts severity and org in the subject, the rest in the body */
  placement?: 'subject' | 'body' | 'mixed';
  /** the sender also writes a lower severity (`:info: … :critical:`): the highest must win */
  alsoLower?: boolean;
}

export interface Tagging {
  /** tags for the start of the subject ('' for none) */
  subject: string;
  /** tag lines for the body ([] for none) */
  body: string[];
  expected: Expected;
  warnings: number;
  flags: Flag[];
}

const LOWER: Record<Severity, Severity | null> = { info: null, warn: 'info', critical: 'info' };

const MISTAKE_TEXT: Record<Mistake, (rng: Rng) => string> = {
  'sched-not-a-count': (rng) => rng.pick([':sched-perday-x:', ':sched-perhour-one:', ':sched-perday-1.5:']),
  'sched-unknown-period': (rng) => rng.pick([':sched-perweek-1:', ':sched-perminute-2:']),
  'org-empty': () => ':org::',
  'org-bad-path': (rng) => rng.pick([':org:datamer..frontend:', ':org:Datamer/Frontend:', ':org:.datamer:']),
  'svr-short-name': (rng) => rng.pick([':svr:localhost', ':svr:db1:', ':svr:web3']),
  'svr-ip': (rng) => rng.pick([':svr:10.0.1.17', ':svr:192.168.7.3:']),
  'org-conflict': () => ':org:datamer.unsorted:',
};

const scheduleTag = (s: Schedule, rng: Rng): string => {
  const period = { hour: 'perhour', day: 'perday', month: 'permonth' }[s.period];
  // `/0` may be left out; senders do both.
  const variance = s.v === 0 && rng.chance(0.6) ? '' : `/${s.v}`;
  return `:sched-${period}-${s.n}${variance}:`;
};

// Senders spell tags in any case; DaTamer must not care.
const caseOf = (tag: string, rng: Rng): string => (rng.chance(0.1) ? tag.toUpperCase() : tag);

export const UNTAGGED: Expected = { severity: null, org: null, servers: [], schedule: null };

export function untagged(): Tagging {
  return { subject: '', body: [], expected: { ...UNTAGGED, servers: [] }, warnings: 0, flags: ['untagged'] };
}

export function tagging(plan: TagPlan, rng: Rng): Tagging {
  const placement = plan.placement ?? rng.pick(['subject', 'body', 'mixed', 'mixed'] as const);
  const subject: string[] = [];
  const body: string[] = [];
  const head = (tag: string) => (placement === 'body' ? body : subject).push(tag);
  const tail = (tag: string) => (placement === 'subject' ? subject : body).push(tag);

  if (plan.severity) {
    if (plan.alsoLower && LOWER[plan.severity]) tail(`:${LOWER[plan.severity]}:`);
    head(caseOf(`:${plan.severity}:`, rng));
  }
  if (plan.org) head(`:org:${plan.org}:`);
  for (const s of plan.servers ?? []) tail(rng.chance(0.5) ? `:svr:${s}` : `:svr:${s}:`);
  if (plan.schedule) tail(scheduleTag(plan.schedule, rng));
  // Without a valid org first, a "conflicting" org would simply be the org: not a mistake.
  const mistakes = (plan.mistakes ?? []).filter((m) => m !== 'org-conflict' || plan.org);
  // A conflicting org only loses when it comes after the valid one: the body, after the subject.
  for (const m of mistakes) (m === 'org-conflict' ? body : rng.chance(0.5) ? subject : body).push(MISTAKE_TEXT[m](rng));

  const servers = [...new Set((plan.servers ?? []).map((s) => s.toLowerCase()))].sort();
  const severity = plan.severity ?? null;
  const tagged = severity !== null || plan.org || servers.length > 0 || plan.schedule;
  const flags: Flag[] = [tagged ? 'tagged' : 'untagged'];
  if (mistakes.length > 0) flags.push('malformed-tag');
  return {
    subject: subject.join(' '),
    body,
    expected: { severity, org: plan.org ?? null, servers, schedule: plan.schedule ?? null },
    warnings: mistakes.length,
    flags,
  };
}

/** Subject with the tags in front, as the senders in docs/tags.md write them. */
export const withTags = (t: Tagging, subject: string): string => (t.subject ? `${t.subject} ${subject}` : subject);

/** Body text with the tag lines at the end. */
export const bodyWithTags = (t: Tagging, text: string): string => (t.body.length ? `${text.replace(/\n*$/, '\n')}\n${t.body.join('\n')}\n` : text);

const MISTAKES: Mistake[] = ['sched-not-a-count', 'sched-unknown-period', 'org-empty', 'org-bad-path', 'svr-short-name', 'svr-ip', 'org-conflict'];

/** One or two mistakes a sender might make. */
export function someMistakes(rng: Rng): Mistake[] {
  const first = rng.pick(MISTAKES);
  if (!rng.chance(0.2)) return [first];
  return [first, rng.pick(MISTAKES.filter((m) => m !== first))];
}
