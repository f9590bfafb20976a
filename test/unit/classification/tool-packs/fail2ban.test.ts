import { fail2ban } from '../../../../src/classification/tool-packs/fail2ban/pack.js';
import { packTable } from './table.js';

packTable(fail2ban, [
  { why: 'a ban is news about the host; the jail is the check', subject: '[Fail2Ban] sshd: banned 203.0.113.7 from bastion.example.test', facts: { host: 'bastion.example.test', check: 'sshd', state: 'information', severity: 'info' } },
  { why: 'a jail that started', subject: '[Fail2Ban] nginx-http-auth: started on web1.example.test', facts: { host: 'web1.example.test', check: 'nginx-http-auth', state: 'information', severity: 'info' } },
]);
