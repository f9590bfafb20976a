// Amazon CloudWatch alarms mailed by Amazon SNS (no-reply@sns.amazonaws.com):
//   ALARM: "web1-cpu-high" in US East (N. Virginia)      (OK: …, INSUFFICIENT_DATA: …)
// with "Alarm Details:" lines ("- Name:", "- State Change:  OK -> ALARM"). An alarm has three
// states, OK < INSUFFICIENT_DATA < ALARM; DaTamer reads them as info, warn, critical. An alarm
// names no host: its check is the alarm's name.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
import type { Severity } from '../../tags.js';
import { single, type ToolPack, type ToolState } from '../pack.js';

const SUBJECT = /^(ALARM|OK|INSUFFICIENT_DATA): "([^"]+)" in /;
// The "email-json" protocol: the subject is fixed, the alarm's subject is a field of the JSON body.
// Spaces and tabs only around the field: `\s*` at every line start would rescan blank lines.
const JSON_SUBJECT = /^[ \t]*"Subject"[ \t]*:[ \t]*"(ALARM|OK|INSUFFICIENT_DATA): \\"([^"\\]+)\\" in /m;

function alarmOf(subject: string, body: string): RegExpExecArray | null {
  return SUBJECT.exec(subject) ?? (subject === 'AWS Notification Message' ? JSON_SUBJECT.exec(body.slice(0, 16 * 1024)) : null);
}

const STATES: Record<string, { state: ToolState; severity: Severity }> = {
  ALARM: { state: 'problem', severity: 'critical' },
  INSUFFICIENT_DATA: { state: 'problem', severity: 'warn' },
  OK: { state: 'recovery', severity: 'info' },
};

export const cloudwatch: ToolPack = {
  tool: 'cloudwatch',
  recognises: (m) => alarmOf(m.subject.trim(), m.body) !== null && (m.from.endsWith('@sns.amazonaws.com') || /Amazon CloudWatch Alarm/.test(m.body.slice(0, 4096))),
  extract(m) {
    const match = alarmOf(m.subject.trim(), m.body);
    if (!match) return null;
    return single('cloudwatch', { host: null, check: match[2]!, ...STATES[match[1]!]! });
  },
};
