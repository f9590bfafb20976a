// Grafana Alerting's default e-mail (ng_alert_notification template), one mail per notification group:
//   subject  [FIRING:1] HighDiskUsage Infrastructure (db1.example.test:9100 node warning)
//   body     "You have 1 firing alert(s), and 0 resolved alert(s) for […]", "(1) FIRING",
//            "Labels:" as `name = value` lines, "Sent by Grafana v…".
// https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/configure-email/
import { GROUP_SUBJECT, readAlertGroup } from '../alertmanager/labels.js';
import type { ToolPack } from '../pack.js';

const MARKER = /firing alert\(s\)|Sent by Grafana/i;

export const grafana: ToolPack = {
  tool: 'grafana',
  recognises: (m) => GROUP_SUBJECT.test(m.subject.trim()) && MARKER.test(m.body.slice(0, 64 * 1024)),
  extract: (m) => readAlertGroup('grafana', m),
};
