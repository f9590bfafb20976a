// Prometheus Alertmanager's default e-mail template (template/email.html, email.tmpl):
//   subject  [FIRING:2] NodeFilesystemAlmostFull (/dev/sda1 ext4 node /var warning)
//   body     "2 alerts for alertname=…", then "[2] Firing" / "[1] Resolved", each alert's
//            "Labels" (alertname, instance, severity, …) and "Annotations" as `name = value` lines.
// One mail is a group of alerts (Alertmanager's group_by); each is read on its own.
// https://prometheus.io/docs/alerting/latest/configuration/#email_config
import { GROUP_SUBJECT, readAlertGroup } from './labels.js';
import type { ToolPack } from '../pack.js';

const MARKER = /\balerts? for\b/;

export const alertmanager: ToolPack = {
  tool: 'alertmanager',
  recognises: (m) => GROUP_SUBJECT.test(m.subject.trim()) && MARKER.test(m.body.slice(0, 4096)) && !/Sent by Grafana/i.test(m.body.slice(0, 64 * 1024)),
  extract: (m) => readAlertGroup('alertmanager', m),
};
