import { letsencrypt } from '../../../../src/classification/tool-packs/letsencrypt/pack.js';
import { packTable } from './table.js';

const body = (days: number) => `Hello,\n\nYour certificate (or certificates) for the names listed below will expire in\n${days} days (on 03 Jun 25 03:11 +0000). Please make sure to renew\n`;

packTable(letsencrypt, [
  { why: 'the first notice (about 20 days before) is a warning', subject: 'Let\'s Encrypt certificate expiration notice for domain "shop.example.test" (and 1 more)', body: body(19), from: 'expiry@letsencrypt.org', facts: { host: null, check: 'certificate shop.example.test', state: 'problem', severity: 'warn' } },
  { why: 'the final notice (7 days before) is critical', subject: 'Let\'s Encrypt certificate expiration notice for domain "status.example.test"', body: body(6), from: 'expiry@letsencrypt.org', facts: { host: null, check: 'certificate status.example.test', state: 'problem', severity: 'critical' } },
]);
