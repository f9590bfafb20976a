// datamer outbox list | retry: the mail DaTamer sends (alerts, assignment notices, answers,
// its own heartbeat), as the outbox holds it (docs/architecture.md, The outbox).
import type { Command } from 'commander';
import { DatamerError } from '../errors.js';
import { listOutbox, retryOutbox } from '../notifications/outbox.js';
import type { OutboxMail } from '../../models/index.js';
import { fitToTerminal, table, writeJson, writeLine, type CliIo } from './io.js';
import { tenantNamed, tenantOption, withDeps } from './session.js';

const STATUSES = ['queued', 'sending', 'sent', 'failed'] as const;

const json = (m: OutboxMail) => ({
  id: m.id, kind: m.kind, status: m.status, from: m.fromAddress, to: m.toAddresses, subject: m.subject, eventId: m.eventId,
  attempts: m.attempts, nextAttemptAt: m.nextAttemptAt.toISOString(), lastError: m.lastError, sentAt: m.sentAt?.toISOString() ?? null,
  createdAt: m.createdAt.toISOString(), messageId: m.messageIdHeader,
});

export function outboxCommands(program: Command, io: CliIo): void {
  const outbox = program.command('outbox').description('the mail DaTamer sends');

  outbox
    .command('list')
    .description('outgoing mail, newest first')
    .option('--status <status>', `only mail in this state: ${STATUSES.join(', ')}`)
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'print JSON instead of a table')
    .addOption(tenantOption())
    .action((o: { status?: string; limit: string; json?: boolean; tenant: string }) =>
      withDeps(io, async (deps) => {
        if (o.status !== undefined && !STATUSES.includes(o.status as never)) throw new DatamerError('INPUT_INVALID', `--status "${o.status}": use ${STATUSES.join(', ')}`);
        const tenant = await tenantNamed(deps, o.tenant);
        const rows = await listOutbox(deps, tenant.id, { ...(o.status ? { status: [o.status as OutboxMail['status']] } : {}), limit: Number(o.limit) || 100 });
        if (o.json) return void writeJson(io.stdout, rows.map(json));
        const cells = rows.map((m) => [
          String(m.id), m.createdAt.toISOString().slice(0, 16).replace('T', ' '), m.status, String(m.attempts), m.kind, m.toAddresses.join(', '),
          m.status === 'failed' || (m.status === 'queued' && m.lastError) ? `${m.subject}  [${m.lastError ?? ''}]` : m.subject,
        ]);
        for (const line of fitToTerminal(io.stdout, table(['ID', 'CREATED', 'STATUS', 'TRIES', 'KIND', 'TO', 'SUBJECT'], cells))) writeLine(io.stdout, line);
      }),
    );

  outbox
    .command('retry <id>')
    .description('queue a failed mail again, now, with a fresh count of attempts')
    .addOption(tenantOption())
    .action((id: string, o: { tenant: string }) =>
      withDeps(io, async (deps) => {
        if (!/^\d+$/.test(id)) throw new DatamerError('INPUT_INVALID', `"${id}" is not an outgoing mail id`);
        const tenant = await tenantNamed(deps, o.tenant);
        const m = await retryOutbox(deps, tenant.id, Number(id));
        writeLine(io.stdout, `outgoing mail ${m.id} to ${m.toAddresses.join(', ')} is queued again; the delivery job sends it within 15 s`);
      }),
    );
}
