// datamer event list | show | assign | unassign | complete | reopen | merge | split. `--json` output is the
// stable shape of src/events/views.ts, documented in docs/cli.md for scripts.
import type { Command } from 'commander';
import { DatamerError } from '../errors.js';
import { changeEvent, type ChangeRequest } from '../events/change.js';
import { mergeEvents, splitMessage } from '../events/corrections.js';
import type { EventFilter } from '../events/events.js';
import { activityText, eventDetail, eventSummaries } from '../events/views.js';
import type { Deps } from '../deps.js';
import { isOrgPattern } from '../org-paths.js';
import { findUser } from '../people/people.js';
import { parseDuration } from '../schedules/duration.js';
import { fitToTerminal, table, writeJson, writeLine, type CliIo } from './io.js';
import { actorFor, actorOption, tenantNamed, tenantOption, withDeps } from './session.js';


function eventId(text: string): number {
  const id = /^#?(\d+)$/.exec(text);
  if (!id) throw new DatamerError('INPUT_INVALID', `"${text}" is not an event id`);
  return Number(id[1]);
}

function messageId(text: string): number {
  if (!/^\d+$/.test(text)) throw new DatamerError('INPUT_INVALID', `"${text}" is not a message id (datamer event show lists them)`);
  return Number(text);
}

interface ListOptions {
  tenant: string;
  open?: boolean;
  status?: string;
  severity?: string;
  org?: string;
  unclassified?: boolean;
  assignee?: string;
  since?: string;
  limit: string;
  json?: boolean;
}

const STATUSES = ['open', 'assigned', 'completed'] as const;
const SEVERITIES = ['info', 'warn', 'critical'] as const;

function listOf<T extends string>(option: string, text: string, allowed: readonly T[]): T[] {
  const values = text.split(',').map((v) => v.trim().toLowerCase()).filter(Boolean);
  const wrong = values.filter((v) => !allowed.includes(v as T));
  if (values.length === 0 || wrong.length > 0) throw new DatamerError('INPUT_INVALID', `${option} "${text}": use ${allowed.join(', ')} (comma-separated)`);
  return values as T[];
}

async function filterFrom(deps: Deps, tenantId: number, o: ListOptions): Promise<EventFilter> {
  const filter: EventFilter = { open: Boolean(o.open), limit: Number(o.limit) || 100, unclassified: Boolean(o.unclassified) };
  if (o.status !== undefined) filter.status = listOf('--status', o.status, STATUSES);
  if (o.severity !== undefined) filter.severity = listOf('--severity', o.severity, SEVERITIES);
  if (o.org !== undefined) {
    if (!isOrgPattern(o.org.toLowerCase())) throw new DatamerError('INPUT_INVALID', `--org "${o.org}": use a.b.c, a.b.* or *`);
    filter.org = o.org;
  }
  if (o.assignee !== undefined) filter.assigneeId = o.assignee.toLowerCase() === 'none' ? null : (await findUser(deps, tenantId, o.assignee.toLowerCase())).id;
  if (o.since !== undefined) {
    const back = parseDuration(o.since);
    const date = back === null && /^\d{4}-\d{2}-\d{2}/.test(o.since) ? new Date(o.since) : null;
    if (back === null && (date === null || Number.isNaN(date.getTime()))) throw new DatamerError('INPUT_INVALID', `--since "${o.since}": write a duration (2h, 1d) or a date (2026-11-23)`);
    filter.since = back !== null ? new Date(deps.clock.now().getTime() - back) : date!;
  }
  return filter;
}

export function eventCommands(program: Command, io: CliIo): void {
  const event = program.command('event').description('the events engineers act on');

  event
    .command('list')
    .description('events, newest first; the filters add up')
    .addOption(tenantOption())
    .option('--open', 'only events not completed')
    .option('--status <list>', 'only these states: open, assigned, completed (comma-separated)')
    .option('--severity <list>', 'only these severities: info, warn, critical (comma-separated)')
    .option('--org <pattern>', 'only these orgs: a.b.c, or a.b.* for a.b and everything under it')
    .option('--unclassified', 'only events without an org (the triage pile)')
    .option('--assignee <handle>', 'only events assigned to this user ("none": to nobody)')
    .option('--since <when>', 'only events created since: a duration back from now (2h, 1d) or a date (2026-11-23)')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'print JSON (stable: see docs/cli.md)')
    .action((o: ListOptions) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const events = await eventSummaries(deps, tenant.id, await filterFrom(deps, tenant.id, o));
        if (o.json) return void writeJson(io.stdout, events);
        const rows = events.map((e) => [
          String(e.id), e.createdAt.slice(0, 16).replace('T', ' '), e.status, e.severity ?? '-', e.triage ? 'unclassified' : e.org ?? '-', e.assignee ?? '-', e.title,
        ]);
        for (const line of fitToTerminal(io.stdout, table(['ID', 'CREATED', 'STATUS', 'SEVERITY', 'ORG', 'ASSIGNEE', 'TITLE'], rows))) writeLine(io.stdout, line);
      }),
    );

  event
    .command('show <id>')
    .description('one event with its messages and its activity log')
    .addOption(tenantOption())
    .option('--json', 'print JSON (stable: see docs/cli.md)')
    .action((id: string, o: { tenant: string; json?: boolean }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const e = await eventDetail(deps, tenant.id, eventId(id));
        if (o.json) return void writeJson(io.stdout, e);
        writeLine(io.stdout, `event #${e.id} (${e.kind}): ${e.title}`);
        writeLine(io.stdout, `  status ${e.status}${e.assignee ? `, assigned to ${e.assignee} at ${e.assignedAt}` : ''}${e.completedAt ? `, completed at ${e.completedAt}` : ''}${e.mergedInto !== null ? `, merged into #${e.mergedInto}` : ''}`);
        writeLine(io.stdout, `  severity ${e.severity ?? '-'}, org ${e.org ?? 'unclassified (triage)'}, servers ${e.servers.join(', ') || '-'}`);
        writeLine(io.stdout, `  created ${e.createdAt}`);
        writeLine(io.stdout, 'messages:');
        for (const m of e.messages) {
          writeLine(io.stdout, `  ${m.id}  ${m.receivedAt}  ${m.from ?? '-'}  ${m.subject ?? ''}`);
          if (m.reason) writeLine(io.stdout, `      ${m.reason}`);
          if (m.sharesMessageId) writeLine(io.stdout, `      shares its Message-ID ${m.messageId} with another message of different content`);
          for (const w of m.tagWarnings as Array<{ tag: string; problem: string }>) writeLine(io.stdout, `      tag warning: ${w.tag} ${w.problem}`);
          if (m.classificationNote) writeLine(io.stdout, `      note: ${m.classificationNote}`);
        }
        writeLine(io.stdout, 'activity:');
        for (const a of e.activity) writeLine(io.stdout, `  ${a.at}  ${activityText(a)}`);
      }),
    );

  const change = (verb: ChangeRequest['command'], describe: string, configure: (c: Command) => Command, request: (args: string[], o: Record<string, string>) => Partial<ChangeRequest>) =>
    configure(event.command(verb).description(describe))
      .addOption(tenantOption())
      .addOption(actorOption())
      .action(async (...args: unknown[]) => {
        // commander passes the positional arguments, then the options, then the command.
        const positional = args.slice(0, -2) as string[];
        const o = args[args.length - 2] as Record<string, string>;
        await withDeps(io, async (deps) => {
          const tenant = await tenantNamed(deps, o.tenant!);
          const actor = await actorFor(deps, tenant, o.as);
          const e = await changeEvent(deps, tenant.id, eventId(positional[0]!), { command: verb, actor, via: 'cli', ...request(positional, o) });
          writeLine(io.stdout, `event #${e.id} is now ${e.status}`);
        });
      });

  change('assign', 'assign an event to a user (who is told by mail)', (c) => c.argument('<id>').argument('<handle>'), ([, handle]) => ({ handle }));
  change('unassign', 'give an event back: open again, nobody on it', (c) => c.argument('<id>'), () => ({}));
  change('complete', 'mark an event done', (c) => c.argument('<id>').option('--note <text>', 'what was done'), (_, o) => (o.note ? { note: o.note } : {}));
  change('reopen', 'open a completed event again', (c) => c.argument('<id>'), () => ({}));

  // Corrections of the grouping (docs/correlation.md): kept with who and why.
  event
    .command('merge <id> <into>')
    .description('put every message of event <id> into event <into>; <id> is completed, "merged into #<into>"')
    .option('--reason <text>', 'why they are one problem (kept with the correction)')
    .addOption(tenantOption())
    .addOption(actorOption())
    .action((id: string, into: string, o: { tenant: string; as?: string; reason?: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const actor = await actorFor(deps, tenant, o.as);
        const merged = await mergeEvents(deps, tenant.id, eventId(id), eventId(into), { actor, via: 'cli', reason: o.reason ?? null });
        const n = merged.messageIds.length;
        // Whose it is: the target may have taken the assignee of the event merged into it.
        const assignee = merged.into.status === 'assigned' && merged.into.assigneeId !== null
          ? await deps.db.models.User.findOne({ where: { tenantId: tenant.id, id: merged.into.assigneeId }, attributes: ['handle'] })
          : null;
        const status = `${merged.into.status}${assignee ? ` to ${assignee.handle}` : ''}`;
        writeLine(io.stdout, `event #${merged.from.id} merged into #${merged.into.id}: ${n} message${n === 1 ? '' : 's'} moved; #${merged.into.id} is ${status}, severity ${merged.into.severity ?? '-'}`);
      }),
    );

  event
    .command('split <id> <message>')
    .description('take message <message> out of event <id> into an event of its own')
    .option('--reason <text>', 'why it is another problem (kept with the correction)')
    .addOption(tenantOption())
    .addOption(actorOption())
    .action((id: string, message: string, o: { tenant: string; as?: string; reason?: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const actor = await actorFor(deps, tenant, o.as);
        const split = await splitMessage(deps, tenant.id, eventId(id), messageId(message), { actor, via: 'cli', reason: o.reason ?? null });
        writeLine(io.stdout, `message ${split.messageId} split out of #${split.from.id} into event #${split.into.id} (${split.into.status})`);
      }),
    );
}
