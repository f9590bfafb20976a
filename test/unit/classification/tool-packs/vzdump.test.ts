import { vzdump } from '../../../../src/classification/tool-packs/vzdump/pack.js';
import { packTable } from './table.js';

packTable(vzdump, [
  { why: 'a successful backup is information about its node', subject: 'vzdump backup status (pve1.example.test): backup successful', facts: { host: 'pve1.example.test', check: 'vzdump backup', state: 'information', severity: 'info' } },
  { why: 'a failed backup is critical', subject: 'vzdump backup status (pve2.example.test): backup failed', facts: { host: 'pve2.example.test', check: 'vzdump backup', state: 'problem', severity: 'critical' } },
]);
