// datamer import <file.mbox | maildir | file.eml …> [--tenant T]
import type { Command } from 'commander';
import { importSources, planImport, summaryLine } from './import.js';
import { writeLine, type CliIo } from './io.js';
import { importProgressBar } from './progress.js';
import { tenantNamed, withDeps } from './session.js';
import { smtpMailboxOf } from '../tenants/tenants.js';

/** Enough to see what went wrong; the rest is counted in the summary. */
const REJECTIONS_SHOWN = 20;

export function importCommand(program: Command, io: CliIo): void {
  program
    .command('import <paths...>')
    .description('store the messages of mbox files, maildirs and .eml files, as if they had been mailed to the tenant; safe to run again')
    .option('--tenant <name>', 'the tenant', 'default')
    .action((paths: string[], options: { tenant: string }) =>
      withDeps(io, async (deps, config) => {
        const tenant = await tenantNamed(deps, options.tenant);
        const mailbox = await smtpMailboxOf(deps, tenant.id);
        const sources = await planImport(paths);
        const bar = importProgressBar(io.stderr, sources.reduce((sum, s) => sum + s.bytes, 0));
        let tally;
        try {
          tally = await importSources(deps, { tenantId: tenant.id, mailboxId: mailbox?.id ?? null, maxBytes: config.smtp.maxBytes }, sources, bar?.update);
        } finally {
          bar?.stop();
        }
        for (const { where, reason } of tally.rejections.slice(0, REJECTIONS_SHOWN)) writeLine(io.stderr, `datamer: rejected ${where}: ${reason}`);
        if (tally.rejections.length > REJECTIONS_SHOWN) writeLine(io.stderr, `datamer: … and ${tally.rejections.length - REJECTIONS_SHOWN} more rejected`);
        writeLine(io.stdout, summaryLine(tally));
      }),
    );
}
