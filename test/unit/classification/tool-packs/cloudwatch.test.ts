import { cloudwatch } from '../../../../src/classification/tool-packs/cloudwatch/pack.js';
import { packTable } from './table.js';

const SNS = 'no-reply@sns.amazonaws.com';

packTable(cloudwatch, [
  { why: 'ALARM is critical; the alarm\'s name is the check', subject: 'ALARM: "web1-cpu-high" in US East (N. Virginia)', from: SNS, facts: { host: null, check: 'web1-cpu-high', state: 'problem', severity: 'critical' } },
  { why: 'OK is a recovery', subject: 'OK: "web1-cpu-high" in US East (N. Virginia)', from: SNS, facts: { host: null, check: 'web1-cpu-high', state: 'recovery', severity: 'info' } },
  { why: 'INSUFFICIENT_DATA is a warning', subject: 'INSUFFICIENT_DATA: "queue-age" in EU (Frankfurt)', from: SNS, facts: { host: null, check: 'queue-age', state: 'problem', severity: 'warn' } },
  { why: 'the email-json protocol: the alarm\'s subject is in the JSON', subject: 'AWS Notification Message', from: SNS, body: '{\n  "Type" : "Notification",\n  "Subject" : "ALARM: \\"etl-queue-age\\" in US East (N. Virginia)",\n  "Message" : "{}"\n}', facts: { host: null, check: 'etl-queue-age', state: 'problem', severity: 'critical' } },
  { why: 'the same subject from elsewhere is not CloudWatch', subject: 'ALARM: "x" in the kitchen', from: 'someone@example.test', facts: null },
]);
