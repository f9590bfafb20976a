// Bareos (and Bacula) job reports, the Director's default Messages resource:
//   Bareos: Backup OK of files1-fd Full          ("Backup Error of …", "Backup Fatal Error of …",
//   "Backup OK -- with warnings of …", "Backup Canceled of …")
// The client is named by its file daemon ("db1-fd"); the report's "Connected Client: db1-fd at
// db1.example.test:9102" line names its host.
// https://docs.bareos.org/Configuration/Messages.html
import type { Severity } from '../../tags.js';
import { hostName, lines, single, type ToolPack, type ToolState } from '../pack.js';

const SUBJECT = /^Ba(?:reos|cula):? (Backup|Restore|Verify|Admin|Copy|Migrate|Migration|Archive|Consolidate) (OK -- with warnings|OK|Error|Fatal Error|Canceled|Differences|Unknown term code|[A-Za-z ]+?) of (\S+)(?: (\S+))?$/;
const CONNECTED = /Connected Client: (\S+) at ([^\s:,]+)/;

function statusOf(words: string): { state: ToolState; severity: Severity | null } {
  if (words === 'OK') return { state: 'information', severity: 'info' };
  if (words === 'OK -- with warnings') return { state: 'problem', severity: 'warn' };
  if (words === 'Error' || words === 'Fatal Error') return { state: 'problem', severity: 'critical' };
  if (words === 'Canceled' || words === 'Differences') return { state: 'problem', severity: 'warn' };
  return { state: 'information', severity: null };
}

export const bareos: ToolPack = {
  tool: 'bareos',
  recognises: (m) => SUBJECT.test(m.subject.trim()),
  extract(m) {
    const match = SUBJECT.exec(m.subject.trim());
    if (!match) return null;
    const client = match[3]!;
    let host: string | null = null;
    for (const line of lines(m.body).slice(0, 200)) {
      const connected = CONNECTED.exec(line);
      if (connected && connected[1] === client) {
        host = hostName(connected[2]);
        break;
      }
    }
    // Without the line, the client's name less its "-fd" is the host's short name by convention.
    host ??= hostName(client.replace(/-fd$/, ''));
    return single('bareos', { host, check: `${match[1]} ${client}${match[4] ? ` ${match[4]}` : ''}`, ...statusOf(match[2]!) });
  },
};
