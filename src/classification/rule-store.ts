// Rules as a tenant keeps them: saved only when valid (the engine's own message for a bad
// expression), ordered by position, counted when they match.
import { Op, UniqueConstraintError, type Transaction } from 'sequelize';
import { monotonicMs } from '../clock.js';
import { within } from '../db.js';
import type { Deps } from '../deps.js';
import { DatamerError } from '../errors.js';
import type { Rule } from '../../models/index.js';
import { ruleSetOf, type RuleSet } from './fenced.js';
import { ruleProblems, ruleSetProblems, usableRules, type RuleActions, type RuleCondition, type RuleDefinition } from './rules.js';

export interface RuleDraft {
  name: string;
  conditions: RuleCondition[];
  actions: RuleActions;
  /** default: after the last rule */
  position?: number;
  continue?: boolean;
  override?: boolean;
  enabled?: boolean;
}

export const POSITION_STEP = 10;

export function definitionOf(rule: Rule): RuleDefinition {
  return {
    id: rule.id,
    name: rule.name,
    position: rule.position,
    enabled: rule.enabled,
    conditions: rule.conditions,
    actions: rule.actions,
    continue: rule.continue,
    override: rule.override,
  };
}

/** Refuses a draft the engine cannot run, listing every problem at once. */
export function checkDraft(draft: RuleDraft): void {
  const problems = ruleProblems(draft);
  if (problems.length > 0) throw new DatamerError('INPUT_INVALID', `rule "${draft.name}" cannot be saved: ${problems.join('; ')}`);
}

/**
 * Refuses a rule that, enabled beside the tenant's other enabled rules, makes a field's combined
 * set too costly or too large for the engine (rules.ts, ruleSetProblems): saved, it would take
 * the rules of that field down for every message.
 */
async function checkBeside(deps: Deps, tenantId: number, rule: RuleDefinition, transaction: Transaction): Promise<void> {
  if (!rule.enabled) return;
  const others = (await deps.db.models.Rule.findAll({ where: { tenantId, enabled: true }, transaction })).map(definitionOf).filter((r) => r.id !== rule.id);
  const problems = ruleSetProblems(usableRules([...others, rule]));
  if (problems.length > 0) throw new DatamerError('INPUT_INVALID', `rule "${rule.name}" cannot be ${rule.id === 0 ? 'saved' : 'enabled'}: ${problems.join('; ')}`);
}

async function bumpRevision(deps: Deps, tenantId: number, transaction: Transaction): Promise<void> {
  await deps.db.models.Tenant.increment('rulesRevision', { where: { id: tenantId }, transaction });
  // Whatever this process compiled for the tenant is stale once this commits.
  transaction.afterCommit(() => void cacheOf(deps).delete(tenantId));
}

export async function addRule(deps: Deps, tenantId: number, draft: RuleDraft, createdBy: string, outer?: Transaction): Promise<Rule> {
  checkDraft(draft);
  const { Rule } = deps.db.models;
  try {
    return await within(deps.db, outer, async (transaction) => {
      const last = (await Rule.max<number, Rule>('position', { where: { tenantId }, transaction })) ?? 0;
      await checkBeside(deps, tenantId, { id: 0, name: draft.name, position: draft.position ?? last + POSITION_STEP, enabled: draft.enabled ?? true, conditions: draft.conditions, actions: draft.actions, continue: false, override: false }, transaction);
      const now = deps.clock.now();
      const rule = await Rule.create(
        {
          tenantId,
          name: draft.name.trim(),
          position: draft.position ?? last + POSITION_STEP,
          enabled: draft.enabled ?? true,
          conditions: draft.conditions,
          actions: draft.actions,
          continue: draft.continue ?? false,
          override: draft.override ?? false,
          createdBy,
          createdAt: now,
          updatedAt: now,
        },
        { transaction },
      );
      await bumpRevision(deps, tenantId, transaction);
      return rule;
    });
  } catch (err) {
    if (err instanceof UniqueConstraintError) throw new DatamerError('CONFLICT', `a rule named "${draft.name}" already exists`);
    throw err;
  }
}

export function listRules(deps: Deps, tenantId: number, transaction?: Transaction): Promise<Rule[]> {
  return deps.db.models.Rule.findAll({ where: { tenantId }, order: [['position', 'ASC'], ['id', 'ASC']], transaction });
}

/** By id (`12`) or by name. */
export async function findRule(deps: Deps, tenantId: number, ref: string, transaction?: Transaction): Promise<Rule> {
  const where = /^\d+$/.test(ref) ? { tenantId, [Op.or]: [{ id: Number(ref) }, { name: ref }] } : { tenantId, name: ref };
  const rule = await deps.db.models.Rule.findOne({ where, transaction });
  if (!rule) throw new DatamerError('NOT_FOUND', `no rule "${ref}" (see: datamer rule list)`);
  return rule;
}

export async function setRuleEnabled(deps: Deps, tenantId: number, ref: string, enabled: boolean, outer?: Transaction): Promise<Rule> {
  return within(deps.db, outer, async (transaction) => {
    const rule = await findRule(deps, tenantId, ref, transaction);
    if (enabled) await checkBeside(deps, tenantId, { ...definitionOf(rule), enabled }, transaction);
    await deps.db.models.Rule.update({ enabled, updatedAt: deps.clock.now() }, { where: { id: rule.id, tenantId }, transaction });
    await bumpRevision(deps, tenantId, transaction);
    return rule.reload({ transaction });
  });
}

/**
 * A suggestion an engineer does not want: it stays, disabled and marked dismissed, so that the
 * next message of its shape filed by hand finds it (label.ts) instead of proposing it again.
 * Enabling it later makes it a rule like any other; deleting it lets it be proposed anew.
 */
export async function dismissRule(deps: Deps, tenantId: number, ref: string, by: string, transaction?: Transaction): Promise<Rule> {
  const rule = await findRule(deps, tenantId, ref, transaction);
  if (rule.enabled) throw new DatamerError('CONFLICT', `rule #${rule.id} is enabled: disable it instead`);
  await deps.db.models.Rule.update({ dismissedAt: deps.clock.now(), dismissedBy: by, updatedAt: deps.clock.now() }, { where: { id: rule.id, tenantId }, transaction });
  return rule.reload({ transaction });
}

/** Counts a live match: how often a rule fires, and when it last did. */
export async function recordHits(deps: Deps, tenantId: number, ruleIds: number[], at: Date, transaction: Transaction): Promise<void> {
  if (ruleIds.length === 0) return;
  const { Rule } = deps.db.models;
  await Rule.increment('hits', { where: { tenantId, id: ruleIds }, transaction });
  await Rule.update({ lastMatchedAt: at }, { where: { tenantId, id: ruleIds }, transaction });
}

// Checking 1,000 rules takes milliseconds; doing it per message would not. Each process keeps
// the tenant's rule set (checked, in order, named by its hash: fenced.ts) and makes it again when
// the tenant's rules revision moves. The revision itself is read at most once a second: a rule
// saved by another process (the CLI, another DaTamer) applies within a second; one saved by this
// process applies at once. The rules are compiled and matched in the fence threads, never here.
const REVISION_TTL_MS = 1_000;
interface CachedRules {
  revision: number;
  checkedAt: number;
  set: RuleSet;
}
const compiledCache = new WeakMap<object, Map<number, CachedRules>>();

function cacheOf(deps: Deps): Map<number, CachedRules> {
  let perDb = compiledCache.get(deps.db);
  if (!perDb) compiledCache.set(deps.db, (perDb = new Map()));
  return perDb;
}

/**
 * The enabled rules a tenant classifies by, in order. A rule that cannot be used (a row edited by
 * hand, or saved by an older version) is left out and logged, so it never stops the others.
 */
export async function tenantRuleSet(deps: Deps, tenantId: number): Promise<RuleSet> {
  const cache = cacheOf(deps);
  const cached = cache.get(tenantId);
  if (cached && monotonicMs() - cached.checkedAt < REVISION_TTL_MS) return cached.set;
  const tenant = await deps.db.models.Tenant.findByPk(tenantId, { attributes: ['rulesRevision'] });
  const revision = tenant?.rulesRevision ?? 0;
  if (cached && cached.revision === revision) {
    cached.checkedAt = monotonicMs();
    return cached.set;
  }
  const usable = usableRules((await listRules(deps, tenantId)).map(definitionOf), (rule, problem) =>
    deps.log.error({ tenantId, ruleId: rule.id, problem }, `rule ${rule.id} "${rule.name}" cannot be used and is skipped; fix or disable it`),
  );
  const set = ruleSetOf(usable);
  cache.set(tenantId, { revision, checkedAt: monotonicMs(), set });
  return set;
}

/** Deletes a rule; what it classified stays as it was (`datamer reclassify` runs the rules again). */
export async function deleteRule(deps: Deps, tenantId: number, ref: string, outer?: Transaction): Promise<Rule> {
  return within(deps.db, outer, async (transaction) => {
    const rule = await findRule(deps, tenantId, ref, transaction);
    await deps.db.models.Rule.destroy({ where: { id: rule.id, tenantId }, transaction });
    await bumpRevision(deps, tenantId, transaction);
    return rule;
  });
}

/** What `rule edit` may change: each field given replaces the rule's. */
export type RuleChange = Partial<Pick<RuleDraft, 'name' | 'conditions' | 'actions' | 'continue' | 'override'>>;

/** Changes a rule, checked as a new one is: a change the engine cannot run saves nothing. */
export async function editRule(deps: Deps, tenantId: number, ref: string, change: RuleChange, outer?: Transaction): Promise<Rule> {
  let name = '';
  try {
    return await within(deps.db, outer, async (transaction) => {
      const rule = await findRule(deps, tenantId, ref, transaction);
      const draft: RuleDraft = { ...definitionOf(rule), ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) };
      name = draft.name;
      checkDraft(draft);
      await deps.db.models.Rule.update(
        { name: draft.name.trim(), conditions: draft.conditions, actions: draft.actions, continue: draft.continue ?? false, override: draft.override ?? false, updatedAt: deps.clock.now() },
        { where: { id: rule.id, tenantId }, transaction },
      );
      await bumpRevision(deps, tenantId, transaction);
      return rule.reload({ transaction });
    });
  } catch (err) {
    if (err instanceof UniqueConstraintError) throw new DatamerError('CONFLICT', `a rule named "${name}" already exists`);
    throw err;
  }
}

/**
 * Moves a rule before or after another one, or to the first or last place: the tenant's rules
 * are numbered again in steps of POSITION_STEP in their new order, so positions stay readable.
 */
export async function moveRule(
  deps: Deps, tenantId: number, ref: string, to: { before: string } | { after: string } | { first: true } | { last: true }, outer?: Transaction,
): Promise<Rule[]> {
  return within(deps.db, outer, async (transaction) => {
    const rule = await findRule(deps, tenantId, ref, transaction);
    const anchor = 'before' in to ? await findRule(deps, tenantId, to.before, transaction) : 'after' in to ? await findRule(deps, tenantId, to.after, transaction) : null;
    if (anchor?.id === rule.id) throw new DatamerError('INPUT_INVALID', `rule "${rule.name}" cannot be moved next to itself`);
    const order = (await deps.db.models.Rule.findAll({ where: { tenantId }, order: [['position', 'ASC'], ['id', 'ASC']], transaction })).filter((r) => r.id !== rule.id);
    const at = 'first' in to ? 0 : 'last' in to ? order.length : order.findIndex((r) => r.id === anchor!.id) + ('after' in to ? 1 : 0);
    order.splice(at, 0, rule);
    const now = deps.clock.now();
    for (const [i, r] of order.entries()) {
      const position = (i + 1) * POSITION_STEP;
      if (r.position !== position) await deps.db.models.Rule.update({ position, updatedAt: now }, { where: { id: r.id, tenantId }, transaction });
    }
    await bumpRevision(deps, tenantId, transaction);
    return listRules(deps, tenantId, transaction);
  });
}
