// datamer user add | list | token, group add | join, subscribe: the people of one tenant (--tenant).
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { DatamerError } from '../errors.js';
import { setPassword } from '../people/passwords.js';
import { replyAddress } from '../reply-address.js';
import { commandTokenOf, rotateCommandToken } from '../people/command-tokens.js';
import { addGroup, addUser, findUser, joinGroup, listUsers, ROLES, setRole, subscribe } from '../people/people.js';
import { describePreferences, setPreferences } from '../people/preferences.js';
import { smtpMailboxOf } from '../tenants/tenants.js';
import type { InterestLevel } from '../../models/index.js';
import { readAll, table, writeJson, writeLine, type CliIo } from './io.js';
import { tenantNamed, tenantOption, withTrail, withDeps } from './session.js';

export function peopleCommands(program: Command, io: CliIo): void {
  const user = program.command('user').description("add, list and remove a tenant's users");

  user
    .command('add <email>')
    .description('add a user')
    .requiredOption('--handle <handle>', "short lower-case name; it names the user's claim folders")
    .option('--name <display name>', 'the name people see (default: the handle)')
    .addOption(tenantOption())
    .action((email: string, options: { handle: string; name?: string; tenant: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, options.tenant);
        const added = await withTrail(deps, tenant, undefined, (t) => addUser(deps, tenant.id, { email, handle: options.handle, displayName: options.name }, t), (a) => ({ action: 'user-added', detail: { handle: a.handle, email: a.email } }));
        writeLine(io.stdout, `user ${added.handle} <${added.email}> added to tenant ${tenant.name}`);
      }),
    );

  user
    .command('list')
    .description('list the users')
    .addOption(tenantOption())
    .option('--json', 'print JSON instead of a table')
    .action((options: { tenant: string; json?: boolean }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, options.tenant);
        const users = await listUsers(deps, tenant.id);
        if (options.json) {
          const out = users.map((u) => ({ handle: u.handle, email: u.email, displayName: u.displayName, role: u.role, createdAt: u.createdAt.toISOString() }));
          writeJson(io.stdout, out);
          return;
        }
        for (const line of table(['HANDLE', 'EMAIL', 'NAME', 'ROLE'], users.map((u) => [u.handle, u.email, u.displayName, u.role]))) writeLine(io.stdout, line);
      }),
    );

  user
    .command('role <handle> <role>')
    .description(`what the user may change on the web site: ${ROLES.join(' or ')} (an admin also changes mailboxes, people and other users' settings; docs/web.md)`)
    .addOption(tenantOption())
    .action((handle: string, role: string, options: { tenant: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, options.tenant);
        const updated = await withTrail(deps, tenant, undefined, (t) => setRole(deps, tenant.id, handle, role.trim().toLowerCase(), t), (u) => ({ action: 'user-role', detail: { handle: u.handle, to: u.role } }));
        writeLine(io.stdout, `${updated.handle} is now ${updated.role === 'admin' ? 'an admin' : 'an engineer'} of tenant ${tenant.name}`);
      }),
    );

  user
    .command('set <handle>')
    .description('how the user is told (docs/notifications.md): alert severities, time zone, quiet hours, digest hour')
    .option('--alerts <severities>', 'severities that alert by mail: critical, warn,critical (default), all or none')
    .option('--timezone <zone>', 'IANA time zone of the quiet hours and the digest, e.g. Europe/Berlin (default UTC)')
    .option('--quiet <hours>', 'local quiet hours, e.g. 22:00-07:00 (only critical alerts then), or off')
    .option('--digest <hour>', 'local hour of the daily digest, 0-23 (default 8), or off')
    .addOption(tenantOption())
    .action((handle: string, options: { alerts?: string; timezone?: string; quiet?: string; digest?: string; tenant: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, options.tenant);
        const change = { alerts: options.alerts, timeZone: options.timezone, quiet: options.quiet, digest: options.digest };
        const updated = await withTrail(deps, tenant, undefined, (t) => setPreferences(deps, tenant.id, handle, change, t), (u) => ({ action: 'user-settings', detail: { handle: u.handle, settings: describePreferences(u) } }));
        writeLine(io.stdout, `${updated.handle}: ${describePreferences(updated)}`);
      }),
    );

  user
    .command('token <handle>')
    .description("print the user's secret for commands by email (docs/commands.md); --rotate makes a new one")
    .option('--rotate', 'replace the token: replies to mail DaTamer sent before no longer command')
    .addOption(tenantOption())
    .action((handle: string, options: { rotate?: boolean; tenant: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, options.tenant);
        // That it changed, never what it is.
        const found = options.rotate
          ? await withTrail(deps, tenant, undefined, (t) => rotateCommandToken(deps, tenant.id, handle, t), (u) => ({ action: 'user-token-rotated', detail: { handle: u.handle } }))
          : await findUser(deps, tenant.id, handle);
        const token = await commandTokenOf(deps, found);
        writeLine(io.stdout, `${options.rotate ? 'new command token' : 'command token'} of ${found.handle}: ${token}`);
        // What the user can do with it: reply to this address, or write key:<token> in a subject.
        const base = (await smtpMailboxOf(deps, tenant.id))?.address;
        if (base) writeLine(io.stdout, `replies to ${replyAddress(base, token, null)} (or with key:${token} in the subject) command as ${found.handle}`);
        if (options.rotate) writeLine(io.stdout, `replies to mail DaTamer sent ${found.handle} before no longer command`);
      }),
    );

  user
    .command('password <handle>')
    .description('set the password the user logs in to the web site with, read from --password-file or stdin (never from the command line, where others could see it)')
    .option('--password-file <file>', 'read the password from this file (its first line)')
    .addOption(tenantOption())
    .action((handle: string, options: { passwordFile?: string; tenant: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, options.tenant);
        const password = firstLine(options.passwordFile ? await readPasswordFile(options.passwordFile) : await readAll(io.stdin ?? process.stdin));
        const found = await withTrail(deps, tenant, undefined, (t) => setPassword(deps, tenant.id, handle, password, t), (u) => ({ action: 'user-password-set', detail: { handle: u.handle } }));
        writeLine(io.stdout, `password of ${found.handle} set: they log in to the site with tenant ${tenant.name}, handle ${found.handle} or ${found.email}`);
      }),
    );

  const group = program.command('group').description("a tenant's groups: add them, list them, put users in and take them out");

  group
    .command('add <name>')
    .description('add a group')
    .addOption(tenantOption())
    .action((name: string, options: { tenant: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, options.tenant);
        const added = await withTrail(deps, tenant, undefined, (t) => addGroup(deps, tenant.id, name, t), (g) => ({ action: 'group-added', detail: { group: g.name } }));
        writeLine(io.stdout, `group "${added.name}" added to tenant ${tenant.name}`);
      }),
    );

  group
    .command('join <group> <handle>')
    .description('put a user in a group')
    .addOption(tenantOption())
    .action((groupName: string, handle: string, options: { tenant: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, options.tenant);
        await withTrail(deps, tenant, undefined, (t) => joinGroup(deps, tenant.id, groupName, handle, t), () => ({ action: 'group-joined', detail: { group: groupName, handle: handle.toLowerCase() } }));
        writeLine(io.stdout, `${handle.toLowerCase()} joined group "${groupName}"`);
      }),
    );

  program
    .command('subscribe <group> <org-pattern> <level>')
    .description('make a group responder for, or interested in, the events of matching orgs (a.b.c, a.b.* or *); level: responder or interested')
    .addOption(tenantOption())
    .action((groupName: string, pattern: string, level: string, options: { tenant: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, options.tenant);
        const subscription = await withTrail(deps, tenant, undefined, (t) => subscribe(deps, tenant.id, groupName, pattern, level as InterestLevel, t), (s) => ({
          action: 'subscription-added', detail: { group: groupName, pattern: s.orgPattern, level: s.level },
        }));
        writeLine(io.stdout, `group "${groupName}" is now ${subscription.level} for ${subscription.orgPattern}`);
      }),
    );
}

/** One line; the newline an editor or `echo` adds is not part of the password. */
const firstLine = (text: string) => text.split(/\r?\n/)[0] ?? '';

async function readPasswordFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new DatamerError('INPUT_INVALID', `cannot read the password file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
