import { grafana } from '../../../../src/classification/tool-packs/grafana/pack.js';
import { packTable } from './table.js';

const body = (state: string, severity: string) => `You have 1 firing alert(s), and 0 resolved alert(s) for [alertname=HighDiskUsage]\n\n(1) ${state}\n-----------\nLabels:\n    alertname = HighDiskUsage\n    grafana_folder = Infrastructure\n    instance = db1.example.test:9100\n    severity = ${severity}\nSummary: Disk usage above 90%\n\nSent by Grafana v11.3.1`;

packTable(grafana, [
  { why: 'a firing alert: host from the instance label, severity from the severity label', subject: '[FIRING:1] HighDiskUsage Infrastructure (db1.example.test:9100 node warning)', body: body('FIRING', 'warning'), facts: { host: 'db1.example.test', check: 'HighDiskUsage', state: 'problem', severity: 'warn' } },
  { why: 'a critical label is critical', subject: '[FIRING:1] HighDiskUsage Infrastructure', body: body('FIRING', 'critical'), facts: { host: 'db1.example.test', check: 'HighDiskUsage', state: 'problem', severity: 'critical' } },
  { why: 'a resolved alert is a recovery', subject: '[RESOLVED] HighDiskUsage Infrastructure', body: body('RESOLVED', 'warning'), facts: { host: 'db1.example.test', check: 'HighDiskUsage', state: 'recovery', severity: 'info' } },
  { why: 'a custom message without labels still names the rule', subject: '[FIRING:1] HighDiskUsage Infrastructure', body: 'HighDiskUsage on db1\n\nSent by Grafana v11.3.1', facts: { host: null, check: 'HighDiskUsage', state: 'problem', severity: null } },
]);
