// Let's Encrypt's expiration notices (from expiry@letsencrypt.org, sent 20 and 7 days before a
// certificate expires): subject 'Let's Encrypt certificate expiration notice for domain
// "shop.example.test"' (with " (and 2 more)" for more names), body "… will expire in 19 days
// (on …)". The check is the certificate's first name; a certificate name is not a host.
// https://letsencrypt.org/docs/expiration-emails/
import { single, type ToolPack } from '../pack.js';

const SUBJECT = /^Let's Encrypt certificate expiration notice for domain "([^"]+)"/;
const DAYS = /will expire in\s+(\d{1,4}) days?/;

export const letsencrypt: ToolPack = {
  tool: 'letsencrypt',
  recognises: (m) => SUBJECT.test(m.subject.trim().replace(/’/g, "'")),
  extract(m) {
    const match = SUBJECT.exec(m.subject.trim().replace(/’/g, "'"));
    if (!match) return null;
    const days = DAYS.exec(m.body.slice(0, 4096).replace(/\s+/g, ' '));
    // The last notice comes 7 days before: renewal has failed for weeks by then.
    const severity = days && Number(days[1]) <= 7 ? 'critical' : 'warn';
    return single('letsencrypt', { host: null, check: `certificate ${match[1]!.toLowerCase()}`, state: 'problem', severity });
  },
};
