// Every tool the generator writes mail for.
import { alertmanager } from './alertmanager.js';
import { bareos } from './bareos.js';
import type { Format } from './common.js';
import { cron } from './cron.js';
import { jenkins } from './jenkins.js';
import { logwatch } from './logwatch.js';
import { monit } from './monit.js';
import { nagios } from './nagios.js';
import { smartd } from './smartd.js';
import { zabbix } from './zabbix.js';

export { alertmanager, bareos, cron, jenkins, logwatch, monit, nagios, smartd, zabbix };

export const formatsByTool: Record<string, Format<never>> = { alertmanager, bareos, cron, jenkins, logwatch, monit, nagios, smartd, zabbix };
