// Monit's default alert mail ("monit alert --  <event> <service>").
import { rfc5322Date } from '../mime.js';
import { bodyWithTags, withTags } from '../tagging.js';
import { TEAM_ADDRESS, bodyOf, preHtml, type Format } from './common.js';

export interface MonitParams {
  event: string;
  service: string;
  action: 'alert' | 'restart' | 'start';
  description: string;
}

export const monit: Format<MonitParams> = {
  tool: 'monit',
  address: (host) => `monit@${host.fqdn}`,
  odds: { qp: 0.1, localized: 0.1 },
  // Monit states no severity: a problem stays without one, the "succeeded" events are recoveries.
  pack: (host, p) => ({ severity: /^exists$|succeeded$/i.test(p.event) ? 'info' : null, servers: [host.fqdn] }),
  render(ctx, p) {
    const subject = `monit alert --  ${p.event} ${p.service}`;
    const lines = [
      `${p.event} Service ${p.service} `, '',
      `\tDate:        ${rfc5322Date(ctx.at).slice(0, 25)}`,
      `\tAction:      ${p.action}`,
      `\tHost:        ${ctx.host.fqdn}`,
      `\tDescription: ${p.description}`, '',
      ctx.style.localized ? 'Ihr treuer Mitarbeiter,' : 'Your faithful employee,', 'Monit', '',
    ];
    const text = bodyWithTags(ctx.tags, lines.join('\n'));
    return {
      from: this.address(ctx.host, p),
      to: TEAM_ADDRESS,
      subject: withTags(ctx.tags, subject),
      date: ctx.at,
      zone: 60,
      messageId: ctx.messageId,
      headers: [['X-Mailer', 'Monit 5.33.0']],
      body: bodyOf(ctx.style, text, () => preHtml(subject, lines.join('\n'), ctx.tags)),
    };
  },
};
