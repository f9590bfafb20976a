// Nagios Core's stock notify-host-by-email and notify-service-by-email commands (commands.cfg):
//   ** PROBLEM Service Alert: db1/Disk /var is CRITICAL **
//   ** RECOVERY Host Alert: web2 is UP **
// with "Notification Type:", "Service:", "Host:" and "State:" lines in the body.
// https://assets.nagios.com/downloads/nagioscore/docs/nagioscore/4/en/macrolist.html
import { hostName, single, type ToolPack } from '../pack.js';
import { monitoringState, notificationState } from './states.js';

const SUBJECT = /^\*\* ([A-Z]+) (Host|Service) Alert: (.+) is ([A-Z]+) \*\*$/;

export const nagios: ToolPack = {
  tool: 'nagios',
  recognises: (m) => SUBJECT.test(m.subject.trim()),
  extract(m) {
    const match = SUBJECT.exec(m.subject.trim());
    if (!match) return null;
    const [, type, kind, what, stateWord] = match as unknown as [string, string, string, string, string];
    // "host/service": the host name has no slash, the service may have several.
    const slash = what.indexOf('/');
    const host = kind === 'Service' && slash > 0 ? what.slice(0, slash) : what;
    const check = kind === 'Service' && slash > 0 ? what.slice(slash + 1) : null;
    const state = notificationState(type);
    return single('nagios', { host: hostName(host), check, state, severity: monitoringState(state, stateWord) });
  },
};
