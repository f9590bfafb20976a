// Prometheus Alertmanager's default e-mail template (template/email.html, email.tmpl):
//   subject  [FIRING:2] NodeFilesystemAlmostFull (/dev/sda1 ext4 node /var warning)
//   body     "2 alerts for alertname=…", then "[2] Firing" / "[1] Resolved", each alert's
//            "Labels" (alertname, instance, severity, …) and "Annotations" as `name = value` lines.
// One mail is a group of alerts (Alertmanager's group_by); each is read on its own.
// https://prometheus.io/docs/alerting/latest/configuration/#email_config
import { grouped, type ToolAlert, type ToolPack } from '../pack.js';
import { alertsOf, severityLabel } from './labels.js';

const SUBJECT = /^\[(FIRING|RESOLVED)(?::(\d+))?\] (\S+)/;
const MARKER = /\balerts? for\b/;

export const alertmanager: ToolPack = {
  tool: 'alertmanager',
  recognises: (m) => SUBJECT.test(m.subject.trim()) && MARKER.test(m.body.slice(0, 4096)) && !/Sent by Grafana/i.test(m.body.slice(0, 64 * 1024)),
  extract(m) {
    const match = SUBJECT.exec(m.subject.trim());
    if (!match) return null;
    const subjectState = match[1] === 'FIRING' ? 'problem' : 'recovery';
    const alerts: ToolAlert[] = alertsOf(m.body, subjectState).map((a) => ({
      host: a.host,
      check: a.labels.get('alertname') ?? match[3]!,
      state: a.state,
      severity: a.state === 'problem' ? severityLabel(a.labels.get('severity')) : 'info',
    }));
    if (alerts.length === 0) alerts.push({ host: null, check: match[3]!, state: subjectState, severity: subjectState === 'problem' ? null : 'info' });
    return grouped('alertmanager', alerts);
  },
};
