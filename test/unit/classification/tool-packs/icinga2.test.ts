import { icinga2 } from '../../../../src/classification/tool-packs/icinga2/pack.js';
import { packTable } from './table.js';

const service = (host: string, service: string) => `***** Service Monitoring on mon2 *****\n\n${service} on ${host} is CRITICAL!\n\nService: ${service}\nHost:    ${host}\n`;

packTable(icinga2, [
  { why: 'a service problem: host and service from the body', subject: '[PROBLEM] load on app3.example.test is CRITICAL!', body: service('app3.example.test', 'load'), facts: { host: 'app3.example.test', check: 'load', state: 'problem', severity: 'critical' } },
  { why: 'a host problem', subject: '[PROBLEM] Host db2.example.test is DOWN!', body: '***** Host Monitoring on mon2 *****\n\nHost:    db2.example.test\n', facts: { host: 'db2.example.test', check: null, state: 'problem', severity: 'critical' } },
  { why: 'a host recovery is information', subject: '[RECOVERY] Host web2.example.test is UP!', body: '***** Host Monitoring on mon2 *****\n', facts: { host: 'web2.example.test', check: null, state: 'recovery', severity: 'info' } },
  { why: 'an acknowledgement', subject: '[ACKNOWLEDGEMENT] temperature on ups1.example.test is WARNING!', body: service('ups1.example.test', 'temperature'), facts: { host: 'ups1.example.test', check: 'temperature', state: 'acknowledgement', severity: 'info' } },
  { why: 'without Icinga\'s body it is not taken for Icinga', subject: '[PROBLEM] load on app3.example.test is CRITICAL!', body: 'load is high', facts: null },
]);
