// datamer maintenance add | list | end: times when a part of the estate is worked on, so its
// streams raise no schedule alerts (src/schedules/maintenance.ts).
import type { Command } from 'commander';
import { DatamerError } from '../errors.js';
import { addMaintenance, endMaintenance, endOf, listMaintenance, statusOf } from '../schedules/maintenance.js';
import type { MaintenanceWindow } from '../../models/index.js';
import { table, writeJson, writeLine, type CliIo } from './io.js';
import { actorFor, actorOption, tenantNamed, tenantOption, withTrail, withDeps } from './session.js';

/** An ISO 8601 date and time (`2026-11-24T22:00Z`, `2026-11-24T22:00+01:00`; no offset: local time). */
function instant(option: string, text: string): Date {
  const date = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(text.trim()) ? new Date(text.trim()) : null;
  if (!date || Number.isNaN(date.getTime())) throw new DatamerError('INPUT_INVALID', `${option} "${text}" is not an ISO 8601 time, e.g. 2026-11-24T22:00Z`);
  return date;
}

function windowId(text: string): number {
  const id = /^#?(\d+)$/.exec(text.trim());
  if (!id) throw new DatamerError('INPUT_INVALID', `"${text}" is not a maintenance window id`);
  return Number(id[1]);
}

const windowJson = (w: MaintenanceWindow, now: Date) => ({
  id: w.id, scope: w.scope, startsAt: w.startsAt.toISOString(), endsAt: w.endsAt.toISOString(), endedAt: w.endedAt?.toISOString() ?? null,
  status: statusOf(w, now), reason: w.reason, createdBy: w.createdBy, createdAt: w.createdAt.toISOString(),
});

export function maintenanceCommands(program: Command, io: CliIo): void {
  const maintenance = program.command('maintenance').description('maintenance windows: no schedule alerts for their streams while they last, nor for one window after');

  maintenance
    .command('add')
    .description('plan a maintenance window for an org pattern (a.b.*, *) or one stream (its key)')
    .requiredOption('--scope <scope>', 'an org pattern (datamer.data.*, *) or a stream key')
    .option('--from <time>', 'when it starts, ISO 8601 (default: now)')
    .requiredOption('--until <time>', 'when it ends, ISO 8601')
    .requiredOption('--reason <text>', 'why (shown in the list)')
    .addOption(tenantOption())
    .addOption(actorOption('recorded with it'))
    .action((o: { scope: string; from?: string; until: string; reason: string; tenant: string; as?: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const startsAt = o.from === undefined ? deps.clock.now() : instant('--from', o.from);
        const endsAt = instant('--until', o.until);
        const createdBy = await actorFor(deps, tenant, o.as);
        const { window: w, streams } = await withTrail(deps, tenant, o.as, (t) => addMaintenance(deps, tenant.id, { scope: o.scope, startsAt, endsAt, reason: o.reason, createdBy }, t), ({ window: a }) => ({
          action: 'maintenance-added', detail: { id: a.id, scope: a.scope, startsAt: a.startsAt.toISOString(), endsAt: a.endsAt.toISOString(), reason: a.reason },
        }));
        writeLine(io.stdout, `maintenance window ${w.id} for ${w.scope}: ${w.startsAt.toISOString()} to ${w.endsAt.toISOString()}; it covers ${streams} stream${streams === 1 ? '' : 's'} now`);
      }),
    );

  maintenance
    .command('list')
    .description('maintenance windows, latest start first')
    .addOption(tenantOption())
    .option('--json', 'print JSON (see docs/cli.md)')
    .action((o: { tenant: string; json?: boolean }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const now = deps.clock.now();
        const windows = await listMaintenance(deps, tenant.id);
        if (o.json) return void writeJson(io.stdout, windows.map((w) => windowJson(w, now)));
        const minute = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');
        const rows = windows.map((w) => [String(w.id), w.scope, minute(w.startsAt), minute(endOf(w)), statusOf(w, now), w.createdBy, w.reason]);
        for (const line of table(['ID', 'SCOPE', 'FROM', 'UNTIL', 'STATUS', 'BY', 'REASON'], rows)) writeLine(io.stdout, line);
      }),
    );

  maintenance
    .command('end <id>')
    .description('end a maintenance window now (an upcoming one is cancelled)')
    .addOption(tenantOption())
    .action((id: string, o: { tenant: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const { window: w, streams } = await withTrail(deps, tenant, undefined, (t) => endMaintenance(deps, tenant.id, windowId(id), t), ({ window: e }) => ({ action: 'maintenance-ended', detail: { id: e.id, scope: e.scope } }));
        writeLine(io.stdout, `maintenance window ${w.id} ended at ${w.endedAt!.toISOString()}; ${streams} stream${streams === 1 ? '' : 's'} will be looked at again`);
      }),
    );
}
