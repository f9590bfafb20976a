// Mail from cron: a job's output, mailed to MAILTO by the cron daemon (cronie, Debian's cron,
// Vixie cron all write the subject "Cron <user@host> command"). It states the host and the job,
// not whether the job failed: cron mails whatever a job prints.
// https://man7.org/linux/man-pages/man5/crontab.5.html (MAILTO)
import { hostName, qualified, single, type ToolPack } from '../pack.js';

const SUBJECT = /^Cron <([^@>\s]+)@([^>\s]+)> (.+)$/;

export const cron: ToolPack = {
  tool: 'cron',
  recognises: (m) => SUBJECT.test(m.subject.trim()),
  extract(m) {
    const match = SUBJECT.exec(m.subject.trim());
    if (!match) return null;
    // The command, without the comment a crontab line may end with.
    const check = match[3]!.replace(/\s+#.*$/, '').trim();
    return single('cron', { host: qualified(hostName(match[2]), m.from), check: check === '' ? null : check, state: 'information', severity: null });
  },
};
