import { cron } from '../../../../src/classification/tool-packs/cron/pack.js';
import { packTable } from './table.js';

packTable(cron, [
  { why: 'the host of the subject, qualified by the sender that is that host; the command is the check', subject: 'Cron <postgres@db2> /usr/local/bin/vacuum.sh olap', from: 'postgres@db2.example.test', facts: { host: 'db2.example.test', check: '/usr/local/bin/vacuum.sh olap', state: 'information', severity: null } },
  { why: 'a sender on another host leaves the short name', subject: 'Cron <root@web1> /usr/bin/rotate', from: 'cron@relay.example.test', facts: { host: 'web1', check: '/usr/bin/rotate', state: 'information', severity: null } },
  { why: 'a crontab comment after the command is not part of it', subject: 'Cron <root@db1> /usr/local/bin/pg-backup.sh # nightly', from: 'root@db1.example.test', facts: { host: 'db1.example.test', check: '/usr/local/bin/pg-backup.sh', state: 'information', severity: null } },
  { why: 'a script\'s own subject is not cron\'s', subject: 'backup check ok on batch1.example.test', from: 'root@batch1.example.test', facts: null },
]);
