// The alerts of an Alertmanager or Grafana mail, read from their `name = value` label lines: a
// new alert starts at each `alertname =` line, and the section heading above it ("[2] Firing",
// "(1) RESOLVED") says whether it fires or was resolved.
import type { Severity } from '../../tags.js';
import { hostName, lines, type ToolState } from '../pack.js';

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
