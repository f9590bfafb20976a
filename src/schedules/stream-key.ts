// What makes a stream (docs/schedules.md): tenant, org, the set of servers, the sender and the period.
// Severity and wording are not part of it, so a job's success and failure mails count together.
import type { Period } from '../classification/tags.js';

/** `org=datamer.data.db.olap|svr=db1.example.com|from=cron@db1.example.com|per=day` */
export function streamKey(org: string | null, servers: readonly string[], from: string, period: Period): string {
  return `org=${org ?? ''}|svr=${[...servers].sort().join(',')}|from=${from.toLowerCase()}|per=${period}`;
}
