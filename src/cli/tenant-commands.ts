// datamer tenant add | list | self-address | trust-authserv
import type { Command } from 'commander';
import { DatamerError } from '../errors.js';
import { setSelfAddress } from '../selfwatch/self-address.js';
import { removeTenant, tenantRemoval } from '../tenants/remove.js';
import { addTenant, findTenant, listTenants } from '../tenants/tenants.js';
import { table, writeJson, writeLine, type CliIo } from './io.js';
import { withDeps } from './session.js';

// RFC 8601 §2.5: an authserv-id is a token, in practice the receiving server's host name.
const AUTHSERV_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

export function tenantCommands(program: Command, io: CliIo): void {
  const tenant = program.command('tenant').description('add, list and remove tenants');

  tenant
    .command('add <name>')
    .description("add a tenant, with DaTamer's own address for it")
    .requiredOption('--address <address>', 'the address the SMTP listener accepts mail for, for this tenant')
    .option('--display-name <text>', 'the name people see (default: the tenant name)')
    .action((name: string, options: { address: string; displayName?: string }) =>
      withDeps(io, async (deps) => {
        const { tenant: added, mailbox } = await addTenant(deps, { name, address: options.address, displayName: options.displayName });
        writeLine(io.stdout, `tenant ${added.name} added; its address is ${mailbox.address}`);
      }),
    );

  tenant
    .command('list')
    .description('list the tenants and their addresses')
    .option('--json', 'print JSON instead of a table')
    .action((options: { json?: boolean }) =>
      withDeps(io, async (deps) => {
        const tenants = await listTenants(deps);
        if (options.json) {
          const out = tenants.map(({ tenant: t, addresses }) => ({ name: t.name, displayName: t.displayName, addresses, selfAddress: t.selfAddress, createdAt: t.createdAt.toISOString() }));
          writeJson(io.stdout, out);
          return;
        }
        const rows = tenants.map(({ tenant: t, addresses }) => [t.name, t.displayName, addresses.join(', ')]);
        for (const line of table(['NAME', 'DISPLAY NAME', 'ADDRESSES'], rows)) writeLine(io.stdout, line);
      }),
    );

  tenant
    .command('remove <tenant>')
    .description('remove a tenant and everything it holds: says what goes, and removes it with --yes')
    .option('--yes', 'remove, after reading what goes')
    .action((name: string, options: { yes?: boolean }) =>
      withDeps(io, async (deps) => {
        const plan = await tenantRemoval(deps, name);
        const what = Object.entries(plan.counts).map(([table, n]) => `${n} ${table}`).join(', ') || 'no rows';
        if (!options.yes) {
          writeLine(io.stdout, `would remove tenant ${plan.tenant.name} with ${what}`);
          throw new DatamerError('INPUT_INVALID', `nothing removed; run again with --yes to remove tenant ${plan.tenant.name} and all of the above`);
        }
        await removeTenant(deps, name);
        writeLine(io.stdout, `removed tenant ${plan.tenant.name} with ${what}`);
      }),
    );

  tenant
    .command('self-address <tenant> <address>')
    .description('where DaTamer mails its own heartbeat and critical self-reports for a tenant ("none" stops them)')
    .action((name: string, address: string) =>
      withDeps(io, async (deps) => {
        const change = await setSelfAddress(deps, name, address);
        if (change.address === null) {
          writeLine(io.stdout, `tenant ${name}: DaTamer no longer mails its own heartbeat and self-reports`);
          return;
        }
        writeLine(io.stdout, `tenant ${name}: DaTamer mails its hourly heartbeat and critical self-reports to ${change.address}`);
        if (!change.ownAddress) {
          writeLine(
            io.stdout,
            `note: ${change.address} is not one of ${name}'s DaTamer addresses (${change.addresses.join(', ')}); the heartbeat only counts if mail to it reaches DaTamer`,
          );
        }
      }),
    );

  tenant
    .command('trust-authserv <tenant> <authserv-id>')
    .description('let a DKIM/SPF pass in Authentication-Results written by this receiving server stand in for a command token ("none": tokens only)')
    .action((name: string, value: string) =>
      withDeps(io, async (deps) => {
        const found = await findTenant(deps, name);
        if (value.trim().toLowerCase() === 'none') {
          await found.update({ trustedAuthservId: null });
          writeLine(io.stdout, `tenant ${name}: commands by email need the user's token`);
          return;
        }
        const id = value.trim().toLowerCase();
        if (!AUTHSERV_ID.test(id)) throw new DatamerError('INPUT_INVALID', `"${value}" is not an authserv-id: write the receiving server's name as its Authentication-Results headers start (or "none")`);
        await found.update({ trustedAuthservId: id });
        writeLine(io.stdout, `tenant ${name}: a reply from a user whose domain passes DKIM or SPF in Authentication-Results of ${id} commands without a token`);
      }),
    );
}
