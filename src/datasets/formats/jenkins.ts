// Jenkins build mail: the Mailer plugin's plain "Build failed in Jenkins: job #n" and the
// email-ext plugin's HTML report.
import { bodyWithTags, withTags } from '../tagging.js';
import { TEAM_ADDRESS, bodyOf, escapeHtml, htmlTags, type Format } from './common.js';

export interface JenkinsParams {
  job: string;
  build: number;
  result: 'failure' | 'fixed' | 'unstable' | 'success';
  author: string;
  change: string;
}

const SUBJECT: Record<JenkinsParams['result'], (job: string, n: number) => string> = {
  failure: (job, n) => `Build failed in Jenkins: ${job} #${n}`,
  fixed: (job, n) => `Jenkins build is back to normal : ${job} #${n}`,
  unstable: (job, n) => `Jenkins build is unstable: ${job} #${n}`,
  success: (job, n) => `Jenkins build succeeded: ${job} #${n}`,
};

export const jenkins: Format<JenkinsParams> = {
  tool: 'jenkins',
  address: () => 'jenkins@ci1.example.test',
  odds: { only: 0.4, alternative: 0.1, base64: 0.2, qp: 0.2 },
  // The Mailer plugin mails no success ("Jenkins build succeeded" is a team's own subject).
  pack: (_host, p) => (p.result === 'success' ? null : { severity: ({ failure: 'critical', fixed: 'info', unstable: 'warn' } as const)[p.result], servers: [] }),
  render(ctx, p) {
    const subject = SUBJECT[p.result](p.job, p.build);
    const url = `https://ci1.example.test/job/${p.job}/${p.build}/`;
    const lines = [`See <${url}display/redirect>`, '', 'Changes:', '', `[${p.author}] ${p.change}`, '', '------------------------------------------'];
    if (p.result === 'failure' || p.result === 'unstable') {
      lines.push(`[...truncated ${ctx.rng.int(1, 90)}.${ctx.rng.int(0, 9)} KB...]`, `npm ERR! code ELIFECYCLE`, `npm ERR! datamer@0.1.0 test: \`node scripts/test.mjs\``, `npm ERR! Exit status 1`, 'Build step \'Execute shell\' marked build as failure');
    } else {
      lines.push('Started by timer', `Building on the built-in node in workspace /var/lib/jenkins/workspace/${p.job}`, 'Finished: SUCCESS');
    }
    lines.push('');
    const text = bodyWithTags(ctx.tags, lines.join('\n'));
    const html = () =>
      `<html><head><style type="text/css">body{font-family:Verdana,Helvetica,sans-serif;font-size:11px} .console{font-family:Courier New}</style></head>\n<body>\n<table><tr><td align="right"><img src="${url}../static/e59dfe28/images/32x32/${p.result === 'failure' ? 'red' : 'blue'}.gif" alt="${p.result.toUpperCase()}"></td>\n<td valign="center"><b style="font-size:200%">BUILD ${p.result.toUpperCase()}</b></td></tr>\n<tr><td>Build</td><td><a href="${url}">${escapeHtml(p.job)} #${p.build}</a></td></tr>\n<tr><td>Project:</td><td>${escapeHtml(p.job)}</td></tr>\n<tr><td>Changes:</td><td>${escapeHtml(p.author)}: ${escapeHtml(p.change)}</td></tr></table>\n<h3>CONSOLE OUTPUT</h3>\n<pre class="console">${escapeHtml(lines.slice(6).join('\n'))}</pre>\n${htmlTags(ctx.tags)}</body></html>\n`;
    return {
      from: `Jenkins <${this.address(ctx.host, p)}>`,
      to: TEAM_ADDRESS,
      subject: withTags(ctx.tags, subject),
      date: ctx.at,
      messageId: ctx.messageId,
      headers: [['X-Jenkins-Job', p.job], ['X-Jenkins-Result', p.result.toUpperCase()]],
      body: bodyOf(ctx.style, text, html),
    };
  },
};
