// Bareos director job report ("Bareos: Backup OK of client-fd Full"), as its Messages
// resource mails it from the backup server.
import { bodyWithTags, withTags } from '../tagging.js';
import { TEAM_ADDRESS, bodyOf, preHtml, type Format } from './common.js';

export interface BareosParams {
  client: string;
  level: 'Full' | 'Incremental' | 'Differential';
  ok: boolean;
  jobId: number;
  fileset: string;
  /** GB written */
  size: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const stamp = (ms: number): string => {
  const d = new Date(ms);
  return `${String(d.getUTCDate()).padStart(2, '0')}-${MONTHS[d.getUTCMonth()]} ${d.toISOString().slice(11, 16)}`;
};

export const bareos: Format<BareosParams> = {
  tool: 'bareos',
  address: () => 'bareos@backup1.example.test',
  odds: { qp: 0.1 },
  // The report names the client ("db1-fd"), not its host: no server.
  pack: (_host, p) => ({ severity: p.ok ? 'info' : 'critical', servers: [] }),
  render(ctx, p) {
    const result = p.ok ? 'Backup OK' : 'Backup Error';
    const subject = `Bareos: ${result} of ${p.client} ${p.level}`;
    const began = ctx.at - ctx.rng.int(5, 90) * 60_000;
    const jobName = `${p.client.replace(/-fd$/, '')}-${p.fileset.toLowerCase()}.${new Date(began).toISOString().slice(0, 19).replace('T', '_').replace(/:/g, '.')}_${p.jobId % 100}`;
    const lines = [
      `${stamp(began)} backup1-dir JobId ${p.jobId}: Start Backup JobId ${p.jobId}, Job=${jobName}`,
      `${stamp(began)} backup1-dir JobId ${p.jobId}: Using Device "FileStorage" to write.`,
      p.ok ? '' : `${stamp(ctx.at)} ${p.client} JobId ${p.jobId}: Fatal error: Network error with FD during Backup: ERR=Connection reset by peer`,
      `${stamp(ctx.at)} backup1-dir JobId ${p.jobId}: Bareos backup1-dir 23.0.3 (28Mar24):`,
      `  JobId:                  ${p.jobId}`,
      `  Job:                    ${jobName}`,
      `  Backup Level:           ${p.level}`,
      `  Client:                 "${p.client}" 23.0.3 (28Mar24) Debian GNU/Linux 12 (bookworm),debian`,
      `  FileSet:                "${p.fileset}"`,
      `  Pool:                   "${p.level}" (From Job resource)`,
      `  Storage:                "File" (From Job resource)`,
      `  Elapsed time:           ${Math.round((ctx.at - began) / 60_000)} mins`,
      `  SD Bytes Written:       ${p.ok ? (p.size * 1.073741824).toFixed(3) : '0'} GB`,
      `  Non-fatal FD errors:    0`,
      `  FD termination status:  ${p.ok ? 'OK' : 'Error'}`,
      `  SD termination status:  ${p.ok ? 'OK' : 'Canceled'}`,
      `  Bareos binary info:     Bareos community build (UNSUPPORTED): Get professional support from https://www.bareos.com`,
      `  Job triggered by:       Scheduler`,
      `  Termination:            ${p.ok ? 'Backup OK' : '*** Backup Error ***'}`,
      '',
    ].filter((l, i) => l !== '' || i > 2);
    const text = bodyWithTags(ctx.tags, lines.join('\n'));
    return {
      from: `"Bareos" <${this.address(ctx.host, p)}>`,
      to: TEAM_ADDRESS,
      subject: withTags(ctx.tags, subject),
      date: ctx.at,
      messageId: ctx.messageId,
      body: bodyOf(ctx.style, text, () => preHtml(subject, lines.join('\n'), ctx.tags)),
    };
  },
};
