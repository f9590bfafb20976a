// datamer mailbox add | list | test | password | remove | organize --backlog
// The kinds of mailbox and their options come from the registry of providers.
import { readFile } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import { Option, type Command } from 'commander';
import { DatamerError } from '../errors.js';
import { addMailbox, checkNewMailbox, findMailbox, listMailboxes, providerFor, removeMailbox, secretOf, sendMailThrough, setMailboxSecret, soleProviderMailbox } from '../mailboxes/mailbox-store.js';
import { providerOf, providers, type NewProviderMailbox } from '../mailboxes/registry.js';
import { loadSecretKey } from '../mailboxes/secrets.js';
import { organizeBacklog } from '../mailboxes/workspace/inbox.js';
import { startWorkspace } from '../mailboxes/workspace/pass.js';
import type { Mailbox, MailboxMode } from '../../models/index.js';
import type { Deps } from '../deps.js';
import { table, writeJson, writeLine, type CliIo, type Output } from './io.js';
import { tenantNamed, tenantOption, withTrail, withDeps } from './session.js';

async function readSecret(file: string, what = 'the password file'): Promise<string> {
  try {
    // The newline an editor adds is not part of a password or a client secret.
    return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
  } catch (err) {
    throw new DatamerError('INPUT_INVALID', `cannot read ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Logs in and out again, so a wrong credential is found by the admin, not by the watcher at 3 a.m. */
async function checkLogin(deps: Deps, mailbox: Pick<Mailbox, 'kind' | 'settings'>, secret: string): Promise<void> {
  const session = await providerOf(mailbox.kind).open(mailbox.settings, secret, deps.log);
  await session.close();
}

/** The kind the admin's options pick, with its settings and credential. */
async function newMailboxFrom(options: Record<string, unknown>): Promise<NewProviderMailbox & { kind: ReturnType<typeof providers>[number]['kind'] }> {
  const picked: Array<NewProviderMailbox & { kind: ReturnType<typeof providers>[number]['kind'] }> = [];
  for (const provider of providers()) {
    const made = await provider.fromOptions(options, readSecret);
    if (made) picked.push({ kind: provider.kind, ...made });
  }
  const kinds = providers().map((p) => p.addOptions[0]!.flags.split(' ')[0]).join(', ');
  if (picked.length === 0) throw new DatamerError('INPUT_INVALID', `say which kind of mailbox: ${kinds}`);
  if (picked.length > 1) throw new DatamerError('INPUT_INVALID', `one kind of mailbox at a time: ${picked.map((p) => p.kind).join(' and ')} were both given`);
  return picked[0]!;
}

/** A mailbox DaTamer logs in to: DaTamer's own address has no password and no folders. */
async function watchedMailbox(deps: Deps, tenantId: number, ref: string): Promise<Mailbox> {
  const found = await findMailbox(deps, tenantId, ref);
  if (found.kind === 'smtp') throw new DatamerError('INPUT_INVALID', `${found.address} is DaTamer's own address, not a mailbox it watches`);
  return found;
}

function health(m: Mailbox): string {
  if (m.kind === 'smtp') return 'listening';
  if (m.lastError) return 'failing';
  return m.lastSyncedAt ? 'ok' : 'not yet connected';
}

/** A key file the CLI makes must be the one the service reads: say where it is. */
const keyFileMade = (io: CliIo) => (file: string) =>
  void writeLine(io.stderr, `datamer: made a new secret key file ${file}; the service must use the same one (DATAMER_SECRET_KEY_FILE, DATAMER_DATA_DIR); back it up apart from the database`);

function backlogBar(stderr: Output) {
  if (!stderr.isTTY) return null;
  const bar = new cliProgress.SingleBar(
    { stream: stderr as NodeJS.WritableStream, format: 'organizing [{bar}] {value}/{total} messages', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  return bar;
}

export function mailboxCommands(program: Command, io: CliIo): void {
  const mailbox = program.command('mailbox').description("the tenant's mailboxes: the shared mailbox DaTamer works in (docs/mailbox.md)");

  const add = mailbox
    .command('add')
    .description('add a shared mailbox (IMAP, Microsoft 365 or Gmail); its credential is checked by logging in, then stored encrypted')
    .addOption(tenantOption());
  for (const provider of providers()) {
    for (const option of provider.addOptions) {
      const made = new Option(option.flags, option.description);
      add.addOption(option.hidden ? made.hideHelp() : made);
    }
  }
  add
    .option('--mode <mode>', 'organize (file mail into folders) or ingest (store it, then delete it from the mailbox)', 'organize')
    .option('--root <folder>', 'the folder the workspace is made under (default DaTamer)')
    .option('--no-check', 'add it without logging in first')
    .action((options: Record<string, unknown> & { tenant: string; mode: string; check: boolean }) =>
      withDeps(io, async (deps, config) => {
        const tenant = await tenantNamed(deps, options.tenant);
        const key = loadSecretKey(config, keyFileMade(io));
        const made = await newMailboxFrom(options);
        const input = { ...made, mode: options.mode as MailboxMode };
        // Refused (taken, say) before logging in; logged in before anything is stored.
        await checkNewMailbox(deps, input);
        if (options.check) await checkLogin(deps, made, made.secret);
        const added = await withTrail(deps, tenant, undefined, (t) => addMailbox(deps, tenant.id, input, key, t), (a) => ({
          action: 'mailbox-added', detail: { id: a.id, kind: a.kind, address: a.address, mode: a.mode, checked: options.check },
        }));
        writeLine(io.stdout, `mailbox ${added.id} added to ${tenant.name}: ${added.address} (${added.mode})`);
        writeLine(
          io.stdout,
          added.mode === 'organize'
            ? 'DaTamer takes in new mail from now on; to file what is already in it: datamer mailbox organize --backlog'
            : 'DaTamer takes in new mail from now on and deletes each message from the mailbox once it is stored; to take in what is already in it: datamer mailbox organize --backlog',
        );
      }),
    );

  mailbox
    .command('test <mailbox>')
    .description('log in to a mailbox and say what works and what permission is missing')
    .addOption(tenantOption())
    .action((ref: string, options: { tenant: string }) =>
      withDeps(io, async (deps, config) => {
        const tenant = await tenantNamed(deps, options.tenant);
        const found = await watchedMailbox(deps, tenant.id, ref);
        const lines = await providerFor(found).check(found.settings, secretOf(found, loadSecretKey(config)), deps.log);
        for (const line of lines) writeLine(io.stdout, `${line.ok ? 'ok' : 'MISSING'}: ${line.text}`);
        if (lines.some((l) => !l.ok)) throw new DatamerError('INPUT_INVALID', `mailbox ${found.id} (${found.address}) is not ready: see the lines above`);
      }),
    );

  mailbox
    .command('list')
    .description("the tenant's mailboxes and how each is doing")
    .addOption(tenantOption())
    .option('--json', 'print JSON instead of a table')
    .action((options: { tenant: string; json?: boolean }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, options.tenant);
        const mailboxes = await listMailboxes(deps, tenant.id);
        if (options.json) {
          const out = mailboxes.map((m) => ({
            id: m.id,
            kind: m.kind,
            address: m.address,
            mode: m.mode,
            status: health(m),
            lastSyncedAt: m.lastSyncedAt?.toISOString() ?? null,
            lastError: m.lastError,
            lastErrorAt: m.lastErrorAt?.toISOString() ?? null,
            sendsMail: m.sendsMail,
          }));
          writeJson(io.stdout, out);
          return;
        }
        const rows = mailboxes.map((m) => [String(m.id), m.kind, m.address, m.mode, health(m), m.sendsMail ? 'yes' : '-', m.lastSyncedAt?.toISOString() ?? '-', m.lastError ?? '']);
        for (const line of table(['ID', 'KIND', 'ADDRESS', 'MODE', 'STATUS', 'SENDS', 'LAST SYNC', 'LAST ERROR'], rows)) writeLine(io.stdout, line);
      }),
    );

  mailbox
    .command('password <mailbox>')
    .description('store a new password (IMAP) or credential (Microsoft 365, Gmail) for a mailbox, checked by logging in first')
    .addOption(tenantOption())
    .option('--password-file <file>', 'a file holding the password')
    .option('--secret-file <file>', 'a file holding the client secret, certificate or service account key')
    .option('--no-check', 'store it without logging in first')
    .action((ref: string, options: { tenant: string; passwordFile?: string; secretFile?: string; check: boolean }) =>
      withDeps(io, async (deps, config) => {
        const tenant = await tenantNamed(deps, options.tenant);
        const key = loadSecretKey(config, keyFileMade(io));
        const found = await watchedMailbox(deps, tenant.id, ref);
        const file = options.passwordFile ?? options.secretFile;
        if (!file) throw new DatamerError('INPUT_INVALID', 'give the new credential with --password-file <file> (or --secret-file <file>)');
        const secret = await readSecret(file, options.passwordFile ? 'the password file' : 'the secret file');
        if (!secret) throw new DatamerError('INPUT_INVALID', 'the file is empty');
        // Checked before it is stored: a mistyped password must not replace the one that works.
        if (options.check) await checkLogin(deps, found, secret);
        await withTrail(deps, tenant, undefined, (t) => setMailboxSecret(deps, found, secret, key, t), () => ({ action: 'mailbox-password-set', detail: { id: found.id, address: found.address } }));
        writeLine(io.stdout, `mailbox ${found.id}: password stored`);
      }),
    );

  mailbox
    .command('send-through <mailbox>')
    .description("send DaTamer's own mail of the tenant (alerts, digests, answers) through this Microsoft 365 or Gmail mailbox, or `smtp` for the outgoing SMTP server")
    .addOption(tenantOption())
    .action((ref: string, options: { tenant: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, options.tenant);
        const line = (mailbox: Mailbox | null) => () => ({ action: 'mailbox-sends-mail', detail: mailbox ? { id: mailbox.id, address: mailbox.address } : { id: null, address: 'smtp' } });
        if (ref === 'smtp') {
          await withTrail(deps, tenant, undefined, (t) => sendMailThrough(deps, tenant.id, null, t), line(null));
          writeLine(io.stdout, `${tenant.name}: DaTamer's mail goes out by the outgoing SMTP server (DATAMER_OUTGOING_SMTP_URL)`);
          return;
        }
        const found = await watchedMailbox(deps, tenant.id, ref);
        await withTrail(deps, tenant, undefined, (t) => sendMailThrough(deps, tenant.id, found, t), line(found));
        writeLine(io.stdout, `${tenant.name}: DaTamer's mail goes out through mailbox ${found.id} (${found.address}), from ${providerFor(found).sendsAs(found.settings)}`);
      }),
    );

  mailbox
    .command('remove <mailbox>')
    .description('stop watching a mailbox (its messages stay in the database and in the mailbox)')
    .addOption(tenantOption())
    .action((ref: string, options: { tenant: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, options.tenant);
        const found = await watchedMailbox(deps, tenant.id, ref);
        await withTrail(deps, tenant, undefined, (t) => removeMailbox(deps, found, t), () => ({ action: 'mailbox-removed', detail: { id: found.id, kind: found.kind, address: found.address } }));
        writeLine(io.stdout, `mailbox ${found.id} removed: ${found.address}`);
      }),
    );

  mailbox
    .command('organize')
    .description('file the mail that was already in the inbox when DaTamer first looked; resumable')
    .addOption(tenantOption())
    .requiredOption('--backlog', 'the mail that was there before (new mail is filed as it arrives)')
    .option('--mailbox <mailbox>', 'which mailbox (needed when the tenant has several)')
    // Bigger batches move more per IMAP MOVE, which costs the server per command (BENCHMARKS.md).
    .option('--batch <n>', 'messages per batch', '500')
    .action((options: { tenant: string; mailbox?: string; batch: string }) =>
      withDeps(io, async (deps, config) => {
        const tenant = await tenantNamed(deps, options.tenant);
        const found = options.mailbox ? await watchedMailbox(deps, tenant.id, options.mailbox) : await soleProviderMailbox(deps, tenant.id);
        const batch = Number(options.batch);
        if (!Number.isInteger(batch) || batch < 1) throw new DatamerError('INPUT_INVALID', `--batch ${options.batch}: a whole number of messages, at least 1`);
        const session = await providerFor(found).open(found.settings, secretOf(found, loadSecretKey(config)), deps.log);
        const bar = backlogBar(io.stderr);
        try {
          const ws = await startWorkspace(deps, found, session);
          const done = await organizeBacklog(ws, {
            batch,
            onProgress: (p) => {
              if (!bar) return;
              if (p.done === 0) bar.start(p.total, 0);
              else bar.update(p.done);
            },
          });
          bar?.stop();
          // In ingest mode the backlog is taken in the same way: stored, then deleted from the mailbox.
          const what = found.mode === 'ingest' ? 'took in (stored, then deleted from the mailbox)' : 'organized';
          writeLine(io.stdout, done.total === 0 ? 'nothing left to organize' : `${what} ${done.done} messages of the backlog`);
        } finally {
          bar?.stop();
          await session.close();
        }
      }),
    );
}
