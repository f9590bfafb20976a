// An engineer filed a message by hand into an org's folder (docs/mailbox.md): the message takes
// that org at once, the filing is kept as a labelled example, and DaTamer proposes a rule
// (suggest.ts) that would file later messages of the same shape the same way. The rule is saved
// disabled: it classifies nothing until an engineer accepts it with `datamer rule enable`.
import type { Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import { DatamerError, isDatamerError } from '../errors.js';
import { labelMessageEvent } from '../events/change.js';
import type { ParsedMessage } from '../ingest/parse.js';
import { fence, fenceLimits, parseOffThread, whyNot } from '../ingest/parse-pool.js';
import { streamKey } from '../schedules/stream-key.js';
import type { ActivityVia, LabelledExample, Message, Rule } from '../../models/index.js';
import { classifyFenced, ruleSetOf } from './fenced.js';
import type { Classification } from './classify.js';
import { addRule, definitionOf, listRules, tenantRuleSet, type RuleDraft } from './rule-store.js';
import { suggestRule } from './suggest.js';
import type { CheckedExample } from './suggestion-check.js';
import { isOrgPath } from '../org-paths.js';
import type { Severity } from './tags.js';

/** How many of the latest labelled examples a new suggestion is checked against. */
const EXAMPLES_CHECKED = 200;

/** Who filed a suggestion: rules.created_by of the rules DaTamer proposes. */
export const SUGGESTED_BY = 'datamer';

/**
 * The one-word `by` of a labelled message. Who exactly labelled it is in decidedBy.org
 * (`label:<handle>`), the labelled example and the activity row.
 *
 * Why a new word rather than one of tag|rule:<id>|none: `by` means "whoever decided the org"
 * (docs/architecture.md), and here a person did; `none` beside an org, or the id of a rule that
 * is still disabled, would say something false. The replay format (docs/replay.md) is not
 * affected: a replay prints what receive() decided on a fresh in-memory database, where nothing
 * is ever labelled. `label:<handle>` itself could outgrow messages.classified_by (64 characters,
 * a handle alone may have 64), so the column gets the word and decidedBy the handle.
 */
export const LABEL_BY = 'label';

export interface LabelInput {
  org: string;
  /** a user handle, or `mailbox` when the move cannot be attributed */
  by: string;
  via: ActivityVia;
}

export interface Labelled {
  example: LabelledExample;
  /** the proposed rule (disabled until accepted), or an existing rule that already files the message so; null when no rule could be made */
  rule: Rule | null;
  /** whether this call changed the message's org */
  reclassified: boolean;
}

async function messageOf(deps: Deps, tenantId: number, messageId: number, transaction?: Transaction): Promise<Message> {
  const message = await deps.db.models.Message.findOne({
    where: { tenantId, id: messageId },
    transaction,
    // Two labels of one message at once (two engineers, or a watcher pass running twice) wait
    // for each other on PostgreSQL; SQLite runs one write transaction at a time anyway.
    ...(transaction ? { lock: true } : {}),
  });
  if (!message) throw new DatamerError('NOT_FOUND', `no message ${messageId}`);
  return message;
}

const latestExample = (deps: Deps, tenantId: number, messageId: number, transaction?: Transaction) =>
  deps.db.models.LabelledExample.findOne({ where: { tenantId, messageId }, order: [['id', 'DESC']], transaction });

async function ruleById(deps: Deps, tenantId: number, id: number | null, transaction?: Transaction): Promise<Rule | null> {
  return id === null ? null : deps.db.models.Rule.findOne({ where: { tenantId, id }, transaction });
}

/** The first of the tenant's rules (enabled or not) that, on its own, files the message into `org`. */
async function ruleFilingAs(rules: Rule[], parsed: ParsedMessage, org: string): Promise<Rule | null> {
  const candidates = rules.filter((rule) => rule.actions.org === org);
  if (candidates.length === 0) return null;
  const { outcomes } = await classifyFenced({ parsed }, candidates.map((rule) => ruleSetOf([{ ...definitionOf(rule), enabled: true }])));
  return candidates.find((rule, i) => outcomes[i]!.classification.decidedBy.org === `rule:${rule.id}`) ?? null;
}

function uniqueName(base: string, taken: Set<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base} (${n})`)) return `${base} (${n})`;
}

/**
 * Where the suggestion goes: just before the first enabled rule that matches the example today.
 * Rules stop at their first match, so at the end it could never be reached by this message;
 * saying `continue` (suggest.ts) it still lets that rule add what it did before.
 */
async function positionFor(deps: Deps, tenantId: number, parsed: ParsedMessage, rules: Rule[]): Promise<number | undefined> {
  const [first] = (await classifyFenced({ parsed }, [await tenantRuleSet(deps, tenantId)])).outcomes[0]!.matchedRuleIds;
  const rule = rules.find((r) => r.id === first);
  return rule ? rule.position - 1 : undefined;
}

/** The earlier labelled examples a suggestion is checked against: the latest label of each message. */
async function earlierExamples(deps: Deps, tenantId: number, messageId: number): Promise<CheckedExample[]> {
  const { LabelledExample, Message } = deps.db.models;
  const rows = await LabelledExample.findAll({ where: { tenantId }, order: [['id', 'DESC']], limit: EXAMPLES_CHECKED });
  const latest = new Map<number, LabelledExample>();
  for (const row of rows) if (row.messageId !== messageId && !latest.has(row.messageId)) latest.set(row.messageId, row);
  if (latest.size === 0) return [];
  const messages = await Message.findAll({ where: { tenantId, id: [...latest.keys()] }, attributes: ['id', 'raw'] });
  return Promise.all(messages.map(async (m) => ({ message: await parseOffThread(m.raw), org: latest.get(m.id)!.org, previousOrg: latest.get(m.id)!.previousOrg })));
}

/**
 * The broadest suggestion that does the labelled examples right (suggestion-check.ts): the
 * generalised shape, else the same without a server capture, else the exact subject; null
 * when even that would file an example against what an engineer did.
 */
async function checkedSuggestion(deps: Deps, tenantId: number, message: Message, parsed: ParsedMessage, org: string): Promise<RuleDraft | null> {
  const own: CheckedExample = { message: parsed, org, previousOrg: message.org };
  const others = await earlierExamples(deps, tenantId, message.id);
  for (const shape of ['general', 'general-without-server', 'exact'] as const) {
    const suggestion = suggestRule(parsed, { org }, shape);
    if (!suggestion) return null;
    // The sender's tag said another org: only an overriding rule can change that.
    const draft: RuleDraft = { ...suggestion, override: message.decidedBy?.org === 'tag' };
    // Behind the fence: the examples are mail, and checking converts their HTML (parse-pool.ts).
    const checked = await fence().run<string | null>({ task: 'suggestion-check', draft, own, others }, fenceLimits().classifyTimeoutMs);
    const problem = checked.ok ? checked.value : `checking it was stopped: ${whyNot(checked)}`;
    if (problem === null) return draft;
    deps.log.info({ tenantId, messageId: message.id, shape, problem }, 'a suggested rule was narrowed: it did the labelled examples wrong');
  }
  return null;
}

/** The existing rule that already files the message so, else a new disabled suggestion; null when nothing can be suggested. */
async function ruleFor(deps: Deps, tenantId: number, message: Message, org: string): Promise<Rule | null> {
  const parsed = await parseOffThread(message.raw);
  const rules = await listRules(deps, tenantId);
  const existing = await ruleFilingAs(rules, parsed, org);
  if (existing) return existing;
  const suggestion = await checkedSuggestion(deps, tenantId, message, parsed, org);
  if (!suggestion) return null;
  const draft: RuleDraft = { ...suggestion, name: uniqueName(suggestion.name, new Set(rules.map((r) => r.name))) };
  const position = await positionFor(deps, tenantId, parsed, rules);
  try {
    return await addRule(deps, tenantId, position === undefined ? draft : { ...draft, position }, SUGGESTED_BY);
  } catch (err) {
    // Someone labelled a message of the same shape at the same moment and saved its rule first.
    const theirs = isDatamerError(err, 'CONFLICT') ? await ruleFilingAs(await listRules(deps, tenantId), parsed, org) : null;
    if (theirs) return theirs;
    throw err;
  }
}

/** What a message is classified as now. */
function classificationOf(message: Message): Pick<Classification, 'severity' | 'org' | 'servers'> {
  return { severity: (message.severity as Severity | null) ?? null, org: message.org, servers: message.servers ?? [] };
}

/** Gives the message its new org, with its schedule stream in step; answers its new classification. */
async function relabel(deps: Deps, message: Message, org: string, by: string, transaction: Transaction): Promise<Classification> {
  const c: Classification = {
    severity: (message.severity as Severity | null) ?? null,
    org,
    servers: message.servers ?? [],
    schedule: message.schedule,
    by: LABEL_BY,
    decidedBy: { ...(message.decidedBy ?? {}), org: `${LABEL_BY}:${by}` },
    folder: null,
  };
  // The org is part of a schedule stream's key: the message now counts in the stream of its new org.
  const stream = c.schedule && message.fromAddress ? streamKey(org, c.servers, message.fromAddress, c.schedule.period) : message.streamKey;
  const { tenantId, id } = message;
  await deps.db.models.Message.update({ org, classifiedBy: c.by, decidedBy: c.decidedBy, streamKey: stream }, { where: { tenantId, id }, transaction });
  return c;
}

/**
 * Records that an engineer filed a message as `org`. Safe to repeat: while the message's latest
 * example says the same org, nothing more is written.
 */
export async function labelMessage(deps: Deps, tenantId: number, messageId: number, input: LabelInput): Promise<Labelled> {
  const org = input.org.trim().toLowerCase();
  if (!isOrgPath(org)) throw new DatamerError('INPUT_INVALID', `"${input.org}" is not an org path (dot-separated a-z 0-9 _ - segments)`);
  if (input.by.trim() === '') throw new DatamerError('INPUT_INVALID', 'a label needs to say who filed the message');
  const message = await messageOf(deps, tenantId, messageId);
  const latest = await latestExample(deps, tenantId, messageId);
  if (latest?.org === org && message.org === org) return { example: latest, rule: await ruleById(deps, tenantId, latest.suggestedRuleId), reclassified: false };

  // The rule first, in its own transaction (addRule has one, and SQLite cannot nest them): the
  // activity row then names it. Should the label below fail, the rule is found again next time.
  const rule = await ruleFor(deps, tenantId, message, org);

  const { LabelledExample } = deps.db.models;
  return deps.db.transaction(async (transaction) => {
    const current = await messageOf(deps, tenantId, messageId, transaction);
    const again = await latestExample(deps, tenantId, messageId, transaction);
    // Labelled by someone else meanwhile (the watcher and the CLI at once).
    if (again?.org === org && current.org === org) return { example: again, rule: await ruleById(deps, tenantId, again.suggestedRuleId, transaction), reclassified: false };

    const at = deps.clock.now();
    // Filed where it already was (its tag or a rule said so): an example all the same, but the
    // classification keeps who decided it.
    const c = current.org !== org ? await relabel(deps, current, org, input.by, transaction) : classificationOf(current);
    // The event takes the message's new org; the label is its activity row.
    const detail = { org, previousOrg: current.org, messageId, suggestedRuleId: rule?.id ?? null };
    await labelMessageEvent(deps, tenantId, messageId, c, { actor: input.by, via: input.via }, detail, transaction);
    const example = await LabelledExample.create(
      { tenantId, messageId, org, previousOrg: current.org, labelledBy: input.by, via: input.via, suggestedRuleId: rule?.id ?? null, createdAt: at },
      { transaction },
    );
    return { example, rule, reclassified: current.org !== org };
  });
}

export interface Suggestion {
  rule: Rule;
  /** the latest message filed by hand that led to it */
  example: { messageId: number; subject: string | null; labelledBy: string; at: Date };
  /** how many examples point at this rule */
  examples: number;
  /** how many of the latest `scanned` messages the rule matches on its own */
  matches: number;
  scanned: number;
}

/** The proposed rules nobody has accepted yet (still disabled), newest first, with what they would match. */
export async function listSuggestions(deps: Deps, tenantId: number, options: { last?: number } = {}): Promise<Suggestion[]> {
  const { LabelledExample, Message, Rule } = deps.db.models;
  const examples = await LabelledExample.findAll({ where: { tenantId }, order: [['id', 'DESC']] });
  const ruleIds = [...new Set(examples.map((e) => e.suggestedRuleId).filter((id): id is number => id !== null))];
  // A dismissed suggestion is not waiting any more (rule-store.ts, dismissRule).
  const pending = ruleIds.length === 0 ? [] : await Rule.findAll({ where: { tenantId, id: ruleIds, enabled: false, dismissedAt: null } });
  if (pending.length === 0) return [];

  const messages = await Message.findAll({
    where: { tenantId },
    attributes: ['id', 'raw', 'subject'],
    order: [['receivedAt', 'DESC'], ['id', 'DESC']],
    limit: options.last ?? 200,
  });
  // Each message read once for all suggestions, from the raw bytes (headers are not stored
  // apart), behind the fence: each suggestion alone is a rule set.
  const sets = pending.map((rule) => ruleSetOf([{ ...definitionOf(rule), enabled: true }]));
  const matched = await Promise.all(messages.map(async (m) => (await classifyFenced({ raw: m.raw }, sets)).outcomes.map((o) => o.matchedRuleIds.length > 0)));
  const subjects = new Map(messages.map((m) => [m.id, m.subject]));
  const missing = examples.filter((e) => !subjects.has(e.messageId)).map((e) => e.messageId);
  for (const m of missing.length ? await Message.findAll({ where: { tenantId, id: missing }, attributes: ['id', 'subject'] }) : []) subjects.set(m.id, m.subject);

  return pending
    .map((rule, r) => {
      const mine = examples.filter((e) => e.suggestedRuleId === rule.id);
      const latest = mine[0]!;
      return {
        rule,
        example: { messageId: latest.messageId, subject: subjects.get(latest.messageId) ?? null, labelledBy: latest.labelledBy, at: latest.createdAt },
        examples: mine.length,
        matches: matched.filter((m) => m[r]).length,
        scanned: messages.length,
      };
    })
    .sort((a, b) => b.example.at.getTime() - a.example.at.getTime() || b.rule.id - a.rule.id);
}
