// Zabbix's default message templates for e-mail (Alerts → Media types → Email → Message templates):
//   Problem: <name>          "Problem started at … / Problem name: / Host: / Severity: / Original problem ID:"
//   Resolved in 1h 12m: <name>  (older versions: "Resolved: <name>")
//   Updated problem in 32m: <name>  ("<user> acknowledged problem at …")
// https://www.zabbix.com/documentation/current/en/manual/config/notifications/media/email
import type { Severity } from '../../tags.js';
import { field, hostName, single, type ToolPack, type ToolState } from '../pack.js';

const SUBJECT = /^(Problem|Resolved(?: in [^:]+)?|Updated problem(?: in [^:]+)?): (.+)$/;
const MARKER = /^(Problem started at|Problem has been resolved at|Original problem ID:|Current problem status is)/m;

// Zabbix's trigger severities (Administration → General → Trigger displaying options).
const SEVERITY: Record<string, Severity> = { 'not classified': 'info', information: 'info', warning: 'warn', average: 'warn', high: 'critical', disaster: 'critical' };

export const zabbix: ToolPack = {
  tool: 'zabbix',
  recognises: (m) => SUBJECT.test(m.subject.trim()) && MARKER.test(m.body.slice(0, 4096)),
  extract(m) {
    const match = SUBJECT.exec(m.subject.trim());
    if (!match) return null;
    const kind = match[1]!;
    const state: ToolState = kind.startsWith('Problem') ? 'problem' : kind.startsWith('Resolved') ? 'recovery' : /\backnowledged\b/i.test(m.body.slice(0, 4096)) ? 'acknowledgement' : 'information';
    const stated = SEVERITY[(field(m.body, 'Severity') ?? '').toLowerCase()] ?? null;
    return single('zabbix', { host: hostName(field(m.body, 'Host')), check: field(m.body, 'Problem name') ?? match[2]!.trim(), state, severity: state === 'problem' ? stated : 'info' });
  },
};
