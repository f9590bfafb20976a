// Mail from cron: a job's output, mailed to MAILTO by the cron daemon (cronie, Debian's cron,
// Vixie cron all write the subject "Cron <user@host> command"). It states the host and the job,
// not whether the job failed: cron mails whatever a job prints. Output that reports an error in
// the words programs use for one ("error:", "failed", "No space left on device", "unreachable")
// is a problem; anything else is information (docs/tool-packs.md).
// https://man7.org/linux/man-pages/man5/crontab.5.html (MAILTO)
import { PACK_SCAN, hostName, qualified, single, type ToolPack } from '../pack.js';

const SUBJECT = /^Cron <([^@>\s]+)@([^>\s]+)> (.+)$/;
// The words of a failure, as programs print them (rsync, gzip, vacuumdb, ssh, coreutils); linear.
const FAILURE = /\b(?:error|errors|failed|failure|fatal|unreachable|cannot|timed out|no space left on device|permission denied)\b/i;

/** Does the job's output report a failure? Read line by line, as every pack reads. */
export const reportsFailure = (body: string): boolean => body.slice(0, PACK_SCAN).split('\n').some((line) => FAILURE.test(line));

export const cron: ToolPack = {
  tool: 'cron',
  recognises: (m) => SUBJECT.test(m.subject.trim()),
  extract(m) {
    const match = SUBJECT.exec(m.subject.trim());
    if (!match) return null;
    // The command, without the comment a crontab line may end with.
    const check = match[3]!.replace(/\s+#.*$/, '').trim();
    return single('cron', { host: qualified(hostName(match[2]), m.from), check: check === '' ? null : check, state: reportsFailure(m.body) ? 'problem' : 'information', severity: null });
  },
};
