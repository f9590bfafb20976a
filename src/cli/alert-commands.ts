// datamer alert unrouted: alerts that reached nobody (docs/notifications.md, Routing).
import type { Command } from 'commander';
import { unroutedAlerts } from '../notifications/unrouted.js';
import { table, writeLine, type CliIo } from './io.js';
import { tenantNamed, tenantOption, withDeps } from './session.js';

export function alertCommands(program: Command, io: CliIo): void {
  const alert = program.command('alert').description('what DaTamer alerted about, and to whom');

  alert
    .command('unrouted')
    .description('alerts that reached nobody: no responder for the org, and nobody in the triage group')
    .option('--json', 'print JSON instead of a table')
    .addOption(tenantOption())
    .action((options: { tenant: string; json?: boolean }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, options.tenant);
        const alerts = await unroutedAlerts(deps, tenant.id);
        if (options.json) {
          writeLine(io.stdout, JSON.stringify(alerts, null, 2));
          return;
        }
        if (alerts.length === 0) {
          writeLine(io.stdout, 'every alert reached someone');
          return;
        }
        const rows = alerts.map((a) => [`#${a.eventId}`, a.at, a.severity ?? '-', a.org ?? 'unclassified', a.title.slice(0, 60)]);
        for (const line of table(['EVENT', 'AT', 'SEVERITY', 'ORG', 'TITLE'], rows)) writeLine(io.stdout, line);
        writeLine(io.stdout, 'nobody responds to these orgs and the triage group has no members: datamer group join triage <handle>');
      }),
    );
}
