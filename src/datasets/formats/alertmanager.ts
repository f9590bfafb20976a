// Prometheus Alertmanager's email receiver: the default HTML template (with a plain-text
// alternative when the receiver sets `text:`), subject "[FIRING:n] alertname (labels)".
import { bodyWithTags, withTags } from '../tagging.js';
import { TEAM_ADDRESS, bodyOf, escapeHtml, htmlTags, type Format } from './common.js';

export interface AlertmanagerParams {
  status: 'firing' | 'resolved';
  alertname: string;
  severity: 'info' | 'warning' | 'critical';
  summary: string;
  /** instance label values (host:port) */
  instances: string[];
  job: string;
}

export const alertmanager: Format<AlertmanagerParams> = {
  tool: 'alertmanager',
  address: () => 'alertmanager@prom1.example.test',
  odds: { alternative: 0.5, only: 0.5, base64: 0.3, qp: 0.4 },
  pack: (_host, p) => ({
    severity: p.status === 'resolved' ? 'info' : ({ info: 'info', warning: 'warn', critical: 'critical' } as const)[p.severity],
    servers: [...new Set(p.instances.map((i) => i.replace(/:\d+$/, '').toLowerCase()).filter((h) => /[a-z]/.test(h.slice(h.lastIndexOf('.') + 1))))],
  }),
  render(ctx, p) {
    const n = p.instances.length;
    const subject = `[${p.status.toUpperCase()}:${n}] ${p.alertname} (${p.job} ${p.severity})`;
    const lines = [`${n} alert${n > 1 ? 's' : ''} for alertname=${p.alertname}`, '', `[${p.status === 'firing' ? 'FIRING' : 'RESOLVED'}] ${p.alertname}`];
    for (const instance of p.instances) {
      lines.push('Labels:', ` - alertname = ${p.alertname}`, ` - instance = ${instance}`, ` - job = ${p.job}`, ` - severity = ${p.severity}`, 'Annotations:', ` - summary = ${p.summary.replace('{instance}', instance)}`, `Source: http://prom1.example.test:9090/graph?g0.expr=up%7Bjob%3D%22${p.job}%22%7D`, '');
    }
    const text = bodyWithTags(ctx.tags, lines.join('\n'));
    const html = () => {
      const rows = p.instances
        .map((i) => `<tr><td class="content-block"><strong>Labels</strong><br>alertname = ${escapeHtml(p.alertname)}<br>instance = ${escapeHtml(i)}<br>severity = ${p.severity}<br><strong>Annotations</strong><br>summary = ${escapeHtml(p.summary.replace('{instance}', i))}<br><a href="http://prom1.example.test:9090/graph">Source</a></td></tr>`)
        .join('\n');
      return `<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><meta name="viewport" content="width=device-width"><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><title>${escapeHtml(subject)}</title>\n<style>body{-webkit-font-smoothing:antialiased} .alert.alert-warning{background-color:#E6522C}</style></head>\n<body itemscope itemtype="http://schema.org/EmailMessage">\n<table class="body-wrap"><tr><td class="alert alert-${p.status === 'firing' ? 'warning' : 'good'}">${n} alert${n > 1 ? 's' : ''} for alertname=${escapeHtml(p.alertname)}</td></tr>\n<tr><td><a href="http://prom1.example.test:9093" class="btn-primary">View in Alertmanager</a></td></tr>\n<tr><td><strong>[${p.status === 'firing' ? `${n}] Firing` : `${n}] Resolved`}</strong></td></tr>\n${rows}\n</table>\n${htmlTags(ctx.tags)}<p>Sent by <a href="http://prom1.example.test:9093">Alertmanager</a></p></body></html>\n`;
    };
    return {
      from: `Alertmanager <${this.address(ctx.host, p)}>`,
      to: TEAM_ADDRESS,
      subject: withTags(ctx.tags, subject),
      date: ctx.at,
      messageId: ctx.messageId,
      headers: [['Auto-Submitted', 'auto-generated']],
      body: bodyOf(ctx.style, text, html),
    };
  },
};
