// Icinga 2's stock mail-host-notification.sh and mail-service-notification.sh scripts:
//   [PROBLEM] Host db2.example.test is DOWN!
//   [RECOVERY] load on app3.example.test is OK!
// with "Host:" and "Service:" lines in the body.
// https://icinga.com/docs/icinga-2/latest/doc/03-monitoring-basics/#notification-commands
import { field, hostName, single, type ToolPack } from '../pack.js';
import { monitoringState, notificationState } from '../nagios/states.js';

const HOST_SUBJECT = /^\[([A-Z]+)\] Host (\S+) is ([A-Z]+)!$/;
const SERVICE_SUBJECT = /^\[([A-Z]+)\] (.+) on (\S+) is ([A-Z]+)!$/;
const MARKER = /^\*{5} (Host|Service) Monitoring on /m;

export const icinga2: ToolPack = {
  tool: 'icinga2',
  recognises: (m) => (HOST_SUBJECT.test(m.subject.trim()) || SERVICE_SUBJECT.test(m.subject.trim())) && MARKER.test(m.body.slice(0, 4096)),
  extract(m) {
    const subject = m.subject.trim();
    const host = HOST_SUBJECT.exec(subject);
    if (host) {
      const state = notificationState(host[1]!);
      return single('icinga2', { host: hostName(field(m.body, 'Host') ?? host[2]), check: null, state, severity: monitoringState(state, host[3]!) });
    }
    const service = SERVICE_SUBJECT.exec(subject);
    if (!service) return null;
    const state = notificationState(service[1]!);
    return single('icinga2', { host: hostName(field(m.body, 'Host') ?? service[3]), check: field(m.body, 'Service') ?? service[2]!, state, severity: monitoringState(state, service[4]!) });
  },
};
