import { smartd } from '../../../../src/classification/tool-packs/smartd/pack.js';
import { packTable } from './table.js';

packTable(smartd, [
  { why: 'a failed health check is critical, on the device it names', subject: 'SMART error (FailedHealthCheck) detected on host: nas2.example.test', body: 'Device: /dev/sda [SAT], FAILED SMART self-check. BACK UP DATA NOW!', facts: { host: 'nas2.example.test', check: 'FailedHealthCheck /dev/sda', state: 'problem', severity: 'critical' } },
  { why: 'pending sectors are a warning', subject: 'SMART error (CurrentPendingSector) detected on host: nas1.example.test', body: 'Device: /dev/sdc [SAT], 8 Currently unreadable (pending) sectors', facts: { host: 'nas1.example.test', check: 'CurrentPendingSector /dev/sdc', state: 'problem', severity: 'warn' } },
  { why: 'the test mail is information', subject: 'SMART error (EmailTest) detected on host: nas1.example.test', facts: { host: 'nas1.example.test', check: 'EmailTest', state: 'information', severity: 'info' } },
]);
