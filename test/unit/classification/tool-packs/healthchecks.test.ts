import { healthchecks } from '../../../../src/classification/tool-packs/healthchecks/pack.js';
import { packTable } from './table.js';

packTable(healthchecks, [
  { why: 'DOWN is critical; the check\'s name is the check', subject: 'DOWN | backup-db1', body: 'The check "backup-db1" has gone down.\n', facts: { host: null, check: 'backup-db1', state: 'problem', severity: 'critical' } },
  { why: 'UP is a recovery', subject: 'UP | backup-db1', body: 'The check "backup-db1" has gone up.\n', facts: { host: null, check: 'backup-db1', state: 'recovery', severity: 'info' } },
  { why: 'the subject alone is not Healthchecks', subject: 'DOWN | backup-db1', body: 'hello', facts: null },
]);
