// The rule form of the rules page: what its fields mean as a rule draft, and a rule as its
// fields. Conditions on a header, and the schedule and folder actions, have no field here: an
// edit keeps them as they are (`datamer rule edit` changes them). Pure.
import type { RuleDraft } from '../classification/rule-store.js';
import type { RuleActions, RuleCondition } from '../classification/rules.js';
import { conditionText } from '../classification/rule-text.js';
import type { Rule } from '../../models/index.js';

export interface RuleForm {
  name: string;
  subject: string;
  from: string;
  body: string;
  server: string;
  caseSensitive: boolean;
  severity: string;
  org: string;
  servers: string;
  continue: boolean;
  override: boolean;
}

const FIELDS = ['subject', 'from', 'body', 'server'] as const;
const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

export function ruleFormOf(body: Record<string, unknown>): RuleForm {
  return {
    name: str(body.name), subject: str(body.subject), from: str(body.from), body: str(body.body), server: str(body.server),
    caseSensitive: body.caseSensitive === 'on', severity: str(body.severity), org: str(body.org).toLowerCase(), servers: str(body.servers),
    continue: body.continue === 'on', override: body.override === 'on',
  };
}

export function formOfRule(rule: Rule): RuleForm {
  const pattern = (field: string) => rule.conditions.find((c) => c.field === field)?.pattern ?? '';
  return {
    name: rule.name, subject: pattern('subject'), from: pattern('from'), body: pattern('body'), server: pattern('server'),
    caseSensitive: rule.conditions.some((c) => c.caseSensitive), severity: rule.actions.severity ?? '', org: rule.actions.org ?? '',
    servers: (rule.actions.servers ?? []).join(', '), continue: rule.continue, override: rule.override,
  };
}

export const emptyRuleForm = (): RuleForm => ruleFormOf({});

/** The draft the form says; `kept`: the rule it edits, whose header conditions, schedule and folder stay. */
export function draftOfForm(form: RuleForm, kept?: Rule): RuleDraft {
  const cs = form.caseSensitive ? { caseSensitive: true } : {};
  const conditions: RuleCondition[] = FIELDS.filter((f) => form[f]).map((f) => ({ field: f, pattern: form[f], ...cs }));
  conditions.push(...(kept?.conditions.filter((c) => c.field === 'header') ?? []));
  const servers = form.servers.split(/[\s,]+/).filter(Boolean);
  const actions: RuleActions = {
    ...(form.severity ? { severity: form.severity as 'info' | 'warn' | 'critical' } : {}),
    ...(form.org ? { org: form.org } : {}),
    ...(servers.length ? { servers } : {}),
    ...(kept?.actions.schedule ? { schedule: kept.actions.schedule } : {}),
    ...(kept?.actions.folder ? { folder: kept.actions.folder } : {}),
  };
  return { name: form.name, conditions, actions, continue: form.continue, override: form.override };
}

/** What an edit keeps that the form does not show, in words (empty when nothing). */
export function keptText(rule: Rule): string {
  const parts = [
    ...rule.conditions.filter((c) => c.field === 'header').map(conditionText),
    rule.actions.schedule ? `sched=per${rule.actions.schedule.period}-${rule.actions.schedule.n}/${rule.actions.schedule.v}` : '',
    rule.actions.folder ? `folder=${rule.actions.folder}` : '',
  ].filter(Boolean);
  return parts.join('; ');
}
