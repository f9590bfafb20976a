import { netdata } from '../../../../src/classification/tool-packs/netdata/pack.js';
import { packTable } from './table.js';

const body = 'web1 is critical\n\nChart   : disk_space._\nFamily  : /\nSeverity: CRITICAL\n';

packTable(netdata, [
  { why: 'critical, on the host the sender qualifies', subject: 'web1 is critical - disk space usage - disk_space._', body, from: 'netdata@web1.example.test', facts: { host: 'web1.example.test', check: 'disk space usage disk_space._', state: 'problem', severity: 'critical' } },
  { why: 'needs attention is a warning', subject: 'db1 needs attention - ram usage - system.ram', body, from: 'netdata@mon.example.test', facts: { host: 'db1', check: 'ram usage system.ram', state: 'problem', severity: 'warn' } },
  { why: 'recovered is a recovery', subject: 'db1 recovered - disk space usage - disk_space._var', body, from: 'netdata@db1.example.test', facts: { host: 'db1.example.test', check: 'disk space usage disk_space._var', state: 'recovery', severity: 'info' } },
  { why: 'without Netdata\'s body it is not Netdata', subject: 'web1 is critical - disk space usage - disk_space._', body: 'help', facts: null },
]);
