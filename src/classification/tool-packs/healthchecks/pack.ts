// Healthchecks (healthchecks.io, or self-hosted) alert mail: subject "DOWN | backup-db1" or
// "UP | backup-db1" (templates/emails/alert-subject.html), body 'The check "backup-db1" has gone
// down.' A check is a name, not a host.
// https://healthchecks.io/docs/ · https://github.com/healthchecks/healthchecks
import { single, type ToolPack } from '../pack.js';

const SUBJECT = /^(DOWN|UP) \| (.+)$/;
const MARKER = /The check ".*" has gone (down|up)\./;

export const healthchecks: ToolPack = {
  tool: 'healthchecks',
  recognises: (m) => SUBJECT.test(m.subject.trim()) && MARKER.test(m.body.slice(0, 4096)),
  extract(m) {
    const match = SUBJECT.exec(m.subject.trim());
    if (!match) return null;
    const down = match[1] === 'DOWN';
    return single('healthchecks', { host: null, check: match[2]!.trim(), state: down ? 'problem' : 'recovery', severity: down ? 'critical' : 'info' });
  },
};
