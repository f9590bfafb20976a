// datamer stream list | show | rename | mute | unmute | severity | grace | delete. A stream is named
// by its id, its key or its label; the work is done in src/schedules/stream-admin.ts.
import type { Command } from 'commander';
import { DatamerError } from '../errors.js';
import { formatDuration, parseDuration } from '../schedules/duration.js';
import {
  deleteStream, renameStream, setMissingSeverity, setStreamGrace, setStreamMuted, streamDetail, streamSummaries, SEVERITIES, type StreamSummary,
} from '../schedules/stream-admin.js';
import { table, writeJson, writeLine, type CliIo } from './io.js';
import { actorFor, actorOption, tenantNamed, tenantOption, withTrail, withDeps } from './session.js';

const minute = (iso: string) => iso.slice(0, 16).replace('T', ' ');
const expected = (s: Pick<StreamSummary, 'n' | 'v' | 'period'>) => `${s.n}${s.v ? `±${s.v}` : ''}/${s.period}`;
const stateOf = (s: StreamSummary) => (s.quietUntil && s.state !== 'muted' ? `${s.state} (${s.quietFor})` : s.state);
const alertsOf = (s: StreamSummary) => s.openAlerts.map((a) => `#${a.eventId} ${a.condition}`).join(', ') || '-';

export function streamCommands(program: Command, io: CliIo): void {
  const stream = program.command('stream').description('streams: the messages a schedule tag counts, and whether they came as expected');

  stream
    .command('list')
    .description('every stream with its expected and current count, last arrival, state and open alerts')
    .addOption(tenantOption())
    .option('--json', 'print JSON (see docs/cli.md)')
    .action((o: { tenant: string; json?: boolean }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const streams = await streamSummaries(deps, tenant.id);
        if (o.json) return void writeJson(io.stdout, streams);
        const rows = streams.map((s) => [
          String(s.id), s.label ?? '-', expected(s), String(s.count), minute(s.lastSeenAt), stateOf(s), alertsOf(s), s.key,
        ]);
        for (const line of table(['ID', 'LABEL', 'EXPECTED', 'NOW', 'LAST SEEN', 'STATE', 'OPEN ALERTS', 'KEY'], rows)) writeLine(io.stdout, line);
      }),
    );

  stream
    .command('show <stream>')
    .description('one stream (by id, key or label) with the messages in its window')
    .addOption(tenantOption())
    .option('--json', 'print JSON (see docs/cli.md)')
    .action((ref: string, o: { tenant: string; json?: boolean }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const s = await streamDetail(deps, tenant.id, ref);
        if (o.json) return void writeJson(io.stdout, s);
        writeLine(io.stdout, `stream ${s.id}${s.label ? ` "${s.label}"` : ''}: ${s.key}`);
        writeLine(io.stdout, `  expected ${expected(s)}, ${s.count} in the window now; state ${s.state}${s.muted ? '' : `; missing alerts are ${s.missingSeverity}`}`);
        if (s.quietUntil) writeLine(io.stdout, `  quiet until ${s.quietUntil} (${s.quietFor}, and one window after it)`);
        writeLine(io.stdout, `  first seen ${s.firstSeenAt}, last seen ${s.lastSeenAt}`);
        writeLine(io.stdout, `  open alerts: ${alertsOf(s)}`);
        writeLine(io.stdout, 'messages in the window:');
        for (const m of s.messages) writeLine(io.stdout, `  ${m.id}  ${m.receivedAt}  ${m.subject ?? '(no subject)'}`);
        if (s.messages.length === 0) writeLine(io.stdout, '  (none)');
      }),
    );

  stream
    .command('rename <stream> <label>')
    .description('set the label shown beside the key ("" removes it)')
    .addOption(tenantOption())
    .action((ref: string, label: string, o: { tenant: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const s = await withTrail(deps, tenant, undefined, (t) => renameStream(deps, tenant.id, ref, label, t), (d) => ({ action: 'stream-renamed', detail: { stream: d.key, to: d.label } }));
        writeLine(io.stdout, s.label ? `stream ${s.id} is now labelled "${s.label}"` : `stream ${s.id} has no label now`);
      }),
    );

  for (const [verb, muted] of [['mute', true], ['unmute', false]] as const) {
    stream
      .command(`${verb} <stream>`)
      .description(muted ? 'raise no alerts for a stream (open ones resolve when the count is back)' : 'let a muted stream alert again')
      .addOption(tenantOption())
      .action((ref: string, o: { tenant: string }) =>
        withDeps(io, async (deps) => {
          const tenant = await tenantNamed(deps, o.tenant);
          const s = await withTrail(deps, tenant, undefined, (t) => setStreamMuted(deps, tenant.id, ref, muted, t), (d) => ({ action: muted ? 'stream-muted' : 'stream-unmuted', detail: { stream: d.key } }));
          writeLine(io.stdout, `stream ${s.id}${s.label ? ` "${s.label}"` : ''} ${verb}d`);
        }),
      );
  }

  stream
    .command('severity <stream> <level>')
    .description(`the severity of the stream's missing alerts: ${SEVERITIES.join(', ')} (default warn)`)
    .addOption(tenantOption())
    .addOption(actorOption())
    .action((ref: string, level: string, o: { tenant: string; as?: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const by = { actor: await actorFor(deps, tenant, o.as), via: 'cli' as const };
        const s = await withTrail(deps, tenant, o.as, (t) => setMissingSeverity(deps, tenant.id, ref, level.toLowerCase(), by, t), (d) => ({ action: 'stream-severity', detail: { stream: d.key, to: d.missingSeverity } }));
        writeLine(io.stdout, `stream ${s.id}: missing alerts are now ${s.missingSeverity}`);
      }),
    );

  stream
    .command('grace <stream> <duration>')
    .description('how long the stream may be out of range before an alert: 90s, 10m, 2h, 1d, or "default" for its period\'s')
    .addOption(tenantOption())
    .action((ref: string, text: string, o: { tenant: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const ms = text === 'default' ? null : parseDuration(text);
        if (ms === null && text !== 'default') throw new DatamerError('INPUT_INVALID', `grace "${text}": write a duration such as 10m, 2h or 1d, or default`);
        const s = await withTrail(deps, tenant, undefined, (t) => setStreamGrace(deps, tenant.id, ref, ms, t), (d) => ({ action: 'stream-grace', detail: { stream: d.key, graceMs: d.graceMs } }));
        writeLine(io.stdout, `stream ${s.id}: grace ${s.graceMs === null ? 'back to the default for its period' : formatDuration(s.graceMs)}`);
      }),
    );

  stream
    .command('delete <stream>')
    .description('remove a stream and complete its open alerts (it comes back, learning, if its job mails again)')
    .addOption(tenantOption())
    .addOption(actorOption())
    .action((ref: string, o: { tenant: string; as?: string }) =>
      withDeps(io, async (deps) => {
        const tenant = await tenantNamed(deps, o.tenant);
        const by = { actor: await actorFor(deps, tenant, o.as), via: 'cli' as const };
        const { stream: s, closed } = await withTrail(deps, tenant, o.as, (t) => deleteStream(deps, tenant.id, ref, by, t), (d) => ({ action: 'stream-deleted', detail: { stream: d.stream.key, closed: d.closed } }));
        writeLine(io.stdout, `stream ${s.id} deleted${closed.length ? `; completed its open alerts ${closed.map((id) => `#${id}`).join(', ')}` : ''}`);
      }),
    );
}
