import { cron } from '../../../../src/classification/tool-packs/cron/pack.js';
import { packTable } from './table.js';

packTable(cron, [
  { why: 'the host of the subject, qualified by the sender that is that host; the command is the check', subject: 'Cron <postgres@db2> /usr/local/bin/vacuum.sh olap', from: 'postgres@db2.example.test', facts: { host: 'db2.example.test', check: '/usr/local/bin/vacuum.sh olap', state: 'information', severity: null } },
  { why: 'a sender on another host leaves the short name', subject: 'Cron <root@web1> /usr/bin/rotate', from: 'cron@relay.example.test', facts: { host: 'web1', check: '/usr/bin/rotate', state: 'information', severity: null } },
  { why: 'a crontab comment after the command is not part of it', subject: 'Cron <root@db1> /usr/local/bin/pg-backup.sh # nightly', from: 'root@db1.example.test', facts: { host: 'db1.example.test', check: '/usr/local/bin/pg-backup.sh', state: 'information', severity: null } },
  { why: 'output that reports a failure is a problem', subject: 'Cron <root@web1> /usr/local/bin/sync-assets.sh', from: 'root@web1.example.test', body: 'rsync: [sender] change_dir "/mnt/shared/assets" failed: Stale file handle (116)\nrsync error: some files/attrs were not transferred (code 23)\n', facts: { host: 'web1.example.test', check: '/usr/local/bin/sync-assets.sh', state: 'problem', severity: null } },
  { why: 'a disk that is full is a problem', subject: 'Cron <root@ml1> /usr/local/bin/rotate-logs', from: 'root@ml1.example.test', body: 'gzip: /var/log/app/app.log.1.gz: No space left on device\n', facts: { host: 'ml1.example.test', check: '/usr/local/bin/rotate-logs', state: 'problem', severity: null } },
  { why: 'output that only tells what a job did, even with a warning, is information', subject: 'Cron <root@web2> rsync -a /srv/www/ /mnt/shared/www-mirror/', from: 'root@web2.example.test', body: 'file has vanished: "/srv/www/cache/1234.tmp"\nrsync warning: some files vanished before they could be transferred (code 24)\n', facts: { host: 'web2.example.test', check: 'rsync -a /srv/www/ /mnt/shared/www-mirror/', state: 'information', severity: null } },
  { why: 'a script\'s own subject is not cron\'s', subject: 'backup check ok on batch1.example.test', from: 'root@batch1.example.test', facts: null },
]);
