import { sentry } from '../../../../src/classification/tool-packs/sentry/pack.js';
import { packTable } from './table.js';

const tags = (level: string, server: string) => `Details\n-------\n\nhttps://sentry.example.test/issues/1/\nTags\n----\n\n* environment = production\n* level = ${level}\n* server_name = ${server}\n`;

packTable(sentry, [
  { why: 'level error is a warning; server_name is the host; short ID and title the check', subject: '[Sentry] SHOP-3K - TypeError: x is undefined', body: tags('error', 'web1.example.test'), facts: { host: 'web1.example.test', check: 'SHOP-3K TypeError: x is undefined', state: 'problem', severity: 'warn' } },
  { why: 'level fatal is critical', subject: '[Sentry] API-1F - OperationalError', body: tags('fatal', 'api3'), facts: { host: 'api3', check: 'API-1F OperationalError', state: 'problem', severity: 'critical' } },
  { why: 'without tags, no host and no severity', subject: '[Sentry] something broke', facts: { host: null, check: 'something broke', state: 'problem', severity: null } },
]);
