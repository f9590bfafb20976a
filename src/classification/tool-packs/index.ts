// Every tool pack, and the one entry point: what the tool that wrote a message already states in
// it. A new tool is a new folder copied from a sibling, added to PACKS. docs/tool-packs.md
import { isFqdn } from '../tags.js';
import type { ToolFacts, ToolMessage, ToolPack } from './pack.js';
import { alertmanager } from './alertmanager/pack.js';
import { bareos } from './bareos/pack.js';
import { cloudwatch } from './cloudwatch/pack.js';
import { cron } from './cron/pack.js';
import { fail2ban } from './fail2ban/pack.js';
import { grafana } from './grafana/pack.js';
import { healthchecks } from './healthchecks/pack.js';
import { icinga2 } from './icinga2/pack.js';
import { jenkins } from './jenkins/pack.js';
import { letsencrypt } from './letsencrypt/pack.js';
import { mdadm } from './mdadm/pack.js';
import { monit } from './monit/pack.js';
import { nagios } from './nagios/pack.js';
import { netdata } from './netdata/pack.js';
import { sentry } from './sentry/pack.js';
import { smartd } from './smartd/pack.js';
import { uptimeKuma } from './uptime-kuma/pack.js';
import { vzdump } from './vzdump/pack.js';
import { zabbix } from './zabbix/pack.js';

export type { ToolAlert, ToolFacts, ToolMessage, ToolPack, ToolState } from './pack.js';

/** In the order they are tried; Grafana before Alertmanager, whose subjects look alike. */
export const PACKS: readonly ToolPack[] = [
  nagios, icinga2, zabbix, grafana, alertmanager, cron, smartd, mdadm, jenkins, cloudwatch, uptimeKuma,
  netdata, monit, sentry, bareos, vzdump, fail2ban, healthchecks, letsencrypt,
];

// DaTamer's own tags (docs/tags.md) a team may have added to a tool's template: the packs read the
// tool's words around them.
const TAGS = /:(?:info|warn|critical):|:org:[^\s:]*:?|:svr:[^\s:,;<>()[\]"'`\\]*:?|:sched-[^\s:]*:?/gi;

/** The text without DaTamer's tags, spaces squeezed where they stood. */
export function withoutTags(text: string): string {
  return text.replace(TAGS, ' ').replace(/[ \t]+/g, ' ').trim();
}

/** What the tool that wrote the message states, or null when no pack knows the message. */
export function readTool(message: ToolMessage): ToolFacts | null {
  const subject = withoutTags(message.subject.slice(0, 2000));
  const m: ToolMessage = { subject, body: message.body, from: message.from.toLowerCase() };
  for (const pack of PACKS) {
    if (!pack.recognises(m)) continue;
    const facts = pack.extract(m);
    if (facts) return facts;
  }
  return null;
}

/**
 * The servers a tool's facts name: the hosts of its alerts that are fully qualified, as servers
 * are everywhere in DaTamer (docs/tags.md); a short name (`db1`) stays a fact, not a server.
 */
export function toolServers(facts: ToolFacts): string[] {
  const servers: string[] = [];
  for (const alert of facts.alerts) if (alert.host !== null && isFqdn(alert.host) && !servers.includes(alert.host)) servers.push(alert.host);
  return servers;
}
