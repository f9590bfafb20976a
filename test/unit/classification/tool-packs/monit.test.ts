import { monit } from '../../../../src/classification/tool-packs/monit/pack.js';
import { packTable } from './table.js';

const body = (host: string) => `Resource limit matched Service nginx\n\n\tDate:        Mon, 23 Nov 2026 03:12:39\n\tAction:      alert\n\tHost:        ${host}\n\tDescription: cpu usage\n`;

packTable(monit, [
  { why: 'a problem states no severity; host from the Host line', subject: 'monit alert --  Resource limit matched nginx', body: body('web1.example.test'), facts: { host: 'web1.example.test', check: 'Resource limit matched nginx', state: 'problem', severity: null } },
  { why: 'a short Host is qualified by the sender that is that host', subject: 'monit alert -- Does not exist php-fpm', body: body('web2'), from: 'monit@web2.example.test', facts: { host: 'web2.example.test', check: 'Does not exist php-fpm', state: 'problem', severity: null } },
  { why: 'Exists is a recovery', subject: 'monit alert -- Exists php-fpm', body: body('web3.example.test'), facts: { host: 'web3.example.test', check: 'Exists php-fpm', state: 'recovery', severity: 'info' } },
  { why: 'a "succeeded" event is a recovery', subject: 'monit alert -- Connection succeeded api', body: body('api1.example.test'), facts: { host: 'api1.example.test', check: 'Connection succeeded api', state: 'recovery', severity: 'info' } },
  { why: 'Action done is news', subject: 'monit alert -- Action done nginx', body: body('web1.example.test'), facts: { host: 'web1.example.test', check: 'Action done nginx', state: 'information', severity: 'info' } },
]);
