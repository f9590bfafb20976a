// datamer rule add | list | show | enable | disable | test | preview | suggestions, and datamer reclassify.
// The options only build a rule object: the engine takes the same object from email commands
// and the web.
import { Option, type Command } from 'commander';
import { listSuggestions } from '../classification/label.js';
import { previewRule } from '../classification/preview.js';
import { reclassify } from '../classification/reclassify.js';
import { addRule, definitionOf, findRule, listRules, setRuleEnabled, type RuleDraft } from '../classification/rule-store.js';
import { testRule } from '../classification/rule-test.js';
import { actionsText, conditionText, ruleTrailDetail } from '../classification/rule-text.js';
import type { RuleCondition } from '../classification/rules.js';
import { parseScheduleSpec, type Severity } from '../classification/tags.js';
import type { Classification } from '../classification/classify.js';
import { DatamerError } from '../errors.js';
import { findMessage } from '../ingest/messages.js';
import type { Rule } from '../../models/index.js';
import { table, writeJson, writeLine, type CliIo } from './io.js';
import { actorFor, actorOption, tenantNamed, tenantOption, withTrail, withDeps } from './session.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export interface DraftOptions {
  subject?: string;
  body?: string;
  from?: string;
  header?: string[];
  server?: string;
  caseSensitive?: boolean;
  severity?: string;
  org?: string;
  svr?: string[];
  sched?: string;
  folder?: string;
  group?: 'never' | 'new';
  continue?: boolean;
  override?: boolean;
  position?: string;
}

export function draftOptions(command: Command): Command {
  return command
    .option('--subject <regex>', 'condition on the subject')
    .option('--body <regex>', 'condition on the plain-text body')
    .option('--from <regex>', "condition on the sender's address")
    .option('--header <name: regex>', 'condition on a header, e.g. "X-Nagios-Host: ^db" (repeatable)', collect)
    .option('--server <regex>', 'condition on the servers the tags name')
    .option('--case-sensitive', 'match case exactly (default: ignore case)')
    .addOption(new Option('--severity <level>', 'set the severity').choices(['info', 'warn', 'critical']))
    .option('--org <path>', 'set the org, e.g. ops.db.olap')
    .option('--svr <fqdn|$group>', 'add a server: a name, or $name for a named group (?P<name>…) of a condition (repeatable)', collect)
    .option('--sched <spec>', 'set the schedule, e.g. perday-1/0')
    .option('--folder <folder>', 'file into this folder instead of the org folder')
    .addOption(new Option('--group <never|new>', 'grouping (docs/correlation.md): never group this mail, or always open a new event for it').choices(['never', 'new']))
    .option('--continue', 'after this rule matches, keep trying later rules')
    .option('--override', 'set fields even where the tags already did')
    .option('--position <n>', 'where the rule goes: rules are tried in ascending position (default: last)');
}

export function draftFrom(name: string, o: DraftOptions): RuleDraft {
  const cs = o.caseSensitive ? { caseSensitive: true } : {};
  const conditions: RuleCondition[] = [];
  if (o.subject !== undefined) conditions.push({ field: 'subject', pattern: o.subject, ...cs });
  if (o.body !== undefined) conditions.push({ field: 'body', pattern: o.body, ...cs });
  if (o.from !== undefined) conditions.push({ field: 'from', pattern: o.from, ...cs });
  if (o.server !== undefined) conditions.push({ field: 'server', pattern: o.server, ...cs });
  for (const h of o.header ?? []) {
    const colon = h.indexOf(':');
    if (colon < 1) throw new DatamerError('INPUT_INVALID', `--header "${h}": write it as "Header-Name: regex"`);
    conditions.push({ field: 'header', header: h.slice(0, colon).trim(), pattern: h.slice(colon + 1).trim(), ...cs });
  }
  let schedule;
  if (o.sched !== undefined) {
    const parsed = parseScheduleSpec(o.sched.replace(/^:?sched-/i, '').replace(/:$/, ''));
    if (typeof parsed === 'string') throw new DatamerError('INPUT_INVALID', `--sched "${o.sched}": ${parsed}`);
    schedule = parsed;
  }
  if (o.position !== undefined && !/^-?\d+$/.test(o.position)) throw new DatamerError('INPUT_INVALID', `--position "${o.position}" is not a whole number`);
  return {
    name,
    conditions,
    actions: {
      ...(o.severity ? { severity: o.severity as Severity } : {}),
      ...(o.org ? { org: o.org.toLowerCase() } : {}),
      ...(o.svr?.length ? { servers: o.svr } : {}),
      ...(schedule ? { schedule } : {}),
      ...(o.folder ? { folder: o.folder } : {}),
      ...(o.group ? { group: o.group } : {}),
    },
    ...(o.position !== undefined ? { position: Number(o.position) } : {}),
    continue: Boolean(o.continue),
    override: Boolean(o.override),
  };
}

const describeClassification = (c: Classification) =>
  `severity=${c.severity ?? '-'} org=${c.org ?? '-'} svr=${c.servers.join(',') || '-'}${c.schedule ? ` sched=per${c.schedule.period}-${c.schedule.n}/${c.schedule.v}` : ''} by=${c.by}`;

export function ruleJson(rule: Rule) {
  return {
    ...definitionOf(rule),
    hits: rule.hits,
    lastMatchedAt: rule.lastMatchedAt?.toISOString() ?? null,
    createdBy: rule.createdBy,
    createdAt: rule.createdAt.toISOString(),
  };
}

export function ruleCommands(program: Command, io: CliIo): void {
  const rule = program.command('rule').description('rules that classify messages the tags leave unclassified');

  draftOptions(rule.command('add <name>').description('add a rule (refused, with the reason, if an expression is invalid)'))
    .addOption(tenantOption())
    .addOption(actorOption('recorded with the rule'))
    .action((name: string, o: DraftOptions & { tenant: string; as?: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const actor = await actorFor(deps, tenant, o.as);
        const added = await withTrail(deps, tenant, o.as, (t) => addRule(deps, tenant.id, draftFrom(name, o), actor, t), (a) => ({
          action: 'rule-added', detail: ruleTrailDetail(a),
        }));
        writeLine(io.stdout, `rule ${added.id} "${added.name}" added at position ${added.position}`);
        writeLine(io.stdout, `  reclassify stored messages with: datamer reclassify --tenant ${tenant.name}`);
      }),
    );

  rule
    .command('list')
    .description('the rules in the order they are tried')
    .addOption(tenantOption())
    .option('--json', 'print JSON instead of a table')
    .action((o: { tenant: string; json?: boolean }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const rules = await listRules(deps, tenant.id);
        if (o.json) return void writeJson(io.stdout, rules.map(ruleJson));
        const rows = rules.map((r) => [
          String(r.id), String(r.position), r.enabled ? 'yes' : 'no', r.name,
          r.conditions.map(conditionText).join(' and '), actionsText(r), String(r.hits), r.lastMatchedAt?.toISOString() ?? '-',
        ]);
        for (const line of table(['ID', 'POS', 'ON', 'NAME', 'WHEN', 'THEN', 'HITS', 'LAST MATCHED'], rows)) writeLine(io.stdout, line);
      }),
    );

  rule
    .command('show <rule>')
    .description('one rule, by id or name')
    .addOption(tenantOption())
    .option('--json', 'print JSON')
    .action((ref: string, o: { tenant: string; json?: boolean }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const r = await findRule(deps, tenant.id, ref);
        if (o.json) return void writeJson(io.stdout, ruleJson(r));
        writeLine(io.stdout, `rule ${r.id} "${r.name}" (position ${r.position}, ${r.enabled ? 'enabled' : 'disabled'})`);
        for (const c of r.conditions) writeLine(io.stdout, `  when ${conditionText(c)}`);
        writeLine(io.stdout, `  then ${actionsText(r)}`);
        writeLine(io.stdout, `  hits ${r.hits}, last matched ${r.lastMatchedAt?.toISOString() ?? 'never'}; added by ${r.createdBy} at ${r.createdAt.toISOString()}`);
      }),
    );

  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    rule
      .command(`${verb} <rule>`)
      .description(`${verb} a rule, by id or name`)
      .addOption(tenantOption())
      .action((ref: string, o: { tenant: string }) =>
        withDeps(io, async (deps) => {
          const tenant = await tenantNamed(deps, o.tenant);
          const r = await withTrail(deps, tenant, undefined, (t) => setRuleEnabled(deps, tenant.id, ref, enabled, t), (d) => ({ action: enabled ? 'rule-enabled' : 'rule-disabled', detail: { id: d.id, name: d.name } }));
          writeLine(io.stdout, `rule ${r.id} "${r.name}" ${verb}d`);
        }),
      );
  }

  rule
    .command('test <rule> <message-id>')
    .description('does the rule match a stored message (by its DaTamer id), condition by condition?')
    .addOption(tenantOption())
    .action((ref: string, messageId: string, o: { tenant: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const r = await findRule(deps, tenant.id, ref);
        const message = /^\d+$/.test(messageId) ? await findMessage(deps, tenant.id, Number(messageId)) : null;
        if (!message) throw new DatamerError('NOT_FOUND', `no message ${messageId} in tenant ${tenant.name}`);
        const result = await testRule(definitionOf(r), message.raw);
        writeLine(io.stdout, `rule ${r.id} "${r.name}" ${result.matched ? 'matches' : 'does not match'} message ${message.id} (${message.subject ?? 'no subject'})`);
        for (const c of result.conditions) writeLine(io.stdout, `  ${c.matched ? 'yes' : 'no '} ${conditionText(c.condition)}`);
        if (result.matched) writeLine(io.stdout, `  with this rule alone: ${describeClassification(result.classification)}`);
      }),
    );

  draftOptions(rule.command('preview [name]').description('which of the last stored messages would a draft rule match, and how would each change? Saves nothing.'))
    .addOption(tenantOption())
    .option('--last <n>', 'how many of the latest messages to try', '200')
    .option('--json', 'print JSON')
    .action((name: string | undefined, o: DraftOptions & { tenant: string; last: string; json?: boolean }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const preview = await previewRule(deps, tenant.id, draftFrom(name ?? 'draft', o), { last: Number(o.last) || 200 });
        if (o.json) return void writeJson(io.stdout, preview);
        writeLine(io.stdout, `matches ${preview.matched.length} of the last ${preview.scanned} messages; ${preview.matched.filter((m) => m.changed).length} would change`);
        for (const row of preview.matched) {
          writeLine(io.stdout, `  ${row.messageId}  ${row.receivedAt.toISOString()}  ${row.subject ?? ''}`);
          writeLine(io.stdout, `      before ${describeClassification(row.before)}`);
          writeLine(io.stdout, `      after  ${describeClassification(row.after)}${row.changed ? '' : '  (unchanged)'}`);
        }
      }),
    );

  rule
    .command('suggestions')
    .description('rules DaTamer proposed from messages filed by hand, waiting to be enabled')
    .addOption(tenantOption())
    .option('--last <n>', 'how many of the latest messages to count matches in', '200')
    .option('--json', 'print JSON')
    .action((o: { tenant: string; last: string; json?: boolean }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const suggestions = await listSuggestions(deps, tenant.id, { last: Number(o.last) || 200 });
        if (o.json) return void writeJson(io.stdout, suggestions.map((s) => ({ ...s, rule: ruleJson(s.rule) })));
        if (suggestions.length === 0) return void writeLine(io.stdout, 'no suggestions waiting');
        for (const { rule: r, example, examples, matches, scanned } of suggestions) {
          writeLine(io.stdout, `rule ${r.id} "${r.name}": matches ${matches} of the last ${scanned} messages`);
          for (const c of r.conditions) writeLine(io.stdout, `  when ${conditionText(c)}`);
          writeLine(io.stdout, `  then ${actionsText(r)}`);
          const more = examples > 1 ? ` (and ${examples - 1} more)` : '';
          writeLine(io.stdout, `  from message ${example.messageId} (${example.subject ?? 'no subject'}), filed by ${example.labelledBy} at ${example.at.toISOString()}${more}`);
        }
        writeLine(io.stdout, `accept one with: datamer rule enable <id> --tenant ${tenant.name}`);
      }),
    );

  program
    .command('reclassify')
    .description('classify the stored messages again with the current rules (resumes an interrupted run)')
    .addOption(tenantOption())
    .option('--batch <n>', 'messages per transaction', '500')
    .action((o: { tenant: string; batch: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const report = await reclassify(deps, tenant.id, { batch: Number(o.batch) || 500 });
        writeLine(io.stdout, `${report.resumed ? 'resumed and finished' : 'finished'} run ${report.runId}: ${report.scanned} messages looked at, ${report.changed} changed`);
      }),
    );
}
