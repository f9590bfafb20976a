import { bareos } from '../../../../src/classification/tool-packs/bareos/pack.js';
import { packTable } from './table.js';

const body = (client: string, host: string) => `23-Nov 02:00 bareos-dir JobId 4711: Start Backup JobId 4711\n23-Nov 02:00 bareos-dir JobId 4711:  Connected Client: ${client} at ${host}:9102, encryption: TLS\n`;

packTable(bareos, [
  { why: 'Backup OK is information; the client\'s host from the report', subject: 'Bareos: Backup OK of files1-fd Full', body: body('files1-fd', 'files1.example.test'), facts: { host: 'files1.example.test', check: 'Backup files1-fd Full', state: 'information', severity: 'info' } },
  { why: 'Backup Error is critical', subject: 'Bareos: Backup Error of db1-fd Incremental', body: body('db1-fd', 'db1.example.test'), facts: { host: 'db1.example.test', check: 'Backup db1-fd Incremental', state: 'problem', severity: 'critical' } },
  { why: 'OK with warnings is a warning; without the line the client names the host', subject: 'Bareos: Backup OK -- with warnings of db2-fd Full', facts: { host: 'db2', check: 'Backup db2-fd Full', state: 'problem', severity: 'warn' } },
  { why: 'Bacula writes the same', subject: 'Bacula: Backup Fatal Error of web1-fd Differential', facts: { host: 'web1', check: 'Backup web1-fd Differential', state: 'problem', severity: 'critical' } },
]);
