// Monit's default alert mail (set mail-format): subject "monit alert -- $EVENT $SERVICE", body
// "$EVENT Service $SERVICE" with "Date:", "Action:", "Host:", "Description:" lines. Monit names an
// event and its opposite ("Does not exist" / "Exists", "Resource limit matched" / "… succeeded"),
// but no severity.
// https://mmonit.com/monit/documentation/monit.html#Message-format
import { field, hostName, qualified, single, type ToolPack, type ToolState } from '../pack.js';

const SUBJECT = /^monit alert --\s+(.+?)\s+(\S+)$/;

// The events that say a problem has gone (monit.html, "ALERT MESSAGES": the "succeeded" forms).
const RECOVERY = /^exists$|succeeded$|^link up$/i;
const INFORMATION = /^action done$|changed( not)?$|^exists not$/i;

export const monit: ToolPack = {
  tool: 'monit',
  recognises: (m) => SUBJECT.test(m.subject.trim()),
  extract(m) {
    const match = SUBJECT.exec(m.subject.trim());
    if (!match) return null;
    const event = match[1]!;
    const state: ToolState = RECOVERY.test(event) ? 'recovery' : INFORMATION.test(event) ? 'information' : 'problem';
    return single('monit', { host: qualified(hostName(field(m.body, 'Host')), m.from), check: `${event} ${match[2]!}`, state, severity: state === 'problem' ? null : 'info' });
  },
};
