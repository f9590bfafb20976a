// fail2ban's sendmail actions (action.d/sendmail-whois.conf and siblings):
//   [Fail2Ban] sshd: banned 203.0.113.7 from bastion.example.test
//   [Fail2Ban] sshd: started on bastion.example.test   ("stopped on …")
// A ban is news, not a fault of the host.
// https://github.com/fail2ban/fail2ban/blob/master/config/action.d/sendmail-common.conf
import { hostName, single, type ToolPack } from '../pack.js';

const SUBJECT = /^\[Fail2Ban\] ([^:]+): (banned \S+ from|started on|stopped on) (\S+)$/;

export const fail2ban: ToolPack = {
  tool: 'fail2ban',
  recognises: (m) => SUBJECT.test(m.subject.trim()),
  extract(m) {
    const match = SUBJECT.exec(m.subject.trim());
    if (!match) return null;
    return single('fail2ban', { host: hostName(match[3]), check: match[1]!.trim(), state: 'information', severity: 'info' });
  },
};
