// Zabbix 6 media type "Email" with the default problem / recovery message templates; German
// installations send the translated templates.
import { bodyWithTags, withTags } from '../tagging.js';
import { TEAM_ADDRESS, bodyOf, clock, escapeHtml, htmlTags, type Format } from './common.js';

export interface ZabbixParams {
  status: 'problem' | 'resolved';
  problem: string;
  severity: 'Information' | 'Warning' | 'Average' | 'High' | 'Disaster';
  opdata: string;
  eventId: number;
  /** minutes the problem lasted, for recoveries */
  lasted?: number;
}

const dotted = (ms: number): string => new Date(ms).toISOString().slice(0, 10).replace(/-/g, '.');

export const zabbix: Format<ZabbixParams> = {
  tool: 'zabbix',
  address: () => 'zabbix@zbx1.example.test',
  odds: { alternative: 0.4, only: 0.1, qp: 0.4, base64: 0.1, localized: 0.25 },
  // The pack reads Zabbix's default (English) templates; the German ones are a team's own.
  pack: (host, p, style) => (style.localized ? null : { severity: p.status === 'resolved' ? 'info' : ({ Information: 'info', Warning: 'warn', Average: 'warn', High: 'critical', Disaster: 'critical' } as const)[p.severity], servers: [host.fqdn] }),
  render(ctx, p) {
    const de = ctx.style.localized;
    const lasted = p.lasted ?? 0;
    const duration = `${Math.floor(lasted / 60)}h ${lasted % 60}m`;
    const subject =
      p.status === 'problem'
        ? `${de ? 'Problem' : 'Problem'}: ${p.problem}`
        : `${de ? 'Behoben nach' : 'Resolved in'} ${duration}: ${p.problem}`;
    const lines =
      p.status === 'problem'
        ? [de ? `Problem begann um ${clock(ctx.at)} am ${dotted(ctx.at)}` : `Problem started at ${clock(ctx.at)} on ${dotted(ctx.at)}`, `${de ? 'Problemname' : 'Problem name'}: ${p.problem}`]
        : [de ? `Problem wurde um ${clock(ctx.at)} am ${dotted(ctx.at)} behoben` : `Problem has been resolved at ${clock(ctx.at)} on ${dotted(ctx.at)}`, `${de ? 'Problemname' : 'Problem name'}: ${p.problem}`, `${de ? 'Dauer' : 'Problem duration'}: ${duration}`];
    lines.push(`Host: ${ctx.host.fqdn}`, `${de ? 'Schweregrad' : 'Severity'}: ${de ? { Information: 'Information', Warning: 'Warnung', Average: 'Durchschnitt', High: 'Hoch', Disaster: 'Katastrophe' }[p.severity] : p.severity}`);
    lines.push(`${de ? 'Betriebsdaten' : 'Operational data'}: ${p.opdata}`, `${de ? 'Ursprüngliche Problem-ID' : 'Original problem ID'}: ${p.eventId}`, '');
    const text = bodyWithTags(ctx.tags, lines.join('\n'));
    const color = p.status === 'resolved' ? '#59db8f' : p.severity === 'Warning' || p.severity === 'Information' ? '#ffc859' : '#e97659';
    const html = () =>
      `<html><head><style>td{padding:2px 8px}</style></head><body>\n<table style="border-left:4px solid ${color}">\n${lines
        .filter(Boolean)
        .map((l) => `<tr><td>${escapeHtml(l)}</td></tr>`)
        .join('\n')}\n</table>\n${htmlTags(ctx.tags)}</body></html>\n`;
    return {
      from: `Zabbix <${this.address(ctx.host, p)}>`,
      to: TEAM_ADDRESS,
      subject: withTags(ctx.tags, subject),
      date: ctx.at,
      zone: 60,
      messageId: ctx.messageId,
      body: bodyOf(ctx.style, text, html),
    };
  },
};
