import { nagios } from '../../../../src/classification/tool-packs/nagios/pack.js';
import { packTable } from './table.js';

packTable(nagios, [
  { why: 'a service problem: host and service from the subject, CRITICAL is critical', subject: '** PROBLEM Service Alert: db1/Disk /var is CRITICAL **', facts: { host: 'db1', check: 'Disk /var', state: 'problem', severity: 'critical' } },
  { why: 'a WARNING is warn, and a service name may hold slashes', subject: '** PROBLEM Service Alert: web3.example.test/HTTP /api/health is WARNING **', facts: { host: 'web3.example.test', check: 'HTTP /api/health', state: 'problem', severity: 'warn' } },
  { why: 'a host DOWN is critical, with no check', subject: '** PROBLEM Host Alert: web2 is DOWN **', facts: { host: 'web2', check: null, state: 'problem', severity: 'critical' } },
  { why: 'a recovery is information', subject: '** RECOVERY Service Alert: db1/Disk /var is OK **', facts: { host: 'db1', check: 'Disk /var', state: 'recovery', severity: 'info' } },
  { why: 'an acknowledgement of a DOWN host is not itself critical', subject: '** ACKNOWLEDGEMENT Host Alert: web2 is DOWN **', facts: { host: 'web2', check: null, state: 'acknowledgement', severity: 'info' } },
  { why: 'flapping and downtime are news about the check', subject: '** FLAPPINGSTART Service Alert: db1/Load is WARNING **', facts: { host: 'db1', check: 'Load', state: 'information', severity: 'info' } },
  { why: 'the tags a team added to the subject are read around', subject: ':org:datamer.data: ** PROBLEM Service Alert: db1/Load is UNKNOWN ** :svr:db1.example.test', facts: { host: 'db1', check: 'Load', state: 'problem', severity: 'warn' } },
  { why: 'another tool\'s subject is not Nagios', subject: 'PROBLEM Service Alert: db1/Disk is CRITICAL', facts: null },
]);
