// Netdata's alarm-notify.sh e-mail: "web1 is critical - disk space usage - disk_space._",
// "db1 recovered - …", "web1 needs attention - …" (warning), with "Chart :" and "Severity:" lines.
// https://learn.netdata.cloud/docs/alerts-&-notifications/notifications/agent-dispatched-notifications/email
import type { Severity } from '../../tags.js';
import { field, hostName, qualified, single, type ToolPack, type ToolState } from '../pack.js';

const SUBJECT = /^(\S+) (is critical|needs attention|recovered|is warning|is clear|is undefined|is removed) - (.+?)(?: - (\S+))?$/;

const STATUS: Record<string, { state: ToolState; severity: Severity }> = {
  'is critical': { state: 'problem', severity: 'critical' },
  'needs attention': { state: 'problem', severity: 'warn' },
  'is warning': { state: 'problem', severity: 'warn' },
  recovered: { state: 'recovery', severity: 'info' },
  'is clear': { state: 'recovery', severity: 'info' },
};

export const netdata: ToolPack = {
  tool: 'netdata',
  recognises: (m) => SUBJECT.test(m.subject.trim()) && /^Chart\s*:/m.test(m.body.slice(0, 8192)),
  extract(m) {
    const match = SUBJECT.exec(m.subject.trim());
    if (!match) return null;
    const said = STATUS[match[2]!] ?? { state: 'information' as const, severity: 'info' as const };
    const check = `${match[3]!}${match[4] ? ` ${match[4]}` : field(m.body, 'Chart') ? ` ${field(m.body, 'Chart')}` : ''}`;
    return single('netdata', { host: qualified(hostName(match[1]), m.from), check, ...said });
  },
};
