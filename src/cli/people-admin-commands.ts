// datamer group list | leave, subscription list, unsubscribe, user remove: undoing what
// people-commands.ts sets up, and seeing it whole.
import type { Command } from 'commander';
import { DatamerError } from '../errors.js';
import { changeEvent } from '../events/change.js';
import { groupViews, leaveGroup, removeUser, unsubscribe, userRemoval } from '../people/people.js';
import { table, writeJson, writeLine, type CliIo } from './io.js';
import { actorFor, tenantNamed, tenantOption, withTrail, withDeps } from './session.js';

export function peopleAdminCommands(program: Command, io: CliIo): void {
  const group = program.commands.find((c) => c.name() === 'group')!;
  const user = program.commands.find((c) => c.name() === 'user')!;

  group
    .command('list')
    .description('the groups with their members and subscriptions')
    .addOption(tenantOption())
    .option('--json', 'print JSON instead of a table')
    .action((o: { tenant: string; json?: boolean }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const groups = await groupViews(deps, tenant.id);
        if (o.json) return void writeJson(io.stdout, groups);
        const rows = groups.map((g) => [g.name, g.members.join(', ') || '-', g.subscriptions.map((s) => `${s.level} ${s.orgPattern}`).join(', ') || '-']);
        for (const line of table(['GROUP', 'MEMBERS', 'SUBSCRIPTIONS'], rows)) writeLine(io.stdout, line);
      }),
    );

  group
    .command('leave <group> <handle>')
    .description('take a user out of a group')
    .addOption(tenantOption())
    .action((groupName: string, handle: string, o: { tenant: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        await withTrail(deps, tenant, undefined, (t) => leaveGroup(deps, tenant.id, groupName, handle, t), () => ({ action: 'group-left', detail: { group: groupName, handle: handle.toLowerCase() } }));
        writeLine(io.stdout, `${handle.toLowerCase()} left group "${groupName}"`);
      }),
    );

  program
    .command('subscription')
    .description("the tenant's subscriptions")
    .command('list')
    .description('which group responds to, or is interested in, which orgs')
    .addOption(tenantOption())
    .option('--json', 'print JSON instead of a table')
    .action((o: { tenant: string; json?: boolean }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const subscriptions = (await groupViews(deps, tenant.id)).flatMap((g) => g.subscriptions.map((s) => ({ group: g.name, ...s })));
        if (o.json) return void writeJson(io.stdout, subscriptions);
        for (const line of table(['GROUP', 'LEVEL', 'ORGS'], subscriptions.map((s) => [s.group, s.level, s.orgPattern]))) writeLine(io.stdout, line);
      }),
    );

  program
    .command('unsubscribe <group> <org-pattern>')
    .description('end a subscription of a group')
    .addOption(tenantOption())
    .action((groupName: string, pattern: string, o: { tenant: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        await withTrail(deps, tenant, undefined, (t) => unsubscribe(deps, tenant.id, groupName, pattern, t), () => ({ action: 'subscription-removed', detail: { group: groupName, pattern: pattern.toLowerCase() } }));
        writeLine(io.stdout, `group "${groupName}" is no longer subscribed to ${pattern.toLowerCase()}`);
      }),
    );

  user
    .command('remove <handle>')
    .description('remove a user: says what goes, and removes it with --yes')
    .option('--yes', 'remove, after reading what goes')
    .addOption(tenantOption())
    .action((handle: string, o: { yes?: boolean; tenant: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const plan = await userRemoval(deps, tenant.id, handle);
        const what = `user ${plan.user.handle} <${plan.user.email}>: ${plan.memberships} group membership(s); ${plan.assignedEvents.length} assigned event(s) go back to open${plan.assignedEvents.length ? ` (${plan.assignedEvents.map((id) => `#${id}`).join(', ')})` : ''}; the activity log keeps what they did`;
        if (!o.yes) {
          writeLine(io.stdout, `would remove ${what}`);
          throw new DatamerError('INPUT_INVALID', `nothing removed; run again with --yes to remove ${plan.user.handle}`);
        }
        const actor = await actorFor(deps, tenant, undefined);
        await withTrail(
          deps, tenant, undefined,
          (t) => removeUser(deps, tenant.id, handle, async (eventId, within) => void (await changeEvent(deps, tenant.id, eventId, { command: 'unassign', actor, via: 'cli' }, within)), t),
          (done) => ({ action: 'user-removed', detail: { handle: done.user.handle, memberships: done.memberships, unassigned: done.assignedEvents } }),
        );
        writeLine(io.stdout, `removed ${what}`);
      }),
    );
}
