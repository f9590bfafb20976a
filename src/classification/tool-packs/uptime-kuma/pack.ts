// Uptime Kuma's SMTP notification, default subject "[{{NAME}}] [{{STATUS}}] {{msg}}", where the
// status is "🔴 Down" or "✅ Up" (server/notification-providers/smtp.js). A monitor watches a URL or
// a host, which the mail does not name apart from the monitor's name: that is its check.
// https://github.com/louislam/uptime-kuma/wiki/Notification-Methods
import { single, type ToolPack } from '../pack.js';

const SUBJECT = /^\[([^\]]+)\] \[(?:🔴|✅)?\s*(Down|Up|Pending|Maintenance)\]/u;

export const uptimeKuma: ToolPack = {
  tool: 'uptime-kuma',
  recognises: (m) => SUBJECT.test(m.subject.trim()),
  extract(m) {
    const match = SUBJECT.exec(m.subject.trim());
    if (!match) return null;
    const status = match[2]!;
    const check = match[1]!.trim();
    if (status === 'Down') return single('uptime-kuma', { host: null, check, state: 'problem', severity: 'critical' });
    if (status === 'Up') return single('uptime-kuma', { host: null, check, state: 'recovery', severity: 'info' });
    return single('uptime-kuma', { host: null, check, state: 'information', severity: 'info' });
  },
};
