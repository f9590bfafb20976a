// What a monitoring message is about, as its tool keeps state: a check on a host. A tool sends a
// PROBLEM when a check's state changes, a RECOVERY when it comes back, and at most re-notifies
// the same problem while it lasts; it never sends a fresh PROBLEM for a check that has not
// recovered. The generator keeps to that (routine.ts), and keeps the background off the checks
// an incident is reporting on (docs/datasets.md, "Routine traffic").
import type { Server } from './topology.js';

const shortName = (host: string) => host.replace(/:\d+$/, '').split('.')[0]!;

/** `tool|host|check` for each check a message reports on; none for tools without state (cron, reports, builds). */
export function sourcesOf(tool: string, host: Server, params: unknown): string[] {
  const p = params as Record<string, unknown>;
  switch (tool) {
    case 'nagios':
      return [`nagios|${host.host}|${p.type === 'host' ? 'host' : String(p.service)}`];
    case 'zabbix':
      return [`zabbix|${host.host}|${String(p.problem)}`];
    case 'alertmanager':
      return (p.instances as string[]).map((i) => `alertmanager|${shortName(i)}|${String(p.alertname)}`);
    case 'monit':
      return [`monit|${host.host}|${String(p.service)}`];
    default:
      return [];
  }
}

/** When each check is taken (by an incident, or by a background problem): spans that must not overlap. */
export class SourceSpans {
  private readonly spans = new Map<string, Array<[number, number]>>();

  /** Are all of these checks free from `from` to `to`? */
  free(keys: readonly string[], from: number, to: number): boolean {
    return keys.every((k) => !(this.spans.get(k) ?? []).some(([a, b]) => a <= to && from <= b));
  }

  take(keys: readonly string[], from: number, to: number): void {
    for (const k of keys) (this.spans.get(k) ?? this.spans.set(k, []).get(k)!).push([from, to]);
  }
}
