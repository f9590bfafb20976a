import { alertmanager } from '../../../../src/classification/tool-packs/alertmanager/pack.js';
import { packTable } from './table.js';

const labels = (instance: string, severity: string) => `Labels\nalertname = NodeFilesystemAlmostFull\ninstance = ${instance}\nseverity = ${severity}\nAnnotations\nsummary = less than 10% left on ${instance}\nSource\n`;

packTable(alertmanager, [
  {
    why: 'a [FIRING:2] mail is read as the group it is: each alert with its host',
    subject: '[FIRING:2] NodeFilesystemAlmostFull (node /var warning)',
    body: `2 alerts for alertname=NodeFilesystemAlmostFull\nView in AlertManager\n[2] Firing\n${labels('db1.example.test:9100', 'warning')}${labels('db2.example.test:9100', 'warning')}\nSent by AlertManager\n`,
    facts: {
      host: null, check: 'NodeFilesystemAlmostFull', state: 'problem', severity: 'warn',
      alerts: [
        { host: 'db1.example.test', check: 'NodeFilesystemAlmostFull', state: 'problem', severity: 'warn' },
        { host: 'db2.example.test', check: 'NodeFilesystemAlmostFull', state: 'problem', severity: 'warn' },
      ],
    },
  },
  {
    why: 'the group takes its highest severity; firing and resolved alerts keep their own state',
    subject: '[FIRING:1] NodeFilesystemAlmostFull (node)',
    body: `2 alerts for alertname=NodeFilesystemAlmostFull\n[1] Firing\n${labels('db1.example.test:9100', 'critical')}[1] Resolved\n${labels('db2.example.test:9100', 'warning')}`,
    facts: {
      host: null, check: 'NodeFilesystemAlmostFull', state: 'problem', severity: 'critical',
      alerts: [
        { host: 'db1.example.test', check: 'NodeFilesystemAlmostFull', state: 'problem', severity: 'critical' },
        { host: 'db2.example.test', check: 'NodeFilesystemAlmostFull', state: 'recovery', severity: 'info' },
      ],
    },
  },
  {
    why: 'one alert, in the plain-text template\'s "- name = value" lines',
    subject: '[FIRING:1] PostgresDown (postgres critical)',
    body: '1 alert for alertname=PostgresDown\n\n[FIRING] PostgresDown\nLabels:\n - alertname = PostgresDown\n - instance = db1.example.test:9187\n - severity = critical\n',
    facts: { host: 'db1.example.test', check: 'PostgresDown', state: 'problem', severity: 'critical' },
  },
  {
    why: 'a resolved group is a recovery',
    subject: '[RESOLVED] PostgresDown (postgres critical)',
    body: '1 alert for alertname=PostgresDown\n[1] Resolved\nalertname = PostgresDown\ninstance = 10.0.2.28:9187\nseverity = critical\n',
    facts: { host: '10.0.2.28', check: 'PostgresDown', state: 'recovery', severity: 'info' },
  },
  { why: 'Grafana\'s mail is Grafana\'s, though its subject looks alike', subject: '[FIRING:1] HighDiskUsage Infrastructure', body: 'You have 1 firing alert(s)\n1 alert for x\nSent by Grafana v11', facts: null },
]);
