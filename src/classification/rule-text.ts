// A rule in words, the same on the command line, on the site and in the activity trail
// (docs/commands.md shows the notation): `subject ~ /backup.*failed/i` and `severity=critical
// org=ops.db continue`.
import type { Rule } from '../../models/index.js';
import type { RuleCondition } from './rules.js';

/** `subject ~ /backup.*failed/i` */
export const conditionText = (c: RuleCondition): string => `${c.field === 'header' ? `header ${c.header}` : c.field} ~ /${c.pattern}/${c.caseSensitive ? '' : 'i'}`;

/** `severity=critical org=ops.db svr=$server continue` */
export function actionsText(rule: Pick<Rule, 'actions' | 'continue' | 'override'>): string {
  const a = rule.actions;
  return [
    a.severity && `severity=${a.severity}`,
    a.org && `org=${a.org}`,
    a.servers?.length && `svr=${a.servers.join(',')}`,
    a.schedule && `sched=per${a.schedule.period}-${a.schedule.n}/${a.schedule.v}`,
    a.folder && `folder=${a.folder}`,
    a.group && `group=${a.group}`,
    rule.continue && 'continue',
    rule.override && 'override',
  ].filter(Boolean).join(' ');
}

/** What the activity trail keeps of a rule that was added, changed or removed. */
export const ruleTrailDetail = (rule: Pick<Rule, 'id' | 'name' | 'conditions' | 'actions' | 'continue' | 'override'>) => ({
  id: rule.id, name: rule.name, conditions: rule.conditions.map(conditionText).join(' and '), actions: actionsText(rule),
});
