// Nagios Core's stock notify-host-by-email / notify-service-by-email commands, with the tags
// an admin added as in docs/tags.md.
import { asctime } from '../mime.js';
import { bodyWithTags, withTags } from '../tagging.js';
import { TEAM_ADDRESS, bodyOf, preHtml, type Format } from './common.js';

export interface NagiosParams {
  type: 'host' | 'service';
  notification: 'PROBLEM' | 'RECOVERY' | 'ACKNOWLEDGEMENT';
  service?: string;
  state: string;
  output: string;
}

export const nagios: Format<NagiosParams> = {
  tool: 'nagios',
  address: () => 'nagios@mon1.example.test',
  odds: { alternative: 0.05, qp: 0.05 },
  // The host is named short (host.host): the pack reads a severity, no server.
  pack: (_host, p) => ({ severity: p.notification !== 'PROBLEM' ? 'info' : ({ CRITICAL: 'critical', DOWN: 'critical', UNREACHABLE: 'critical', WARNING: 'warn', UNKNOWN: 'warn' } as const)[p.state] ?? null, servers: [] }),
  render(ctx, p) {
    const { host } = ctx;
    const subject =
      p.type === 'host'
        ? `** ${p.notification} Host Alert: ${host.host} is ${p.state} **`
        : `** ${p.notification} Service Alert: ${host.host}/${p.service} is ${p.state} **`;
    const lines = ['***** Nagios *****', '', `Notification Type: ${p.notification}`, ''];
    if (p.type === 'service') lines.push(`Service: ${p.service}`);
    lines.push(`Host: ${host.host}`, `Address: ${host.address}`, `State: ${p.state}`, '', `Date/Time: ${asctime(ctx.at)} UTC`, '');
    lines.push(p.type === 'service' ? 'Additional Info:' : 'Info:', '', p.output, '');
    if (ctx.style.localized) lines.push('Benachrichtigung erzeugt von Nagios auf mon1 (Überwachung Rechenzentrum Süd)', '');
    const text = bodyWithTags(ctx.tags, lines.join('\n'));
    return {
      from: `"Nagios" <${this.address(host, p)}>`,
      to: TEAM_ADDRESS,
      subject: withTags(ctx.tags, subject),
      date: ctx.at,
      zone: -300,
      messageId: ctx.messageId,
      headers: [['X-Mailer', 'Nagios Core 4.4.14']],
      body: bodyOf(ctx.style, text, () => preHtml(subject, lines.join('\n'), ctx.tags)),
    };
  },
};
