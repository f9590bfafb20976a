import { zabbix } from '../../../../src/classification/tool-packs/zabbix/pack.js';
import { packTable } from './table.js';

const problem = (severity: string) => `Problem started at 04:12:38 on 2026.11.23\nProblem name: /var: Disk space is low\nHost: db1.example.test\nSeverity: ${severity}\nOriginal problem ID: 480213\n`;

packTable(zabbix, [
  { why: 'Average is warn', subject: 'Problem: /var: Disk space is low', body: problem('Average'), facts: { host: 'db1.example.test', check: '/var: Disk space is low', state: 'problem', severity: 'warn' } },
  { why: 'High is critical', subject: 'Problem: /var: Disk space is low', body: problem('High'), facts: { host: 'db1.example.test', check: '/var: Disk space is low', state: 'problem', severity: 'critical' } },
  { why: 'Disaster is critical', subject: 'Problem: /var: Disk space is low', body: problem('Disaster'), facts: { host: 'db1.example.test', check: '/var: Disk space is low', state: 'problem', severity: 'critical' } },
  { why: 'Information is info', subject: 'Problem: /var: Disk space is low', body: problem('Information'), facts: { host: 'db1.example.test', check: '/var: Disk space is low', state: 'problem', severity: 'info' } },
  { why: 'a resolved problem is a recovery', subject: 'Resolved in 1h 12m 30s: /var: Disk space is low', body: 'Problem has been resolved at 05:25:08 on 2026.11.23\nProblem name: /var: Disk space is low\nHost: db1.example.test\nSeverity: Average\n', facts: { host: 'db1.example.test', check: '/var: Disk space is low', state: 'recovery', severity: 'info' } },
  { why: 'an update that acknowledges', subject: 'Updated problem in 32m 44s: Agent not reachable', body: 'Anna acknowledged problem at 2026.11.23 10:02:44.\n\nCurrent problem status is PROBLEM, age is 32m 44s, acknowledged: Yes.\n', facts: { host: null, check: 'Agent not reachable', state: 'acknowledgement', severity: 'info' } },
  { why: 'a "Problem:" subject without Zabbix\'s body is not Zabbix', subject: 'Problem: printer out of paper', body: 'please refill', facts: null },
]);
