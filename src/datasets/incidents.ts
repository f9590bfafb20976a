// Incidents: one fault, many messages. They spread along the topology (topology.ts) the way
// real ones do: an NFS glitch makes every host that mounts nfs1 complain within minutes, a
// database failover is reported by every tool watching the database and by the APIs that use
// it, a disk fills up over hours. Each message carries its incident's id in the truth.
import { alertmanager, cron, monit, nagios, smartd, zabbix } from './formats/index.js';
import type { Draft, Planner } from './planner.js';
import type { Rng } from './prng.js';
import { NFS_CLIENTS, dependents, server, type Server } from './topology.js';
import { tagging, untagged, type Severity, type Tagging } from './tagging.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface PlannedIncident {
  id: string;
  kind: string;
  root: string;
  messages: Draft[];
}

/** Monitoring configured by someone who tags: severity, the host's org, the host. */
function incidentTags(rng: Rng, severity: Severity, host: Server, share = 0.5): Tagging {
  if (!rng.chance(share)) return untagged();
  return tagging({ severity, org: host.org, servers: [host.fqdn] }, rng);
}

type Scenario = (planner: Planner, rng: Rng, at: number, id: string) => { root: Server; messages: Draft[] };

const nfsGlitch: Scenario = (planner, rng, t, incident) => {
  const nfs1 = server('nfs1');
  const messages: Draft[] = [];
  const lasts = rng.int(12, 40) * MINUTE;
  const add = (d: Draft) => messages.push(d);
  add(planner.plan(nagios, rng, { at: t + rng.int(20, 90) * 1000, host: nfs1, tags: incidentTags(rng, 'critical', nfs1), incident, params: { type: 'service', notification: 'PROBLEM', service: 'NFS server', state: 'CRITICAL', output: 'CRITICAL - nfsd: RPC: Timed out (rpcinfo -T tcp nfs1 nfs 4)' } }));
  for (const host of NFS_CLIENTS()) {
    const hit = rng.chance(0.85);
    if (hit) add(planner.plan(nagios, rng, { at: t + rng.int(60, 8 * 60) * 1000, host, tags: incidentTags(rng, 'critical', host), incident, params: { type: 'service', notification: 'PROBLEM', service: 'NFS mount /mnt/shared', state: 'CRITICAL', output: 'CRITICAL - /mnt/shared: Stale file handle' } }));
    const monitHit = rng.chance(0.5);
    if (monitHit) add(planner.plan(monit, rng, { at: t + rng.int(60, 10 * 60) * 1000, host, tags: incidentTags(rng, 'critical', host, 0.3), incident, params: { event: 'Timestamp failed', service: 'shared_mount', action: 'alert', description: 'cannot read timestamp of /mnt/shared/.health -- Stale file handle' } }));
    if (rng.chance(0.35)) add(planner.plan(cron, rng, { at: t + rng.int(2 * 60, 12 * 60) * 1000, host, tags: untagged(), incident, params: { command: '/usr/local/bin/sync-assets.sh', output: `rsync: [sender] change_dir "/mnt/shared/assets" failed: Stale file handle (116)\nrsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1338) [sender=3.2.7]\n` } }));
    const back = t + lasts + rng.int(30, 5 * 60) * 1000;
    if (hit) add(planner.plan(nagios, rng, { at: back, host, tags: incidentTags(rng, 'info', host), incident, flags: ['recovery'], params: { type: 'service', notification: 'RECOVERY', service: 'NFS mount /mnt/shared', state: 'OK', output: 'OK - /mnt/shared is mounted and readable' } }));
    if (monitHit) add(planner.plan(monit, rng, { at: back + rng.int(10, 120) * 1000, host, tags: incidentTags(rng, 'info', host, 0.3), incident, flags: ['recovery'], params: { event: 'Timestamp succeeded', service: 'shared_mount', action: 'alert', description: 'timestamp test succeeded for /mnt/shared/.health' } }));
  }
  add(planner.plan(nagios, rng, { at: t + lasts, host: nfs1, tags: incidentTags(rng, 'info', nfs1), incident, flags: ['recovery'], params: { type: 'service', notification: 'RECOVERY', service: 'NFS server', state: 'OK', output: 'OK - nfsd answers (rpcinfo -T tcp nfs1 nfs 4)' } }));
  return { root: nfs1, messages };
};

const dbFailover: Scenario = (planner, rng, t, incident) => {
  const db1 = server('db1');
  const db2 = server('db2');
  const prom1 = server('prom1');
  const messages: Draft[] = [];
  const add = (d: Draft) => messages.push(d);
  const lasts = rng.int(20, 60) * MINUTE;
  const s = (n: number) => n * 1000;
  add(planner.plan(nagios, rng, { at: t + s(rng.int(30, 90)), host: db1, tags: incidentTags(rng, 'critical', db1), incident, params: { type: 'host', notification: 'PROBLEM', state: 'DOWN', output: 'CRITICAL - 10.0.2.28: rta nan, lost 100%' } }));
  add(planner.plan(zabbix, rng, { at: t + s(rng.int(40, 120)), host: db1, tags: incidentTags(rng, 'critical', db1), incident, params: { status: 'problem', problem: `PostgreSQL: Service is down on ${db1.host}`, severity: 'High', opdata: 'pgsql.ping: 0', eventId: 90000 + rng.int(0, 9999) } }));
  add(planner.plan(alertmanager, rng, { at: t + s(rng.int(60, 150)), host: prom1, tags: incidentTags(rng, 'critical', db1), incident, params: { status: 'firing', alertname: 'PostgresDown', severity: 'critical', summary: 'PostgreSQL on {instance} is down', instances: [`${db1.fqdn}:9187`], job: 'postgres' } }));
  const apis = dependents('db1').filter((h) => /^api/.test(h.host));
  for (const api of apis) {
    add(planner.plan(monit, rng, { at: t + s(rng.int(60, 200)), host: api, tags: incidentTags(rng, 'critical', api, 0.3), incident, params: { event: 'Connection failed', service: 'postgres-primary', action: 'alert', description: `failed protocol test [PGSQL] at [${db1.fqdn}]:5432 [TCP/IP] -- Connection refused` } }));
  }
  add(planner.plan(cron, rng, { at: t + s(rng.int(150, 240)), host: db2, tags: incidentTags(rng, 'warn', db2), incident, params: { command: '/usr/local/bin/promote-if-primary-down', output: `primary ${db1.fqdn} unreachable for 120 s\npromoting standby ${db2.fqdn}\nwaiting for server to promote.... done\nserver promoted\n` } }));
  add(planner.plan(alertmanager, rng, { at: t + s(rng.int(240, 400)), host: prom1, tags: incidentTags(rng, 'critical', apis[0]!), incident, params: { status: 'firing', alertname: 'HttpErrorRateHigh', severity: 'critical', summary: 'More than 5% of requests to {instance} fail', instances: apis.map((a) => `${a.fqdn}:443`), job: 'http' } }));
  add(planner.plan(zabbix, rng, { at: t + s(rng.int(200, 400)), host: db2, tags: incidentTags(rng, 'warn', db2), incident, params: { status: 'problem', problem: `PostgreSQL: Role changed to primary on ${db2.host}`, severity: 'Warning', opdata: 'pg.role: primary', eventId: 90000 + rng.int(0, 9999) } }));
  const back = t + lasts;
  for (const api of apis) add(planner.plan(monit, rng, { at: back + s(rng.int(0, 120)), host: api, tags: incidentTags(rng, 'info', api, 0.3), incident, flags: ['recovery'], params: { event: 'Connection succeeded', service: 'postgres-primary', action: 'alert', description: `connection succeeded to [${db1.fqdn}]:5432 [TCP/IP]` } }));
  add(planner.plan(alertmanager, rng, { at: back + s(rng.int(60, 300)), host: prom1, tags: incidentTags(rng, 'info', apis[0]!), incident, flags: ['recovery'], params: { status: 'resolved', alertname: 'HttpErrorRateHigh', severity: 'critical', summary: 'More than 5% of requests to {instance} fail', instances: apis.map((a) => `${a.fqdn}:443`), job: 'http' } }));
  add(planner.plan(nagios, rng, { at: back + s(rng.int(300, 900)), host: db1, tags: incidentTags(rng, 'info', db1), incident, flags: ['recovery'], params: { type: 'host', notification: 'RECOVERY', state: 'UP', output: 'OK - 10.0.2.28: rta 0.412ms, lost 0%' } }));
  add(planner.plan(alertmanager, rng, { at: back + s(rng.int(300, 900)), host: prom1, tags: incidentTags(rng, 'info', db1), incident, flags: ['recovery'], params: { status: 'resolved', alertname: 'PostgresDown', severity: 'critical', summary: 'PostgreSQL on {instance} is down', instances: [`${db1.fqdn}:9187`], job: 'postgres' } }));
  add(planner.plan(zabbix, rng, { at: back + s(rng.int(300, 900)), host: db1, tags: incidentTags(rng, 'info', db1), incident, flags: ['recovery'], params: { status: 'resolved', problem: `PostgreSQL: Service is down on ${db1.host}`, severity: 'High', opdata: 'pgsql.ping: 1', eventId: 90000 + rng.int(0, 9999), lasted: Math.round(lasts / MINUTE) } }));
  return { root: db1, messages };
};

const diskFull: Scenario = (planner, rng, t, incident) => {
  const host = server(rng.pick(['batch1', 'db3', 'ml1', 'web2']));
  const prom1 = server('prom1');
  const messages: Draft[] = [];
  const add = (d: Draft) => messages.push(d);
  const critical = t + rng.int(60, 180) * MINUTE;
  const fixed = critical + rng.int(30, 90) * MINUTE;
  add(planner.plan(nagios, rng, { at: t, host, tags: incidentTags(rng, 'warn', host), incident, params: { type: 'service', notification: 'PROBLEM', service: 'Disk /var', state: 'WARNING', output: `DISK WARNING - free space: /var 2950 MB (14% inode=91%):` } }));
  add(planner.plan(zabbix, rng, { at: t + rng.int(1, 4) * MINUTE, host, tags: incidentTags(rng, 'warn', host), incident, params: { status: 'problem', problem: `/var: Disk space is low (used > 80%) on ${host.host}`, severity: 'Warning', opdata: 'Space used: 34.4 GB of 40 GB (86 %)', eventId: 70000 + rng.int(0, 9999) } }));
  add(planner.plan(nagios, rng, { at: critical, host, tags: incidentTags(rng, 'critical', host), incident, params: { type: 'service', notification: 'PROBLEM', service: 'Disk /var', state: 'CRITICAL', output: `DISK CRITICAL - free space: /var 410 MB (2% inode=90%):` } }));
  add(planner.plan(zabbix, rng, { at: critical + rng.int(1, 3) * MINUTE, host, tags: incidentTags(rng, 'critical', host), incident, params: { status: 'problem', problem: `/var: Disk space is critically low (used > 90%) on ${host.host}`, severity: 'High', opdata: 'Space used: 39.6 GB of 40 GB (99 %)', eventId: 70000 + rng.int(0, 9999) } }));
  add(planner.plan(alertmanager, rng, { at: critical + rng.int(2, 6) * MINUTE, host: prom1, tags: incidentTags(rng, 'critical', host), incident, params: { status: 'firing', alertname: 'NodeFilesystemAlmostFull', severity: 'critical', summary: 'Filesystem on {instance} has less than 3% left', instances: [`${host.fqdn}:9100`], job: 'node' } }));
  for (let i = 0; i < rng.int(2, 4); i++) {
    add(planner.plan(cron, rng, { at: critical + rng.int(5, 25) * MINUTE, host, tags: untagged(), incident, params: { command: '/usr/local/bin/rotate-logs', output: `gzip: /var/log/app/app.log.1.gz: No space left on device\nerror: failed to compress log /var/log/app/app.log.1\n` } }));
  }
  add(planner.plan(monit, rng, { at: critical + rng.int(1, 8) * MINUTE, host, tags: incidentTags(rng, 'critical', host, 0.3), incident, params: { event: 'Resource limit matched', service: 'rootfs', action: 'alert', description: 'space usage 99.0% matches resource limit [space usage > 95.0%]' } }));
  add(planner.plan(nagios, rng, { at: fixed, host, tags: incidentTags(rng, 'info', host), incident, flags: ['recovery'], params: { type: 'service', notification: 'RECOVERY', service: 'Disk /var', state: 'OK', output: 'DISK OK - free space: /var 21030 MB (52% inode=93%):' } }));
  add(planner.plan(zabbix, rng, { at: fixed + rng.int(1, 3) * MINUTE, host, tags: incidentTags(rng, 'info', host), incident, flags: ['recovery'], params: { status: 'resolved', problem: `/var: Disk space is critically low (used > 90%) on ${host.host}`, severity: 'High', opdata: 'Space used: 19.0 GB of 40 GB (48 %)', eventId: 70000 + rng.int(0, 9999), lasted: Math.round((fixed - critical) / MINUTE) } }));
  add(planner.plan(alertmanager, rng, { at: fixed + rng.int(2, 6) * MINUTE, host: prom1, tags: incidentTags(rng, 'info', host), incident, flags: ['recovery'], params: { status: 'resolved', alertname: 'NodeFilesystemAlmostFull', severity: 'critical', summary: 'Filesystem on {instance} has less than 3% left', instances: [`${host.fqdn}:9100`], job: 'node' } }));
  return { root: host, messages };
};

const diskFailing: Scenario = (planner, rng, t, incident) => {
  const host = server(rng.pick(['db2', 'db3', 'nfs1']));
  const messages: Draft[] = [];
  const add = (d: Draft) => messages.push(d);
  const serial = `ZC${rng.int(100000, 999999)}`;
  add(planner.plan(smartd, rng, { at: t, host, tags: incidentTags(rng, 'warn', host), incident, params: { device: '/dev/sdb', problem: 'CurrentPendingSector', detail: `${rng.int(8, 40)} Currently unreadable (pending) sectors`, serial } }));
  add(planner.plan(zabbix, rng, { at: t + rng.int(3, 10) * MINUTE, host, tags: incidentTags(rng, 'warn', host), incident, params: { status: 'problem', problem: `SMART: Disk /dev/sdb has pending sectors on ${host.host}`, severity: 'Average', opdata: 'Pending sectors: 8', eventId: 60000 + rng.int(0, 9999) } }));
  add(planner.plan(smartd, rng, { at: t + rng.int(2, 6) * HOUR, host, tags: incidentTags(rng, 'critical', host), incident, params: { device: '/dev/sdb', problem: 'OfflineUncorrectable', detail: `${rng.int(2, 9)} Offline uncorrectable sectors`, serial } }));
  add(planner.plan(nagios, rng, { at: t + rng.int(6, 8) * HOUR, host, tags: incidentTags(rng, 'critical', host), incident, params: { type: 'service', notification: 'PROBLEM', service: 'RAID', state: 'CRITICAL', output: 'CRITICAL - md0: degraded [2/1] [U_], sdb1 faulty' } }));
  return { root: host, messages };
};

const serviceOutage: Scenario = (planner, rng, t, incident) => {
  const api = server(rng.pick(['api3', 'api4']));
  const lb1 = server('lb1');
  const prom1 = server('prom1');
  const messages: Draft[] = [];
  const add = (d: Draft) => messages.push(d);
  const back = t + rng.int(8, 30) * MINUTE;
  add(planner.plan(alertmanager, rng, { at: t, host: prom1, tags: incidentTags(rng, 'critical', api), incident, params: { status: 'firing', alertname: 'TargetDown', severity: 'critical', summary: '{instance} has been unreachable for 5 minutes', instances: [`${api.fqdn}:9100`], job: 'node' } }));
  add(planner.plan(nagios, rng, { at: t + rng.int(30, 120) * 1000, host: api, tags: incidentTags(rng, 'critical', api), incident, params: { type: 'service', notification: 'PROBLEM', service: 'HTTP', state: 'CRITICAL', output: 'CRITICAL - Socket timeout after 10 seconds' } }));
  add(planner.plan(monit, rng, { at: t + rng.int(30, 150) * 1000, host: lb1, tags: incidentTags(rng, 'warn', lb1), incident, params: { event: 'Content failed', service: 'haproxy-backends', action: 'alert', description: `backend api_${api.org.split('.').pop()} server ${api.host} is DOWN, 1 active server left` } }));
  for (const web of dependents(api.host).filter((h) => /^web/.test(h.host))) {
    if (rng.chance(0.7)) add(planner.plan(monit, rng, { at: t + rng.int(60, 300) * 1000, host: web, tags: incidentTags(rng, 'warn', web, 0.3), incident, params: { event: 'Connection failed', service: 'api-backend', action: 'alert', description: `failed protocol test [HTTP] at [${api.fqdn}]:443 [TCP/SSL] -- HTTP error: Server returned status 503` } }));
  }
  add(planner.plan(alertmanager, rng, { at: back, host: prom1, tags: incidentTags(rng, 'info', api), incident, flags: ['recovery'], params: { status: 'resolved', alertname: 'TargetDown', severity: 'critical', summary: '{instance} has been unreachable for 5 minutes', instances: [`${api.fqdn}:9100`], job: 'node' } }));
  add(planner.plan(nagios, rng, { at: back + rng.int(30, 120) * 1000, host: api, tags: incidentTags(rng, 'info', api), incident, flags: ['recovery'], params: { type: 'service', notification: 'RECOVERY', service: 'HTTP', state: 'OK', output: 'HTTP OK: HTTP/1.1 200 OK - 5120 bytes in 0.031 second response time' } }));
  return { root: api, messages };
};

/** incidents of each kind per 14 days */
const KINDS: Array<[string, Scenario, number]> = [
  ['nfs-glitch', nfsGlitch, 2],
  ['db-failover', dbFailover, 1],
  ['disk-full', diskFull, 2],
  ['disk-failing', diskFailing, 1],
  ['service-outage', serviceOutage, 2],
];

/** The incidents from `start` to `end`, named `<prefix>-1`, `<prefix>-2`… (history's have a prefix of their own). */
export function incidents(planner: Planner, rng: Rng, start: number, end: number, prefix = 'inc'): PlannedIncident[] {
  const days = (end - start) / DAY;
  const list: Array<[string, Scenario]> = [];
  for (const [kind, scenario, per14] of KINDS) for (let i = 0; i < Math.max(1, Math.round((days / 14) * per14)); i++) list.push([kind, scenario]);
  // Shuffle the kinds over the time slots, then give each a slot of its own, so incidents
  // rarely overlap (only in very short corpora) and each stays recognisable.
  for (let i = list.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  const usable = end - start - 12 * HOUR;
  const slot = usable / list.length;
  return list.map(([kind, scenario], i) => {
    const id = `${prefix}-${i + 1}`;
    const at = start + 2 * HOUR + i * slot + rng.next() * Math.max(0, slot - 10 * HOUR);
    const { root, messages } = scenario(planner, rng, at, id);
    return { id, kind, root: root.fqdn, messages };
  });
}
