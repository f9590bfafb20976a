// Every migration, in the order they run. A new migration is a new dated file added here.
import { migration as m01 } from './2026-11-23-01-tenants-and-mailboxes.js';
import { migration as m02 } from './2026-11-23-02-messages.js';
import { migration as m03 } from './2026-11-23-03-people.js';
import { migration as m04 } from './2026-11-23-04-events.js';
import { migration as m05 } from './2026-11-23-05-outbox.js';
import { migration as m06 } from './2026-11-24-06-classification.js';
import { migration as m07 } from './2026-11-24-07-rules.js';
import { migration as m08 } from './2026-11-24-08-streams.js';
import { migration as m09 } from './2026-11-24-09-maintenance-windows.js';
import { migration as m10 } from './2026-11-24-10-self-monitoring.js';
import { migration as m11 } from './2026-11-24-11-mailbox-workspace.js';
import { migration as m12 } from './2026-11-24-12-email-commands.js';
import { migration as m13 } from './2026-12-03-13-messages-identified-by-content.js';
import { migration as m20 } from './2026-12-03-20-provider-neutral-mailboxes.js';
import { migration as m30 } from './2026-12-03-30-signatures.js';
import { migration as m31 } from './2026-12-03-31-classification-limits.js';
import { migration as m40 } from './2026-12-03-40-web-login.js';
import { migration as m41 } from './2026-12-03-41-open-events-index.js';
import { migration as m50 } from './2026-12-03-50-notifications.js';
import { migration as m55 } from './2026-12-03-55-stream-history.js';
import { migration as m60 } from './2026-12-03-60-grouping.js';
import { migration as m61 } from './2026-12-03-61-event-corrections.js';
import { migration as m70 } from './2026-12-03-70-reports.js';
import { migration as m70b } from './2026-12-03-70-reports-messages-index.js';
import { migration as m71 } from './2026-12-03-71-user-roles.js';
import { migration as m72 } from './2026-12-03-72-site-list-and-login-links.js';
import { migration as m80 } from './2026-12-03-80-mailbox-sends-mail.js';
import { migration as m420 } from './2026-12-04-20-report-rollups.js';
import { migration as m421 } from './2026-12-04-21-rule-dismissals.js';
import { migration as m430 } from './2026-12-04-30-report-event-counts-index.js';
import { migration as m431 } from './2026-12-04-31-report-event-time-months.js';
import { migration as m440 } from './2026-12-04-40-learned-pairs.js';
import type { Migration } from './types.js';

export const migrations: Array<{ name: string } & Migration> = [
  { name: '2026-11-23-01-tenants-and-mailboxes', ...m01 },
  { name: '2026-11-23-02-messages', ...m02 },
  { name: '2026-11-23-03-people', ...m03 },
  { name: '2026-11-23-04-events', ...m04 },
  { name: '2026-11-23-05-outbox', ...m05 },
  { name: '2026-11-24-06-classification', ...m06 },
  { name: '2026-11-24-07-rules', ...m07 },
  { name: '2026-11-24-08-streams', ...m08 },
  { name: '2026-11-24-09-maintenance-windows', ...m09 },
  { name: '2026-11-24-10-self-monitoring', ...m10 },
  { name: '2026-11-24-11-mailbox-workspace', ...m11 },
  { name: '2026-11-24-12-email-commands', ...m12 },
  { name: '2026-12-03-13-messages-identified-by-content', ...m13 },
  { name: '2026-12-03-20-provider-neutral-mailboxes', ...m20 },
  { name: '2026-12-03-30-signatures', ...m30 },
  { name: '2026-12-03-31-classification-limits', ...m31 },
  { name: '2026-12-03-40-web-login', ...m40 },
  { name: '2026-12-03-41-open-events-index', ...m41 },
  { name: '2026-12-03-50-notifications', ...m50 },
  { name: '2026-12-03-55-stream-history', ...m55 },
  { name: '2026-12-03-60-grouping', ...m60 },
  { name: '2026-12-03-61-event-corrections', ...m61 },
  { name: '2026-12-03-70-reports', ...m70 },
  { name: '2026-12-03-70-reports-messages-index', ...m70b },
  { name: '2026-12-03-71-user-roles', ...m71 },
  { name: '2026-12-03-72-site-list-and-login-links', ...m72 },
  { name: '2026-12-03-80-mailbox-sends-mail', ...m80 },
  { name: '2026-12-04-20-report-rollups', ...m420 },
  { name: '2026-12-04-21-rule-dismissals', ...m421 },
  { name: '2026-12-04-30-report-event-counts-index', ...m430 },
  { name: '2026-12-04-31-report-event-time-months', ...m431 },
  { name: '2026-12-04-40-learned-pairs', ...m440 },
];
