// datamer message show: one stored message as an admin needs to see it: where it came from, how
// it was classified and by whom, its tag warnings, its event, its headers and text; --raw prints
// the bytes exactly as they arrived.
import type { Command } from 'commander';
import { DatamerError } from '../errors.js';
import { eventIdOfMessage } from '../events/events.js';
import { findMessage } from '../ingest/messages.js';
import { parseMessage } from '../ingest/parse.js';
import { writeLine, type CliIo } from './io.js';
import { tenantNamed, tenantOption, withDeps } from './session.js';

/** Mail is hostile input: control characters (an escape sequence for the terminal) are shown, not sent. */
const printable = (text: string, keepNewlines = false) =>
  // eslint-disable-next-line no-control-regex
  text.replace(keepNewlines ? /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/g : /[\x00-\x08\x0a-\x1f\x7f\x80-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

export function messageCommands(program: Command, io: CliIo): void {
  const message = program.command('message').description('stored messages');

  message
    .command('show <id>')
    .description('one stored message (by its DaTamer id, as event show lists it): classification, tag warnings, headers, text')
    .option('--raw', 'print the message exactly as it arrived, and nothing else')
    .addOption(tenantOption())
    .action((id: string, o: { raw?: boolean; tenant: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const m = /^\d+$/.test(id) ? await findMessage(deps, tenant.id, Number(id)) : null;
        if (!m) throw new DatamerError('NOT_FOUND', `no message ${id} in tenant ${tenant.name}`);
        if (o.raw) return void io.stdout.write(m.raw.toString('latin1'));
        const out = (line: string) => writeLine(io.stdout, line);
        const eventId = await eventIdOfMessage(deps, tenant.id, m.id);
        out(`message ${m.id}: ${printable(m.subject ?? '(no subject)')}`);
        out(`  from ${printable(m.fromAddress ?? '-')} to ${printable(m.toAddresses.join(', ') || '-')}`);
        out(`  received ${m.receivedAt.toISOString()} by ${m.source}${m.sentAt ? `, dated ${m.sentAt.toISOString()}` : ''}; ${m.rawSize} bytes; delivered ${m.deliveries} time(s)`);
        out(`  Message-ID ${printable(m.messageIdHeader ?? '-')}`);
        if (m.parseError) out(`  parse error: ${printable(m.parseError)}`);
        if (m.classifiedAt === null) out('  not classified yet');
        else {
          const decided = Object.entries(m.decidedBy ?? {}).map(([field, by]) => `${field} by ${by}`).join(', ');
          out(`  severity ${m.severity ?? '-'}, org ${m.org ?? 'unclassified'}, servers ${(m.servers ?? []).join(', ') || '-'}${m.schedule ? `, schedule per${m.schedule.period}-${m.schedule.n}/${m.schedule.v}` : ''} (${decided || `by ${m.classifiedBy ?? 'none'}`})`);
        }
        for (const w of m.tagWarnings ?? []) out(`  tag warning (${w.where}): ${printable(w.tag)} ${printable(w.problem)}`);
        out(`  event ${eventId === null ? '-' : `#${eventId}`}${m.streamKey ? `, stream ${printable(m.streamKey)}` : ''}`);
        out('headers:');
        const parsed = await parseMessage(m.raw);
        for (const [name, values] of parsed.headers) for (const v of values) out(`  ${printable(name)}: ${printable(v)}`);
        out('text:');
        for (const line of printable(m.text ?? '', true).split('\n')) out(`  ${line}`);
      }),
    );
}
