// Grafana Alerting's default e-mail (ng_alert_notification template), one mail per notification group:
//   subject  [FIRING:1] HighDiskUsage Infrastructure (db1.example.test:9100 node warning)
//   body     "You have 1 firing alert(s), and 0 resolved alert(s) for […]", "(1) FIRING",
//            "Labels:" as `name = value` lines, "Sent by Grafana v…".
// https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/configure-email/
import { grouped, type ToolAlert, type ToolPack } from '../pack.js';
import { alertsOf, severityLabel } from '../alertmanager/labels.js';

const SUBJECT = /^\[(FIRING|RESOLVED)(?::(\d+))?\] (\S+)/;
const MARKER = /firing alert\(s\)|Sent by Grafana/i;

export const grafana: ToolPack = {
  tool: 'grafana',
  recognises: (m) => SUBJECT.test(m.subject.trim()) && MARKER.test(m.body.slice(0, 64 * 1024)),
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
    return grouped('grafana', alerts);
  },
};
