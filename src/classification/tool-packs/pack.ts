// What a tool pack is: the reader of one monitoring tool's own mail format. It recognises the
// tool's mail and says what the tool already states in it: the host, the check, the state
// (problem, recovery, acknowledgement, information) and, when the tool has one, a severity in
// DaTamer's words. Pure and linear: every pattern here and in the packs reads one line at a time,
// on the first PACK_SCAN characters of the body only. docs/tool-packs.md lists the tools.
import { isFqdn, type Severity } from '../tags.js';

export type ToolState = 'problem' | 'recovery' | 'acknowledgement' | 'information';

/** One alert a message reports. */
export interface ToolAlert {
  /** the host as the tool names it (lower-cased), short or fully qualified */
  host: string | null;
  /** what was checked: the service, the alert rule, the job, the device */
  check: string | null;
  state: ToolState;
  severity: Severity | null;
}

/** What a tool's message states; a message carrying a group of alerts lists each in `alerts`. */
export interface ToolFacts extends ToolAlert {
  tool: string;
  /** every alert of the message (one for most tools; Alertmanager and Grafana group several) */
  alerts: ToolAlert[];
}

export interface ToolMessage {
  subject: string;
  /** the plain-text body, as tags and rules read it */
  body: string;
  /** the sender's address, lower-cased */
  from: string;
}

export interface ToolPack {
  tool: string;
  /** is this the tool's mail? Cheap: the subject, the sender, a marker line. */
  recognises(message: ToolMessage): boolean;
  /** what it states; null when it looks like the tool's mail but says nothing a pack can use */
  extract(message: ToolMessage): ToolFacts | null;
}

/** Packs read the start of a body only: what they look for is at the top. */
export const PACK_SCAN = 64 * 1024;

/** A message of one alert. */
export function single(tool: string, alert: ToolAlert): ToolFacts {
  return { tool, ...alert, alerts: [alert] };
}

/**
 * A message of several alerts: its state is the firing one if any fires, its severity the
 * highest, its host and check those the alerts share (else null: no single host or check).
 */
export function grouped(tool: string, alerts: ToolAlert[]): ToolFacts | null {
  if (alerts.length === 0) return null;
  const shared = <K extends 'host' | 'check'>(key: K) => (alerts.every((a) => a[key] === alerts[0]![key]) ? alerts[0]![key] : null);
  const rank: Record<Severity, number> = { info: 1, warn: 2, critical: 3 };
  const severity = alerts.reduce<Severity | null>((best, a) => (a.severity !== null && (best === null || rank[a.severity] > rank[best]) ? a.severity : best), null);
  const state = alerts.some((a) => a.state === 'problem') ? 'problem' : alerts[0]!.state;
  return { tool, host: shared('host'), check: shared('check'), state, severity, alerts };
}

/** The value of the first `Name: value` line (any case, any indentation), trimmed; null without one. */
export function field(body: string, name: string): string | null {
  const wanted = name.toLowerCase();
  for (const line of lines(body)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    if (line.slice(0, colon).trim().replace(/^-\s*/, '').toLowerCase() === wanted) {
      const value = line.slice(colon + 1).trim();
      return value === '' ? null : value;
    }
  }
  return null;
}

/** The body's lines, from its first PACK_SCAN characters. */
export function lines(body: string): string[] {
  return body.slice(0, PACK_SCAN).split(/\r?\n/);
}

/** The domain of the sender's address: for tools that mail from the host they watch. */
export function senderHost(from: string): string | null {
  const at = from.lastIndexOf('@');
  const domain = at < 0 ? '' : from.slice(at + 1).toLowerCase();
  return domain === '' ? null : domain;
}

/** A host name as a tool writes it, lower-cased, without a port, a trailing dot or brackets. */
export function hostName(text: string | null | undefined): string | null {
  if (!text) return null;
  const name = text.trim().replace(/^\[|\]$/g, '').replace(/:\d+$/, '').replace(/\.$/, '').toLowerCase();
  return name === '' || /\s/.test(name) ? null : name;
}

/**
 * The fully qualified name of a host a tool names short, when the sender is that host: `db1` mailed
 * by root@db1.example.test is db1.example.test. Otherwise the name as given.
 */
export function qualified(host: string | null, from: string): string | null {
  const sender = senderHost(from);
  if (host === null) return sender !== null && isFqdn(sender) ? sender : null;
  if (!host.includes('.') && sender !== null && sender.startsWith(`${host}.`) && isFqdn(sender)) return sender;
  return host;
}
