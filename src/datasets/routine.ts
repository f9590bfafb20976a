// Routine traffic: the daily noise of a monitoring mailbox. Problems that come and go, builds,
// cron output, nightly reports; a quarter of it tagged by senders who read docs/tags.md, a few
// of those with mistakes, the rest untagged. `--scale` multiplies it.
import { alertmanager, bareos, cron, jenkins, logwatch, monit, nagios, smartd, zabbix } from './formats/index.js';
import type { Planner } from './planner.js';
import type { Rng } from './prng.js';
import { SourceSpans } from './sources.js';
import { SERVERS, server, watchedFleet, type Server } from './topology.js';
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

// Monit alerts once when a test fails and once when it succeeds again (no reminders unless a
// `reminder` is configured: https://mmonit.com/monit/documentation/monit.html#Alert-messages).
const MONIT_CHECKS: Array<{ service: string; problem: string; recovery: string; description: (r: Rng) => string; back: (r: Rng) => string; severity: Severity }> = [
  { service: 'system', problem: 'Resource limit matched', recovery: 'Resource limit succeeded', description: (r) => `cpu usage of ${r.int(91, 99)}.${r.int(0, 9)}% matches resource limit [cpu usage > 90.0%]`, back: () => 'cpu usage check succeeded [current cpu usage = 12.3%]', severity: 'warn' },
  { service: 'nginx', problem: 'Connection failed', recovery: 'Connection succeeded', description: (r) => `failed protocol test [HTTP] at [localhost]:80 [TCP/IP] -- HTTP error: Server returned status 50${r.int(2, 4)}`, back: () => 'connection succeeded to [localhost]:80 [TCP/IP]', severity: 'critical' },
  { service: 'php-fpm', problem: 'Does not exist', recovery: 'Exists', description: () => 'process is not running', back: (r) => `process is running with pid ${r.int(1000, 60000)}`, severity: 'critical' },
];

const JENKINS_JOBS = ['datamer-organizer', 'datamer-frontend', 'datamer-api', 'infra-ansible', 'ml-feature-pipeline'];
const AUTHORS = ['alice', 'bob', 'carol', 'dmitri', 'erin', 'farid'];
const CHANGES = ['Fix flaky rule-store test', 'Bump pg to 8.23', 'Add retry on SMTP 451', 'Refactor folder naming', 'Update haproxy health check', 'Speed up classifier'];

/** how many messages a maker planned (0: no check was free for a new problem then) */
type Maker = (rng: Rng, at: number) => number;

/** A check a routine problem may hit: its sources (sources.ts), and how to plan one message of the problem. */
interface Check {
  sources: string[];
  plan: (at: number, recovery: boolean, problemId: string, first: boolean) => void;
}

/** A routine problem that lasts longer than a flap is this share of them. */
const SUSTAINED = 0.12;
/** Every routine problem recovers within this long: a flap in 2–30 minutes, a sustained one in 1–6 hours. */
export const ROUTINE_PROBLEM_MAX_MS = 6 * HOUR;
/**
 * How often a tool re-notifies a problem that has not recovered (null: it does not): Nagios'
 * `notification_interval` of the sample generic-service template (60 minutes), Alertmanager's
 * default `repeat_interval` (4 hours). Zabbix's default action has one step, and Monit sends no
 * reminders unless told to.
 */
export const RENOTIFY_MS: Record<string, number | null> = { nagios: HOUR, alertmanager: 4 * HOUR, zabbix: null, monit: null };

/** The times of a problem's mail: its PROBLEM, its re-notifications, then its RECOVERY. */
export function problemTimes(rng: Rng, at: number, renotifyMs: number | null): { problems: number[]; recovery: number } {
  const lasts = rng.chance(SUSTAINED) ? rng.int(60, 6 * 60) * MINUTE : rng.int(2, 29) * MINUTE + rng.int(0, 59) * 1000;
  const problems = [at];
  if (renotifyMs !== null) for (let t = at + renotifyMs; t < at + lasts; t += renotifyMs) problems.push(t);
  return { problems, recovery: at + lasts };
}

export function routineTraffic(planner: Planner, rng: Rng, start: number, end: number, scale: number, taken: SourceSpans = new SourceSpans()): void {
  const days = (end - start) / DAY;
  const count = Math.round(ROUTINE_PER_DAY * days * scale);
  const jobSerial = { build: 800, zabbix: 48000, problem: 0 };
  const watched = watchedFleet(scale);

  /**
   * One routine problem of a check: a PROBLEM, the tool's re-notifications while it lasts, and
   * its RECOVERY, all labelled as one problem in the truth. A check with a problem open (or that
   * an incident is reporting on) gets no new one: `pickFree` tries a few others. Mail after the
   * corpus's end is not written.
   */
  const problem = (r: Rng, at: number, tool: string, pick: () => Check): number => {
    const times = problemTimes(r, at, RENOTIFY_MS[tool] ?? null);
    for (let attempt = 0; attempt < 5; attempt++) {
      const check = pick();
      if (!taken.free(check.sources, at, times.recovery)) continue;
      taken.take(check.sources, at, times.recovery);
      const id = `routine-${++jobSerial.problem}`;
      const mail = [...times.problems.map((t, i) => ({ t, recovery: false, first: i === 0 })), { t: times.recovery, recovery: true, first: false }].filter((m) => m.t < end);
      for (const m of mail) check.plan(m.t, m.recovery, id, m.first);
      return mail.length;
    }
    return 0;
  };

  // Weights per draw; a problem is about two messages (PROBLEM and RECOVERY), so the tools with
  // state draw half as often as the mix of their messages says (22 Nagios : 16 Zabbix : 14
  // Alertmanager : 16 cron : 12 Monit : 9 Jenkins : 1 smartd).
  const makers: Array<readonly [Maker, number]> = [
    [(r, at) => problem(r, at, 'nagios', () => {
      const h = r.pick(watched);
      const svc = r.pick(NAGIOS_SERVICES);
      return {
        sources: [`nagios|${h.host}|${svc.service}`],
        plan: (when, recovery, id, first) => {
          const state = recovery ? 'OK' : svc.service === 'HTTP' ? 'CRITICAL' : 'WARNING';
          const severity: Severity = recovery ? 'info' : state === 'CRITICAL' ? 'critical' : 'warn';
          planner.plan(nagios, r, { at: when, host: h, tags: routineTags(r, severity, h), problem: id, params: { type: 'service', notification: recovery ? 'RECOVERY' : 'PROBLEM', service: svc.service, state, output: recovery ? svc.ok(r) : svc.warn(r) }, flags: recovery ? ['recovery'] : first ? [] : ['renotification'] });
        },
      };
    }), 10],
    [(r, at) => problem(r, at, 'zabbix', () => {
      const h = r.pick(watched);
      const p = r.pick(ZABBIX_PROBLEMS);
      const name = p.problem(h.host);
      const eventId = ++jobSerial.zabbix;
      return {
        sources: [`zabbix|${h.host}|${name}`],
        plan: (when, recovery, id) => {
          const severity: Severity = recovery || p.severity === 'Information' ? 'info' : p.severity === 'High' ? 'critical' : 'warn';
          planner.plan(zabbix, r, { at: when, host: h, tags: routineTags(r, severity, h), problem: id, params: { status: recovery ? 'resolved' : 'problem', problem: name, severity: p.severity, opdata: p.opdata(r), eventId, lasted: Math.max(1, Math.round((when - at) / MINUTE)) }, flags: recovery ? ['recovery'] : [] });
        },
      };
    }), 8],
    [(r, at) => problem(r, at, 'alertmanager', () => {
      const a = r.pick(AM_ALERTS);
      const hosts = [r.pick(watched)];
      if (r.chance(0.2)) hosts.push(r.pick(watched.filter((h) => h !== hosts[0])));
      return {
        sources: hosts.map((h) => `alertmanager|${h.host}|${a.alertname}`),
        plan: (when, recovery, id, first) => {
          const severity: Severity = recovery || a.severity === 'info' ? 'info' : a.severity === 'warning' ? 'warn' : 'critical';
          const tags = routineTags(r, severity, hosts[0]!);
          planner.plan(alertmanager, r, { at: when, host: server('prom1'), tags, problem: id, params: { status: recovery ? 'resolved' : 'firing', alertname: a.alertname, severity: a.severity, summary: a.summary, instances: hosts.map((h) => `${h.fqdn}:${a.job === 'node' ? 9100 : 443}`), job: a.job }, flags: recovery ? ['recovery'] : first ? [] : ['renotification'] });
        },
      };
    }), 7],
    [(r, at) => {
      const host = r.pick(watched);
      const job = r.pick(CRON_JOBS);
      // Some old hosts mail through a mailer that adds no Message-ID.
      planner.plan(cron, r, { at, host, tags: routineTags(r, job.severity, host, 0.15), params: { command: job.command, output: job.output(r, host) }, noMessageId: /^(batch2|queue2|cache2)$/.test(host.host) });
      return 1;
    }, 16],
    [(r, at) => problem(r, at, 'monit', () => {
      const h = r.pick(watched);
      const c = r.pick(MONIT_CHECKS);
      return {
        sources: [`monit|${h.host}|${c.service}`],
        plan: (when, recovery, id) => {
          planner.plan(monit, r, { at: when, host: h, tags: routineTags(r, recovery ? 'info' : c.severity, h), problem: id, params: { event: recovery ? c.recovery : c.problem, service: c.service, action: 'alert', description: recovery ? c.back(r) : c.description(r) }, flags: recovery ? ['recovery'] : [] });
        },
      };
    }), 6],
    [(r, at) => {
      const result = r.weighted([['success', 5], ['failure', 3], ['fixed', 2], ['unstable', 1]] as const);
      const severity: Severity = result === 'failure' ? 'critical' : result === 'unstable' ? 'warn' : 'info';
      planner.plan(jenkins, r, { at, host: server('ci1'), tags: routineTags(r, severity, server('ci1')), params: { job: r.pick(JENKINS_JOBS), build: ++jobSerial.build, result, author: r.pick(AUTHORS), change: r.pick(CHANGES) } });
      return 1;
    }, 9],
    [(r, at) => {
      const host = r.pick(SERVERS.filter((s) => /^(db|nfs|backup|ml)/.test(s.host)));
      planner.plan(smartd, r, { at, host, tags: routineTags(r, 'warn', host), params: { device: r.pick(['/dev/sda', '/dev/sdb']), problem: 'Temperature', detail: `Temperature changed +${r.int(2, 6)} Celsius to ${r.int(41, 52)} Celsius since last report`, serial: `ZC${r.int(100000, 999999)}` } });
      return 1;
    }, 1],
  ];

  // Makers are drawn until the day's share of routine mail is written; a problem is two or more
  // messages, so there are fewer draws than messages.
  let planned = 0;
  for (let draws = 0; planned < count && draws < 4 * count; draws++) {
    // More mail in working hours, as people and deploys make it.
    let at = start + rng.next() * (end - start);
    const hour = new Date(at).getUTCHours();
    if ((hour < 7 || hour > 19) && rng.chance(0.3)) at = start + rng.next() * (end - start);
    planned += rng.weighted(makers)(rng, at);
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
