// Routine traffic: the daily noise of a monitoring mailbox. Problems that come and go, builds,
// cron output, nightly reports; a quarter of it tagged by senders who read docs/tags.md, a few
// of those with mistakes, the rest untagged. `--scale` multiplies it.
import { alertmanager, bareos, cron, jenkins, logwatch, monit, nagios, smartd, zabbix } from './formats/index.js';
import type { Planner } from './planner.js';
import type { Rng } from './prng.js';
import { SERVERS, server, type Server } from './topology.js';
import { someMistakes, tagging, untagged, type Severity, type Tagging } from './tagging.js';

/** routine messages per day at --scale 1 (with the schedules and incidents: about 5,000 in 14 days) */
export const ROUTINE_PER_DAY = 240;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Tags as the sender of a routine message may (or may not) write them. */
export function routineTags(rng: Rng, severity: Severity, host: Server, taggedShare = 0.25): Tagging {
  const r = rng.next();
  if (r >= taggedShare) return untagged();
  const mistakes = r < taggedShare * 0.15 ? someMistakes(rng) : [];
  const servers = rng.chance(0.85) ? [host.fqdn] : [];
  if (servers.length && rng.chance(0.15) && host.dependsOn.length) servers.push(server(rng.pick(host.dependsOn)).fqdn);
  return tagging({ severity: rng.chance(0.9) ? severity : null, org: rng.chance(0.85) ? host.org : null, servers, mistakes, alsoLower: rng.chance(0.05) }, rng);
}

const watched = SERVERS.filter((s) => !/^(mon1|zbx1|prom1)$/.test(s.host));

const NAGIOS_SERVICES = [
  { service: 'Disk /var', warn: (r: Rng) => `DISK WARNING - free space: /var ${r.int(900, 2000)} MB (${r.int(8, 12)}% inode=${r.int(70, 95)}%):`, ok: () => 'DISK OK - free space: /var 6120 MB (31% inode=88%):' },
  { service: 'Current Load', warn: (r: Rng) => `WARNING - load average: ${r.int(6, 9)}.${r.int(10, 99)}, ${r.int(5, 8)}.${r.int(10, 99)}, ${r.int(4, 7)}.${r.int(10, 99)}`, ok: () => 'OK - load average: 0.42, 0.61, 0.73' },
  { service: 'HTTP', warn: () => 'CRITICAL - Socket timeout after 10 seconds', ok: (r: Rng) => `HTTP OK: HTTP/1.1 200 OK - ${r.int(2000, 9000)} bytes in 0.0${r.int(10, 99)} second response time` },
  { service: 'NTP', warn: (r: Rng) => `NTP WARNING: Offset ${r.int(1, 3)}.${r.int(100, 999)} secs`, ok: () => 'NTP OK: Offset 0.0012 secs' },
  { service: 'Swap Usage', warn: (r: Rng) => `SWAP WARNING - ${r.int(10, 19)}% free (${r.int(200, 400)} MB out of 2047 MB)`, ok: () => 'SWAP OK - 97% free (1990 MB out of 2047 MB)' },
];

const ZABBIX_PROBLEMS: Array<{ problem: (h: string) => string; severity: 'Warning' | 'Average' | 'High' | 'Information'; opdata: (r: Rng) => string }> = [
  { problem: (h) => `High CPU utilization (over 90% for 5m) on ${h}`, severity: 'Warning', opdata: (r) => `Current utilization: ${r.int(90, 99)}.${r.int(0, 9)} %` },
  { problem: (h) => `Zabbix agent is not available (for 3m) on ${h}`, severity: 'Average', opdata: () => 'not available (0)' },
  { problem: (h) => `Lack of free swap space on ${h}`, severity: 'Warning', opdata: (r) => `Free: ${r.int(10, 90)} MB, total: 2 GB` },
  { problem: (h) => `Too many processes running on ${h}`, severity: 'Warning', opdata: (r) => `Processes: ${r.int(900, 1400)}` },
  { problem: (h) => `${h} has been restarted (uptime < 10m)`, severity: 'Information', opdata: (r) => `Uptime: 00:0${r.int(1, 9)}:${r.int(10, 59)}` },
];

const AM_ALERTS: Array<{ alertname: string; severity: 'info' | 'warning' | 'critical'; summary: string; job: string }> = [
  { alertname: 'HighLoad', severity: 'warning', summary: 'Load on {instance} is above 4 for 10 minutes', job: 'node' },
  { alertname: 'NodeFilesystemAlmostFull', severity: 'warning', summary: 'Filesystem on {instance} has less than 10% left', job: 'node' },
  { alertname: 'HttpLatencyHigh', severity: 'warning', summary: '99th percentile latency on {instance} is above 800ms', job: 'http' },
  { alertname: 'CertificateExpiringSoon', severity: 'info', summary: 'TLS certificate of {instance} expires in 21 days', job: 'blackbox' },
  { alertname: 'TargetDown', severity: 'critical', summary: '{instance} has been unreachable for 5 minutes', job: 'node' },
];

const CRON_JOBS: Array<{ command: string; output: (r: Rng, h: Server) => string; severity: Severity }> = [
  { command: '/usr/local/bin/rotate-logs', output: (r) => `rotated ${r.int(3, 40)} files in /var/log/app\ncompressed ${r.int(100, 900)} MB\n`, severity: 'info' },
  { command: 'test -x /usr/bin/certbot && certbot -q renew', output: () => 'Saving debug log to /var/log/letsencrypt/letsencrypt.log\nNo renewals were attempted.\n', severity: 'info' },
  { command: '/usr/lib/update-notifier/apt-check --human-readable', output: (r) => `${r.int(1, 40)} updates can be applied immediately.\n${r.int(0, 9)} of these updates are standard security updates.\n`, severity: 'warn' },
  { command: 'rsync -a --delete /srv/www/ /mnt/shared/www-mirror/', output: (r) => `file has vanished: "/srv/www/cache/${r.int(1000, 9999)}.tmp"\nrsync warning: some files vanished before they could be transferred (code 24) at main.c(1338) [sender=3.2.7]\n`, severity: 'warn' },
  { command: '/usr/local/sbin/check-raid', output: () => 'md0 : active raid1 sdb1[1] sda1[0]\n      976630464 blocks super 1.2 [2/2] [UU]\n', severity: 'info' },
];

const MONIT_EVENTS: Array<{ event: string; service: string; description: (r: Rng) => string; severity: Severity }> = [
  { event: 'Resource limit matched', service: 'system', description: (r) => `cpu usage of ${r.int(91, 99)}.${r.int(0, 9)}% matches resource limit [cpu usage > 90.0%]`, severity: 'warn' },
  { event: 'Resource limit succeeded', service: 'system', description: () => 'cpu usage check succeeded [current cpu usage = 12.3%]', severity: 'info' },
  { event: 'Connection failed', service: 'nginx', description: (r) => `failed protocol test [HTTP] at [localhost]:80 [TCP/IP] -- HTTP error: Server returned status 50${r.int(2, 4)}`, severity: 'critical' },
  { event: 'Connection succeeded', service: 'nginx', description: () => 'connection succeeded to [localhost]:80 [TCP/IP]', severity: 'info' },
  { event: 'Does not exist', service: 'php-fpm', description: () => 'process is not running', severity: 'critical' },
  { event: 'Exists', service: 'php-fpm', description: (r) => `process is running with pid ${r.int(1000, 60000)}`, severity: 'info' },
];

const JENKINS_JOBS = ['datamer-organizer', 'datamer-frontend', 'datamer-api', 'infra-ansible', 'ml-feature-pipeline'];
const AUTHORS = ['alice', 'bob', 'carol', 'dmitri', 'erin', 'farid'];
const CHANGES = ['Fix flaky rule-store test', 'Bump pg to 8.23', 'Add retry on SMTP 451', 'Refactor folder naming', 'Update haproxy health check', 'Speed up classifier'];

type Maker = (rng: Rng, at: number) => void;

export function routineTraffic(planner: Planner, rng: Rng, start: number, end: number, scale: number): void {
  const days = (end - start) / DAY;
  const count = Math.round(ROUTINE_PER_DAY * days * scale);
  const jobSerial = { build: 800, zabbix: 48000 };

  const makers: Array<readonly [Maker, number]> = [
    [(r, at) => {
      const host = r.pick(watched);
      const s = r.pick(NAGIOS_SERVICES);
      const recovery = r.chance(0.4);
      const state = recovery ? 'OK' : s.service === 'HTTP' ? 'CRITICAL' : 'WARNING';
      const severity: Severity = recovery ? 'info' : state === 'CRITICAL' ? 'critical' : 'warn';
      planner.plan(nagios, r, { at, host, tags: routineTags(r, severity, host), params: { type: 'service', notification: recovery ? 'RECOVERY' : 'PROBLEM', service: s.service, state, output: recovery ? s.ok(r) : s.warn(r) }, flags: recovery ? ['recovery'] : [] });
    }, 22],
    [(r, at) => {
      const host = r.pick(watched);
      const p = r.pick(ZABBIX_PROBLEMS);
      const resolved = r.chance(0.45);
      const severity: Severity = resolved || p.severity === 'Information' ? 'info' : p.severity === 'High' ? 'critical' : 'warn';
      planner.plan(zabbix, r, { at, host, tags: routineTags(r, severity, host), params: { status: resolved ? 'resolved' : 'problem', problem: p.problem(host.host), severity: p.severity, opdata: p.opdata(r), eventId: ++jobSerial.zabbix, lasted: r.int(3, 300) }, flags: resolved ? ['recovery'] : [] });
    }, 16],
    [(r, at) => {
      const a = r.pick(AM_ALERTS);
      const hosts = [r.pick(watched)];
      if (r.chance(0.2)) hosts.push(r.pick(watched.filter((h) => h !== hosts[0])));
      const resolved = r.chance(0.45);
      const severity: Severity = resolved || a.severity === 'info' ? 'info' : a.severity === 'warning' ? 'warn' : 'critical';
      const tags = routineTags(r, severity, hosts[0]!);
      planner.plan(alertmanager, r, { at, host: server('prom1'), tags, params: { status: resolved ? 'resolved' : 'firing', alertname: a.alertname, severity: a.severity, summary: a.summary, instances: hosts.map((h) => `${h.fqdn}:${a.job === 'node' ? 9100 : 443}`), job: a.job }, flags: resolved ? ['recovery'] : [] });
    }, 14],
    [(r, at) => {
      const host = r.pick(watched);
      const job = r.pick(CRON_JOBS);
      // Some old hosts mail through a mailer that adds no Message-ID.
      planner.plan(cron, r, { at, host, tags: routineTags(r, job.severity, host, 0.15), params: { command: job.command, output: job.output(r, host) }, noMessageId: /^(batch2|queue2|cache2)$/.test(host.host) });
    }, 16],
    [(r, at) => {
      const host = r.pick(watched);
      const e = r.pick(MONIT_EVENTS);
      planner.plan(monit, r, { at, host, tags: routineTags(r, e.severity, host), params: { event: e.event, service: e.service, action: 'alert', description: e.description(r) }, flags: e.severity === 'info' ? ['recovery'] : [] });
    }, 12],
    [(r, at) => {
      const result = r.weighted([['success', 5], ['failure', 3], ['fixed', 2], ['unstable', 1]] as const);
      const severity: Severity = result === 'failure' ? 'critical' : result === 'unstable' ? 'warn' : 'info';
      planner.plan(jenkins, r, { at, host: server('ci1'), tags: routineTags(r, severity, server('ci1')), params: { job: r.pick(JENKINS_JOBS), build: ++jobSerial.build, result, author: r.pick(AUTHORS), change: r.pick(CHANGES) } });
    }, 9],
    [(r, at) => {
      const host = r.pick(SERVERS.filter((s) => /^(db|nfs|backup|ml)/.test(s.host)));
      planner.plan(smartd, r, { at, host, tags: routineTags(r, 'warn', host), params: { device: r.pick(['/dev/sda', '/dev/sdb']), problem: 'Temperature', detail: `Temperature changed +${r.int(2, 6)} Celsius to ${r.int(41, 52)} Celsius since last report`, serial: `ZC${r.int(100000, 999999)}` } });
    }, 1],
  ];

  for (let i = 0; i < count; i++) {
    // More mail in working hours, as people and deploys make it.
    let at = start + rng.next() * (end - start);
    const hour = new Date(at).getUTCHours();
    if ((hour < 7 || hour > 19) && rng.chance(0.3)) at = start + rng.next() * (end - start);
    rng.weighted(makers)(rng, at);
  }

  // Nightly reports from every host: logwatch digests and incremental file backups, untagged.
  const logwatchHosts = SERVERS.filter((s) => /^(web[1-4]|api[1-2]|db\d|nfs1|batch1)$/.test(s.host));
  const backupClients = SERVERS.filter((s) => /^(web[1-3]|nfs1|ci1|mail1)$/.test(s.host));
  let jobId = 31000;
  for (let day = 0; day < Math.ceil(days); day++) {
    const midnight = start + day * DAY;
    for (const host of logwatchHosts) {
      const at = midnight + 3 * HOUR + rng.int(5, 25) * MINUTE + rng.int(0, 59) * 1000;
      if (at < end) planner.plan(logwatch, rng, { at, host, tags: untagged(), params: { failedLogins: rng.int(0, 400), diskUse: rng.int(20, 80), kernelErrors: rng.chance(0.05) ? rng.int(1, 9) : 0 } });
    }
    for (const host of backupClients) {
      const at = midnight + 22 * HOUR + rng.int(10, 100) * MINUTE;
      if (at < end) planner.plan(bareos, rng, { at, host, tags: untagged(), params: { client: `${host.host}-fd`, level: day % 7 === 6 ? 'Full' : 'Incremental', ok: rng.chance(0.95), jobId: ++jobId, fileset: 'LinuxAll', size: rng.int(1, 40) } });
    }
  }
}
