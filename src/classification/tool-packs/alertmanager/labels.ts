// The alerts of an Alertmanager or Grafana mail, read from their `name = value` label lines: a
// new alert starts at each `alertname =` line, and the section heading above it ("[2] Firing",
// "(1) RESOLVED") says whether it fires or was resolved.
import type { Severity } from '../../tags.js';
import { grouped, hostName, lines, type ToolAlert, type ToolFacts, type ToolMessage, type ToolState } from '../pack.js';

export interface LabelledAlert {
  labels: Map<string, string>;
  host: string | null;
  state: ToolState;
}

const LABEL = /^\s*(?:-\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/;
const SECTION = /^\s*[[(]\d+[\])]\s+(firing|resolved)\b/i;

export function alertsOf(body: string, initial: ToolState): LabelledAlert[] {
  const alerts: LabelledAlert[] = [];
  let state = initial;
  for (const line of lines(body)) {
    const section = SECTION.exec(line);
    if (section) {
      state = section[1]!.toLowerCase() === 'firing' ? 'problem' : 'recovery';
      continue;
    }
    const label = LABEL.exec(line);
    if (!label) continue;
    if (label[1] === 'alertname') alerts.push({ labels: new Map(), host: null, state });
    const alert = alerts[alerts.length - 1];
    if (!alert || alert.labels.has(label[1]!)) continue;
    alert.labels.set(label[1]!, label[2]!);
  }
  for (const alert of alerts) alert.host = hostName(alert.labels.get('instance') ?? alert.labels.get('host') ?? alert.labels.get('hostname') ?? alert.labels.get('node'));
  return alerts;
}

/** The `severity` label as the Prometheus community's alerting rules spell it. */
export function severityLabel(value: string | undefined): Severity | null {
  switch ((value ?? '').toLowerCase()) {
    case 'critical': case 'page': case 'error': case 'high': case 'disaster':
      return 'critical';
    case 'warning': case 'warn': case 'average':
      return 'warn';
    case 'info': case 'information': case 'none': case 'low':
      return 'info';
    default:
      return null;
  }
}

/** `[FIRING:N] alertname …`: the subject both Alertmanager and Grafana Alerting write. */
export const GROUP_SUBJECT = /^\[(FIRING|RESOLVED)(?::(\d+))?\] (\S+)/;

/**
 * One notification group, alert by alert: each alert's own host, check and state, a firing
 * alert's severity from its `severity` label. A mail whose labels cannot be read is still the
 * group its subject names.
 */
export function readAlertGroup(tool: string, m: ToolMessage): ToolFacts | null {
  const match = GROUP_SUBJECT.exec(m.subject.trim());
  if (!match) return null;
  const subjectState: ToolState = match[1] === 'FIRING' ? 'problem' : 'recovery';
  const alerts: ToolAlert[] = alertsOf(m.body, subjectState).map((a) => ({
    host: a.host,
    check: a.labels.get('alertname') ?? match[3]!,
    state: a.state,
    severity: a.state === 'problem' ? severityLabel(a.labels.get('severity')) : 'info',
  }));
  if (alerts.length === 0) alerts.push({ host: null, check: match[3]!, state: subjectState, severity: subjectState === 'problem' ? null : 'info' });
  return grouped(tool, alerts);
}
