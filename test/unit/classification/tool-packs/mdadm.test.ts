import { mdadm } from '../../../../src/classification/tool-packs/mdadm/pack.js';
import { packTable } from './table.js';

const body = (host: string) => `This is an automatically generated mail message from mdadm\nrunning on ${host}\n`;

packTable(mdadm, [
  { why: 'a Fail event is critical; the sender qualifies the short host', subject: 'Fail event on /dev/md0:nas1', body: body('nas1'), from: 'root@nas1.example.test', facts: { host: 'nas1.example.test', check: 'Fail /dev/md0', state: 'problem', severity: 'critical' } },
  { why: 'a degraded array is critical', subject: 'DegradedArray event on /dev/md1:nas2', body: body('nas2'), from: 'mdadm@nas2.example.test', facts: { host: 'nas2.example.test', check: 'DegradedArray /dev/md1', state: 'problem', severity: 'critical' } },
  { why: 'missing spares are a warning', subject: 'SparesMissing event on /dev/md2:nas2', body: body('nas2'), from: 'root@relay.example.test', facts: { host: 'nas2', check: 'SparesMissing /dev/md2', state: 'problem', severity: 'warn' } },
  { why: 'the test message is information', subject: 'TestMessage event on /dev/md0:nas1', body: body('nas1'), from: 'root@nas1.example.test', facts: { host: 'nas1.example.test', check: 'TestMessage /dev/md0', state: 'information', severity: 'info' } },
  { why: 'without mdadm\'s body it is not mdadm', subject: 'Fail event on /dev/md0:nas1', body: 'hello', facts: null },
]);
