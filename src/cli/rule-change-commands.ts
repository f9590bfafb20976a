// datamer rule delete | edit | move: changing the rules a tenant has, through the rule store
// (src/classification/rule-store.ts), which checks an edited rule as it checks a new one.
import type { Command } from 'commander';
import { deleteRule, editRule, findRule, moveRule, type RuleChange } from '../classification/rule-store.js';
import { DatamerError } from '../errors.js';
import { draftFrom, draftOptions, type DraftOptions } from './rule-commands.js';
import { table, writeLine, type CliIo } from './io.js';
import { tenantNamed, tenantOption, withTrail, withDeps } from './session.js';

const CONDITION_OPTIONS = ['subject', 'body', 'from', 'header', 'server'] as const;
const ACTION_OPTIONS = ['severity', 'org', 'svr', 'sched', 'folder', 'group'] as const;

export function ruleChangeCommands(program: Command, io: CliIo): void {
  const rule = program.commands.find((c) => c.name() === 'rule')!;

  rule
    .command('delete <rule>')
    .description('delete a rule, by id or name (what it classified stays; datamer reclassify runs the rules again)')
    .addOption(tenantOption())
    .action((ref: string, o: { tenant: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const r = await withTrail(deps, tenant, undefined, (t) => deleteRule(deps, tenant.id, ref, t), (d) => ({ action: 'rule-deleted', detail: { id: d.id, name: d.name } }));
        writeLine(io.stdout, `rule ${r.id} "${r.name}" deleted`);
        writeLine(io.stdout, `  reclassify stored messages with: datamer reclassify --tenant ${tenant.name}`);
      }),
    );

  draftOptions(rule.command('edit <rule>').description('change a rule: conditions given replace its conditions, actions given replace its actions'))
    .option('--rename <name>', 'a new name')
    .option('--no-continue', 'stop at this rule when it matches')
    .option('--no-override', 'leave fields the tags set alone')
    .addOption(tenantOption())
    .action((ref: string, o: DraftOptions & { rename?: string; tenant: string; continue?: boolean; override?: boolean }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        if (o.position !== undefined) throw new DatamerError('INPUT_INVALID', 'to change where a rule is tried, use datamer rule move');
        const current = await findRule(deps, tenant.id, ref);
        const d = draftFrom(o.rename ?? current.name, o);
        const change: RuleChange = {};
        if (o.rename !== undefined) change.name = o.rename;
        if (CONDITION_OPTIONS.some((k) => o[k] !== undefined)) change.conditions = d.conditions;
        if (ACTION_OPTIONS.some((k) => o[k] !== undefined)) change.actions = d.actions;
        if (o.continue !== undefined) change.continue = o.continue;
        if (o.override !== undefined) change.override = o.override;
        if (Object.keys(change).length === 0) throw new DatamerError('INPUT_INVALID', 'nothing to change: give conditions, actions, --rename, --[no-]continue or --[no-]override');
        const r = await withTrail(deps, tenant, undefined, (t) => editRule(deps, tenant.id, ref, change, t), (d) => ({ action: 'rule-edited', detail: { id: d.id, name: d.name, changed: Object.keys(change).join(', ') } }));
        writeLine(io.stdout, `rule ${r.id} "${r.name}" changed`);
        writeLine(io.stdout, `  reclassify stored messages with: datamer reclassify --tenant ${tenant.name}`);
      }),
    );

  rule
    .command('move <rule>')
    .description('change the order rules are tried in: put a rule before or after another, first or last')
    .option('--before <rule>', 'just before this rule')
    .option('--after <rule>', 'just after this rule')
    .option('--first', 'tried first')
    .option('--last', 'tried last')
    .addOption(tenantOption())
    .action((ref: string, o: { before?: string; after?: string; first?: boolean; last?: boolean; tenant: string }) =>
      withDeps(io, async (deps) => {
        const targets = [o.before !== undefined, o.after !== undefined, Boolean(o.first), Boolean(o.last)].filter(Boolean).length;
        if (targets !== 1) throw new DatamerError('INPUT_INVALID', 'say where: one of --before <rule>, --after <rule>, --first, --last');
        const tenant = await tenantNamed(deps, o.tenant);
        const to = o.before !== undefined ? { before: o.before } : o.after !== undefined ? { after: o.after } : o.first ? { first: true as const } : { last: true as const };
        const rules = await withTrail(deps, tenant, undefined, (t) => moveRule(deps, tenant.id, ref, to, t), (done) => {
          const moved = done.find((r) => String(r.id) === ref || r.name === ref);
          return { action: 'rule-moved', detail: { id: moved?.id ?? ref, name: moved?.name ?? ref, place: moved ? done.indexOf(moved) + 1 : null } };
        });
        for (const line of table(['POS', 'ID', 'NAME'], rules.map((r) => [String(r.position), String(r.id), r.name]))) writeLine(io.stdout, line);
      }),
    );
}
