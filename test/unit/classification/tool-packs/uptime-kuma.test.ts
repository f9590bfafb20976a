import { uptimeKuma } from '../../../../src/classification/tool-packs/uptime-kuma/pack.js';
import { packTable } from './table.js';

packTable(uptimeKuma, [
  { why: 'Down is critical; the monitor\'s name is the check', subject: '[shop frontend] [🔴 Down] connect ECONNREFUSED 192.0.2.10:443', facts: { host: null, check: 'shop frontend', state: 'problem', severity: 'critical' } },
  { why: 'Up is a recovery', subject: '[shop frontend] [✅ Up] 200 - OK', facts: { host: null, check: 'shop frontend', state: 'recovery', severity: 'info' } },
  { why: 'a monitor named in any script', subject: '[Интернет-магазин] [🔴 Down] Ошибка', facts: { host: null, check: 'Интернет-магазин', state: 'problem', severity: 'critical' } },
  { why: 'brackets alone are not Uptime Kuma', subject: '[ops] [weekly] report', facts: null },
]);
