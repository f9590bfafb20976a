// Vixie/cronie mail: the job's output, mailed by the cron daemon as root, subject
// "Cron <user@host> command", with the X-Cron-Env headers. Scripts that mail their own
// report (`| mail -s …`) come through here too, with their own subject.
import { bodyWithTags, withTags } from '../tagging.js';
import { TEAM_ADDRESS, bodyOf, preHtml, type Format } from './common.js';

export interface CronParams {
  command: string;
  output: string;
  /** a script's own subject (mail -s) instead of cron's */
  subject?: string;
  /** sent by `mail` from the job itself rather than by the cron daemon */
  sender?: string;
}

export const cron: Format<CronParams> = {
  tool: 'cron',
  address: (host, p) => p.sender ?? `root@${host.fqdn}`,
  odds: { localized: 0.1, qp: 0.05 },
  // Only the cron daemon's own subject is cron's; a script's `mail -s` subject is the script's.
  pack: (host, p) => (p.subject ? null : { severity: null, servers: [host.fqdn] }),
  render(ctx, p) {
    const subject = p.subject ?? `Cron <root@${ctx.host.host}> ${p.command}`;
    let output = p.output;
    if (ctx.style.localized) output += '\nsynchronisation terminée avec des avertissements (vérifier les journaux)\n';
    const text = bodyWithTags(ctx.tags, output);
    const headers: Array<[string, string]> = p.subject
      ? [['User-Agent', 's-nail v14.9.24']]
      : [['X-Cron-Env', '<SHELL=/bin/sh>'], ['X-Cron-Env', '<HOME=/root>'], ['X-Cron-Env', '<PATH=/usr/bin:/bin>'], ['X-Cron-Env', '<LOGNAME=root>']];
    return {
      from: p.sender ? p.sender : `"(Cron Daemon)" <root@${ctx.host.fqdn}>`,
      to: TEAM_ADDRESS,
      subject: withTags(ctx.tags, subject),
      date: ctx.at,
      messageId: ctx.messageId,
      headers,
      body: bodyOf(ctx.style, text, () => preHtml(subject, output, ctx.tags)),
    };
  },
};
