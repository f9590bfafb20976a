// Online grouping's decision (src/correlation/grouping.ts) on small tables: a sequence of
// messages in arrival order goes in; which event each one ends in, and why, comes out.
import { expect } from 'chai';
import { DEFAULT_GROUPING, OpenEvents, SIGNALS, decide, kindOf, type GroupingSettings, type Signal } from '../../../src/correlation/grouping.js';
import type { GroupingKeys } from '../../../src/correlation/grouping-keys.js';

const MINUTE = 60_000;

/** A message's keys: a Nagios-like problem unless told otherwise. */
const msg = (k: Partial<GroupingKeys>): GroupingKeys => ({
  sig: 1, hosts: ['web1.example.test'], org: 'lk.storage', tool: 'nagios', check: 'NFS mount', state: 'problem', severity: 'critical', routine: false, rule: null, ...k,
});

interface Step {
  keys: GroupingKeys;
  /** minutes since the first message */
  at: number;
}

/**
 * A day of everyday mail before the first step (events 1000 and up): 96 load warnings from 8
 * hosts of another org, so that DaTamer knows what is usual and what is rare.
 */
function everyday(open: OpenEvents): void {
  for (let i = 0; i < 96; i++) {
    const at = (-24 * 60 + i * 15) * MINUTE;
    open.prune(at);
    open.open(1000 + i, msg({ sig: 99, tool: 'nagios', check: 'Current Load', severity: 'warn', hosts: [`bg${i % 8}.example.test`], org: 'lk.batch' }), at);
  }
}

/**
 * Runs the messages through decide() as the commit does; answers each one's event (1, 2, … in
 * order of opening) at the end, after any merge, and the reason it was given when it came.
 */
function run(steps: Step[], settings: Partial<GroupingSettings> = {}, history = false) {
  const open = new OpenEvents({ ...DEFAULT_GROUPING, ...settings });
  if (history) everyday(open);
  let next = 1;
  const out: Array<{ event: number; reason: string; completes: boolean }> = [];
  const mergedInto = new Map<number, number>();
  for (const { keys, at } of steps) {
    const ms = at * MINUTE;
    open.prune(ms);
    const d = decide(open, keys, ms);
    if (d.attach) {
      const event = open.events.get(d.eventId)!;
      open.add(event, keys, ms);
      if (d.completes) open.remove(d.eventId);
      for (const m of d.merges) {
        open.merge(m.from, m.into);
        mergedInto.set(m.from, m.into);
      }
      out.push({ event: d.eventId, reason: d.reason, completes: d.completes });
    } else {
      const id = next++;
      open.open(id, keys, ms);
      if (!d.groupable) open.remove(id);
      out.push({ event: id, reason: d.reason, completes: false });
    }
  }
  const final = (id: number): number => (mergedInto.has(id) ? final(mergedInto.get(id)!) : id);
  return out.map((r) => ({ ...r, event: final(r.event) }));
}

const events = (steps: Step[], settings?: Partial<GroupingSettings>, history = false) => run(steps, settings, history).map((r) => r.event);
const only = (...signals: Signal[]) => ({ signals });

describe('grouping: where a message goes, and why', () => {
  const storm = Array.from({ length: 14 }, (_, i) => ({ keys: msg({ hosts: [`web${i + 1}.example.test`] }), at: i * 0.3 }));

  const table: Array<{ why: string; steps: Step[]; events: number[]; settings?: Partial<GroupingSettings>; history?: boolean }> = [
    { why: 'a storm of one signature from 14 hosts is one event', steps: storm, events: Array(14).fill(1) },
    { why: 'with every signal off, each message is an event of its own (B0)', steps: storm.slice(0, 3), events: [1, 2, 3], settings: only() },
    {
      why: 'a repeat of the same host and check joins, long after, even with the windowed signals off',
      steps: [{ keys: msg({}), at: 0 }, { keys: msg({}), at: 100 }],
      events: [1, 1],
      settings: only('repeat'),
    },
    {
      why: 'the same host and check after the repeat time (two hours, the cook-for time) opens a new event',
      steps: [{ keys: msg({}), at: 0 }, { keys: msg({}), at: 5 * 60 }],
      events: [1, 2],
    },
    {
      why: 'a problem heard of again after more than two hours opens a new event: an event that stopped growing takes no new incident’s first mail',
      steps: [{ keys: msg({}), at: 0 }, { keys: msg({}), at: 150 }],
      events: [1, 2],
      settings: only('repeat'),
    },
    {
      why: 'a recovery joins its problem’s event, however long after, within a day',
      steps: [{ keys: msg({}), at: 0 }, { keys: msg({ sig: 2, state: 'recovery', severity: 'info' }), at: 20 * 60 }],
      events: [1, 1],
      settings: only('recovery'),
    },
    {
      why: 'a second recovery of a check that already recovered does not join: the event holds no problem of it any more',
      steps: [{ keys: msg({}), at: 0 }, { keys: msg({ sig: 2, state: 'recovery', severity: 'info' }), at: 5 }, { keys: msg({ sig: 2, state: 'recovery', severity: 'info' }), at: 30 }],
      events: [1, 1, 2],
      settings: { ...only('recovery'), recoveryCompletes: false },
    },
    {
      why: 'the same signature from another host outside the window opens a new event',
      steps: [{ keys: msg({}), at: 0 }, { keys: msg({ hosts: ['web2.example.test'] }), at: 16 }],
      events: [1, 2],
    },
    {
      why: 'each related message extends the window ("cook for"), up to the maximum',
      steps: [0, 10, 20, 30, 40, 50].map((at, i) => ({ keys: msg({ hosts: [`web${i}.example.test`] }), at })),
      events: [1, 1, 1, 1, 1, 1],
      // The whole storm is the burst being judged: none of it makes the kind usual.
      settings: { recentMs: 2 * 60 * MINUTE },
    },
    {
      why: 'past the cook-for maximum a windowed signal no longer joins',
      steps: [0, 10, 20, 30].map((at, i) => ({ keys: msg({ hosts: [`web${i}.example.test`] }), at })),
      events: [1, 1, 1, 2],
      settings: { cookForMs: 25 * MINUTE, recentMs: 2 * 60 * MINUTE },
    },
    {
      why: 'the same host inside the window joins, whatever the tool, when both are rare for their kinds',
      steps: [{ keys: msg({}), at: 0 }, { keys: msg({ sig: 9, tool: 'zabbix', check: 'NFS', org: null }), at: 5 }],
      events: [1, 1],
      settings: only('host'),
      history: true,
    },
    {
      why: 'a host’s own everyday mail inside an incident stays out of it: the same host is not enough',
      // bg5 sent its load warning 12 times in the day of history, the last more than the repeat time before.
      steps: [{ keys: msg({ hosts: ['bg5.example.test'] }), at: 90 }, { keys: msg({ sig: 99, check: 'Current Load', severity: 'warn', hosts: ['bg5.example.test'], org: 'lk.batch' }), at: 92 }],
      events: [1, 2],
      history: true,
    },
    {
      why: 'mail everyday for the fleet stays out of an incident on a host that has not sent it in a day: a busy host’s checks fail one after the other',
      // Eight other hosts warn of their load every quarter of an hour: everyday for the fleet, new from web5.
      steps: [{ keys: msg({ hosts: ['web5.example.test'] }), at: 0 }, { keys: msg({ sig: 99, check: 'Current Load', severity: 'warn', hosts: ['web5.example.test'] }), at: 2 }],
      events: [1, 2],
      history: true,
    },
    {
      why: 'a kind seen once yesterday elsewhere, no longer rare for the fleet, joins rare mail of a host it is new from',
      steps: [
        { keys: msg({ sig: 98, check: 'Disk /var', hosts: ['bg3.example.test'], org: 'lk.batch' }), at: -20 * 60 },
        { keys: msg({ hosts: ['web5.example.test'] }), at: 0 },
        { keys: msg({ sig: 98, check: 'Disk /var', hosts: ['web5.example.test'] }), at: 2 },
      ],
      events: [1, 2, 2],
      history: true,
    },
    {
      why: 'and the same when the kind new from the host comes first and the rare mail after',
      steps: [
        { keys: msg({ sig: 98, check: 'Disk /var', hosts: ['bg3.example.test'], org: 'lk.batch' }), at: -20 * 60 },
        { keys: msg({ sig: 98, check: 'Disk /var', hosts: ['web5.example.test'] }), at: 0 },
        { keys: msg({ hosts: ['web5.example.test'] }), at: 2 },
      ],
      events: [1, 2, 2],
      history: true,
    },
    {
      why: 'a kind its host sent once yesterday (yesterday’s incident on it) is still news from it today',
      steps: [
        { keys: msg({ sig: 98, check: 'Disk /var', hosts: ['web5.example.test'] }), at: -20 * 60 },
        { keys: msg({ hosts: ['web5.example.test'] }), at: 0 },
        { keys: msg({ sig: 98, check: 'Disk /var', hosts: ['web5.example.test'] }), at: 2 },
      ],
      events: [1, 2, 2],
      history: true,
    },
    {
      why: 'on a new tenant nothing is news from a host yet: every kind is new from every host',
      steps: [{ keys: msg({ sig: 98, check: 'Disk /var', hosts: ['web5.example.test'] }), at: 0 }, { keys: msg({ sig: 97, tool: 'zabbix', check: 'Zabbix agent is not available', hosts: ['web5.example.test'] }), at: 2 }],
      events: [1, 2],
    },
    {
      why: 'a disk failing over hours is one event: unusual mail naming the path of a problem still in trouble joins it, beyond the window',
      steps: [
        { keys: msg({ sig: 41, tool: 'smartd', check: 'CurrentPendingSector /dev/sdb', severity: 'warn', hosts: ['db2.example.test'], org: 'lk.db' }), at: 0 },
        { keys: msg({ sig: 42, tool: 'smartd', check: 'OfflineUncorrectable /dev/sdb', severity: 'critical', hosts: ['db2.example.test'], org: 'lk.db' }), at: 4 * 60 },
        { keys: msg({ sig: 43, tool: 'smartd', check: 'OfflineUncorrectable /dev/sda', severity: 'critical', hosts: ['db2.example.test'], org: 'lk.db' }), at: 5 * 60 },
      ],
      events: [1, 1, 2],
      history: true,
    },
    {
      why: 'a build failing in the minute a disk failing for hours reports again is a coincidence: it opens its own event',
      steps: [
        { keys: msg({ sig: 41, tool: 'smartd', check: 'CurrentPendingSector /dev/sdb', severity: 'warn', hosts: ['db2.example.test'], org: 'lk.db' }), at: 0 },
        { keys: msg({ sig: 42, tool: 'smartd', check: 'OfflineUncorrectable /dev/sdb', severity: 'critical', hosts: ['db2.example.test'], org: 'lk.db' }), at: 5 * 60 },
        { keys: msg({ sig: 50, tool: 'jenkins', check: 'infra-ansible', severity: 'critical', hosts: ['ci1.example.test'], org: 'lk.tools' }), at: 5 * 60 + 1 },
      ],
      events: [1, 1, 2],
      history: true,
    },
    {
      why: 'a disk filling up over hours is one event: its warnings, then its criticals and the other tools’ mail of the flare-up',
      steps: [
        { keys: msg({ sig: 98, check: 'Disk /var', severity: 'warn', hosts: ['db3.example.test'], org: 'lk.db' }), at: 0 },
        { keys: msg({ sig: 97, tool: 'zabbix', check: '/var: Disk space is low (used > 80%) on db3', severity: 'warn', hosts: ['db3.example.test'], org: 'lk.db' }), at: 2 },
        { keys: msg({ sig: 96, check: 'Disk /var', severity: 'critical', hosts: ['db3.example.test'], org: 'lk.db' }), at: 3 * 60 },
        { keys: msg({ sig: 95, tool: 'alertmanager', check: 'NodeFilesystemAlmostFull', severity: 'critical', hosts: ['db3.example.test'], org: 'lk.db' }), at: 3 * 60 + 2 },
      ],
      events: [1, 1, 1, 1],
      history: true,
    },
    {
      why: 'yesterday’s failure of the same device is not today’s: smartd never says a problem recovered',
      steps: [
        { keys: msg({ sig: 41, tool: 'smartd', check: 'CurrentPendingSector /dev/sdb', severity: 'warn', hosts: ['db2.example.test'], org: 'lk.db' }), at: -20 * 60 },
        { keys: msg({ sig: 42, tool: 'smartd', check: 'OfflineUncorrectable /dev/sdb', severity: 'critical', hosts: ['db2.example.test'], org: 'lk.db' }), at: 0 },
      ],
      events: [1, 2],
      history: true,
    },
    {
      why: 'a cron job’s command is no path on its host: two jobs of one script hours apart are two events',
      steps: [
        { keys: msg({ sig: 60, tool: 'cron', check: '/usr/local/bin/promote-if-primary-down', severity: null, hosts: ['db2.example.test'], org: 'lk.db' }), at: 0 },
        { keys: msg({ sig: 61, tool: 'monit', check: 'Program /usr/local/bin/promote-if-primary-down', severity: 'critical', hosts: ['db2.example.test'], org: 'lk.db' }), at: 3 * 60 },
      ],
      events: [1, 2],
      history: true,
    },
    {
      why: 'but not once that problem has recovered',
      steps: [
        { keys: msg({ sig: 1, tool: 'zabbix', check: 'SMART: Disk /dev/sdb has pending sectors on db2', severity: 'warn', hosts: ['db2.example.test'], org: 'lk.db' }), at: 0 },
        { keys: msg({ sig: 2, tool: 'zabbix', check: 'SMART: Disk /dev/sdb has pending sectors on db2', state: 'recovery', severity: 'info', hosts: ['db2.example.test'], org: 'lk.db' }), at: 30 },
        { keys: msg({ sig: 42, tool: 'smartd', check: 'OfflineUncorrectable /dev/sdb', severity: 'critical', hosts: ['db2.example.test'], org: 'lk.db' }), at: 4 * 60 },
      ],
      events: [1, 1, 2],
      history: true,
    },
    {
      why: 'a host’s own flapping check stays out of an incident on it: what it sent twice this hour is no news from it',
      steps: [
        { keys: msg({ sig: 98, check: 'Disk /var', hosts: ['bg3.example.test'], org: 'lk.batch' }), at: -20 * 60 },
        { keys: msg({ sig: 98, check: 'Disk /var', hosts: ['web5.example.test'] }), at: 0 },
        { keys: msg({ sig: 96, check: 'Disk /var', state: 'recovery', severity: 'info', hosts: ['web5.example.test'] }), at: 5 },
        { keys: msg({ sig: 98, check: 'Disk /var', hosts: ['web5.example.test'] }), at: 30 },
        { keys: msg({ sig: 96, check: 'Disk /var', state: 'recovery', severity: 'info', hosts: ['web5.example.test'] }), at: 35 },
        { keys: msg({ hosts: ['web5.example.test'] }), at: 60 },
        { keys: msg({ sig: 98, check: 'Disk /var', hosts: ['web5.example.test'] }), at: 62 },
      ],
      events: [1, 2, 2, 3, 3, 4, 5],
      history: true,
    },
    {
      why: 'a warning a device has been repeating for hours does not join the first mail of its failure by naming the same device',
      steps: [
        { keys: msg({ sig: 40, tool: 'smartd', check: 'Temperature /dev/sdb', severity: 'warn', hosts: ['db2.example.test'], org: 'lk.db' }), at: 0 },
        { keys: msg({ sig: 40, tool: 'smartd', check: 'Temperature /dev/sdb', severity: 'warn', hosts: ['db2.example.test'], org: 'lk.db' }), at: 100 },
        { keys: msg({ sig: 41, tool: 'smartd', check: 'CurrentPendingSector /dev/sdb', severity: 'warn', hosts: ['db2.example.test'], org: 'lk.db' }), at: 105 },
      ],
      events: [1, 1, 2],
      settings: only('repeat', 'host'),
    },
    {
      why: 'while the same device’s warning and its failure coming together are one problem',
      steps: [
        { keys: msg({ sig: 40, tool: 'smartd', check: 'Temperature /dev/sdb', severity: 'warn', hosts: ['db2.example.test'], org: 'lk.db' }), at: 100 },
        { keys: msg({ sig: 41, tool: 'smartd', check: 'CurrentPendingSector /dev/sdb', severity: 'warn', hosts: ['db2.example.test'], org: 'lk.db' }), at: 105 },
      ],
      events: [1, 1],
      settings: only('repeat', 'host'),
    },
    {
      why: 'a check that fires somewhere every quarter of an hour is no storm when two hosts send it',
      steps: [{ keys: msg({ sig: 99, check: 'Current Load', severity: 'warn', hosts: ['web5.example.test'] }), at: 0 }, { keys: msg({ sig: 99, check: 'Current Load', severity: 'warn', hosts: ['web6.example.test'] }), at: 3 }],
      events: [1, 2],
      history: true,
    },
    {
      why: 'rare mail of other hosts and tools arriving together joins: a file server’s alert and its clients’ complaints',
      steps: [
        { keys: msg({ sig: 5, check: 'NFS server', hosts: ['nfs1.example.test'], org: 'lk.storage' }), at: 0 },
        { keys: msg({ sig: 7, tool: 'monit', check: 'Timestamp failed shared_mount', hosts: ['web1.example.test'], org: 'lk.web' }), at: 1 },
        { keys: msg({ sig: 8, tool: 'cron', check: '/usr/local/bin/sync-assets.sh', severity: null, hosts: ['web2.example.test'], org: null }), at: 2 },
      ],
      events: [1, 1, 1],
      history: true,
    },
    {
      why: 'rare mail about no host (a failed build that links to its CI server) does not join rare mail arriving at the same time',
      steps: [
        { keys: msg({ sig: 5, check: 'NFS server', hosts: ['nfs1.example.test'], org: 'lk.storage' }), at: 0 },
        { keys: msg({ sig: 7, tool: 'jenkins', check: 'infra-ansible', hosts: [], mentions: ['ci1.example.test'], org: null }), at: 1 },
      ],
      events: [1, 2],
      history: true,
    },
    {
      why: 'rare mail arriving together does not join when the tenant is new and nothing is known to be rare',
      steps: [
        { keys: msg({ sig: 5, check: 'NFS server', hosts: ['nfs1.example.test'], org: 'lk.storage' }), at: 0 },
        { keys: msg({ sig: 7, tool: 'monit', check: 'Timestamp failed shared_mount', hosts: ['web1.example.test'], org: 'lk.web' }), at: 1 },
      ],
      events: [1, 2],
    },
    {
      why: 'one problem that names each host in its check is one kind of mail: a storm',
      steps: ['web1', 'web2', 'web3'].map((h, i) => ({ keys: msg({ sig: null, tool: 'zabbix', check: `/var: Disk space is low on ${h}`, hosts: [`${h}.example.test`] }), at: i })),
      events: [1, 1, 1],
      settings: only('storm'),
    },
    {
      why: 'quieter mail of a check after its louder problem is not a repeat of it',
      steps: [{ keys: msg({ severity: 'critical' }), at: 0 }, { keys: msg({ severity: 'warn' }), at: 40 }],
      events: [1, 2],
      settings: only('repeat'),
    },

    {
      why: 'mail that names the host another message is about joins it ("at [db1.example.test]:5432")',
      steps: [
        { keys: msg({ hosts: ['db1.example.test'] }), at: 0 },
        { keys: msg({ sig: 7, tool: 'monit', check: 'postgres-primary', hosts: ['api1.example.test'], mentions: ['db1.example.test'], org: null }), at: 2 },
        { keys: msg({ sig: 8, tool: 'monit', check: 'nginx', hosts: ['web9.example.test'], mentions: ['cdn.example.test'], org: null }), at: 3 },
      ],
      events: [1, 1, 2],
      settings: only('mention'),
      history: true,
    },
    {
      why: 'hosts of one org inside the window join',
      steps: [{ keys: msg({}), at: 0 }, { keys: msg({ sig: 9, tool: 'monit', check: 'shared_mount', hosts: ['app7.example.test'] }), at: 5 }],
      events: [1, 1],
      settings: only('org'),
      history: true,
    },
    {
      why: 'routine mail is never grouped, and nothing joins it',
      steps: [
        { keys: msg({ routine: true, state: 'information', severity: 'info' }), at: 0 },
        { keys: msg({ routine: true, state: 'information', severity: 'info' }), at: 1 },
        { keys: msg({}), at: 2 },
      ],
      events: [1, 2, 3],
    },
    {
      why: 'routine mail in the middle of a storm stays out of it',
      steps: [...storm.slice(0, 2), { keys: msg({ routine: true, sig: 5, tool: null, check: null, state: null, severity: null }), at: 0.7 }, storm[2]!],
      events: [1, 1, 2, 1],
    },
    {
      why: 'a rule that says never group keeps the mail apart, and nothing joins it',
      steps: [{ keys: msg({ rule: 'never' }), at: 0 }, { keys: msg({ rule: 'never' }), at: 1 }, { keys: msg({}), at: 2 }],
      events: [1, 2, 3],
    },
    {
      why: 'a rule that says always a new event opens one, and later mail may join it',
      steps: [{ keys: msg({}), at: 0 }, { keys: msg({ rule: 'new' }), at: 1 }, { keys: msg({ hosts: ['web9.example.test'] }), at: 2 }],
      events: [1, 2, 2],
    },
    {
      why: 'mail without a host is not a storm: one signature alone says nothing about one incident',
      steps: [{ keys: msg({ hosts: [], tool: null, check: null }), at: 0 }, { keys: msg({ hosts: [], tool: null, check: null }), at: 1 }],
      events: [1, 2],
    },
  ];

  for (const row of table) {
    it(row.why, () => {
      expect(events(row.steps, row.settings, row.history)).to.deep.equal(row.events);
    });
  }

  it('explains a storm in words a person reads', () => {
    const reasons = run(storm).map((r) => r.reason);
    expect(reasons[0]).to.equal('opened: no open event matches');
    expect(reasons[13]).to.equal('joined #1: same signature as 13 messages from 13 hosts of lk.storage in the last 4 minutes');
  });

  it('says why rare mail of other hosts joined: how rare it is', () => {
    const out = run([
      { keys: msg({ sig: 5, check: 'NFS server', hosts: ['nfs1.example.test'], org: 'lk.storage' }), at: 0 },
      { keys: msg({ sig: 7, tool: 'monit', check: 'Timestamp failed shared_mount', hosts: ['web1.example.test'], org: 'lk.web' }), at: 1 },
      { keys: msg({ sig: 9, tool: 'zabbix', check: 'NFS client stale on web1', hosts: ['web1.example.test'], org: 'lk.web' }), at: 2 },
    ], {}, true);
    expect(out[1]!.reason).to.equal('joined #1: rare mail arriving together: monit timestamp shared_mount (usually almost never in 10 minutes) with 1 message from 1 host of lk.storage in the last 1 minute');
    expect(out[2]!.reason).to.equal('joined #1: same host web1 as 1 message from 1 host of lk.web in the last 1 minute, all rare for their kinds (zabbix nfs client stale on <host>: usually almost never in 10 minutes)');
  });

  it('joins two tools’ problems with one path on one host, however everyday each kind is', () => {
    // A day in which Nagios's `Disk /var` warns somewhere every quarter of an hour: everyday mail.
    const day = Array.from({ length: 96 }, (_, i) => ({ keys: msg({ sig: 98, check: 'Disk /var', severity: 'warn', hosts: [`bg${i % 8}.example.test`], org: 'lk.batch' }), at: -24 * 60 + i * 15 }));
    const disk = msg({ sig: 98, check: 'Disk /var', severity: 'warn', hosts: ['db3.example.test'], org: 'lk.db' });
    const zabbix = msg({ sig: 97, tool: 'zabbix', check: '/var: Disk space is low (used > 80%) on db3', severity: 'warn', hosts: ['db3.example.test'], org: 'lk.db' });
    const out = run([...day, { keys: disk, at: 0 }, { keys: zabbix, at: 1 }]).slice(-2);
    expect(out[1]).to.deep.include({ event: out[0]!.event, reason: `joined #${out[0]!.event}: same host db3 and the same /var as 1 message from 1 host of lk.db in the last 1 minute` });
    // Everyday mail of the same check on another host is no part of it.
    expect(run([...day, { keys: disk, at: 0 }, { keys: { ...zabbix, hosts: ['db4.example.test'], check: '/var: Disk space is low (used > 80%) on db4' }, at: 1 }]).slice(-2).map((r) => r.event)).to.satisfy(([a, b]: number[]) => a !== b);
  });

  describe('events that merge: one message shows two events are one incident', () => {
    // A tenant's first hours (no history): no kind is rare yet, so each tool's storm of an NFS
    // glitch opens an event of its own until a client's mail storms in two of them.
    const nfs = (host: string) => msg({ sig: 1, tool: 'nagios', check: 'NFS mount /mnt/shared', hosts: [`${host}.example.test`], org: null });
    const monit = (host: string) => msg({ sig: 2, tool: 'monit', check: 'Timestamp failed shared_mount', severity: null, hosts: [`${host}.example.test`], org: null });
    const glitch = [
      { keys: nfs('web1'), at: 0 }, { keys: nfs('web2'), at: 0.3 }, { keys: nfs('web3'), at: 0.6 },
      { keys: monit('web1'), at: 1 }, { keys: monit('web2'), at: 1.3 }, { keys: monit('web3'), at: 1.6 },
    ];

    it('merges the storms of two tools over the same hosts into the older event, and says why', () => {
      const open = new OpenEvents(DEFAULT_GROUPING);
      const ids: number[] = [];
      let merge: ReturnType<typeof decide> | null = null;
      for (const [i, { keys, at }] of glitch.entries()) {
        const d = decide(open, keys, at * MINUTE);
        if (d.attach) {
          open.add(open.events.get(d.eventId)!, keys, at * MINUTE);
          for (const m of d.merges) open.merge(m.from, m.into);
          if (d.merges.length > 0) merge = d;
          ids.push(d.eventId);
        } else open.open(i + 1, keys, at * MINUTE), ids.push(i + 1);
      }
      // The second Monit message storms in its own event (4) and over web2, where Nagios storms (1).
      expect(ids).to.deep.equal([1, 1, 1, 4, 4, 1]);
      expect(merge).to.deep.include({ eventId: 4, signal: 'storm' });
      expect((merge as { merges: unknown[] }).merges).to.deep.equal([{
        from: 4, into: 1,
        note: 'one message joins both: same signature as 1 message from 1 host in the last minute; monit timestamp shared_mount storms over web2, as nagios nfs mount /mnt/shared does: 3 messages from 3 hosts in the last 1 minute',
      }]);
      expect([...open.events.keys()]).to.deep.equal([1]);
      expect(open.events.get(1)!.members).to.have.length(6);
    });

    it('leaves one tool’s storm apart from another’s on other hosts', () => {
      const elsewhere = glitch.map((s) => (s.keys.tool === 'monit' ? { ...s, keys: { ...s.keys, hosts: s.keys.hosts.map((h) => h.replace('web', 'db')) } } : s));
      expect(events(elsewhere)).to.deep.equal([1, 1, 1, 2, 2, 2]);
    });

    it('joins the load balancer’s word that api4 is down to api4’s own critical problem, and not to its warnings', () => {
      // A day in which Prometheus's TargetDown fires somewhere every two hours (not rare) and
      // Zabbix's swap warning every quarter of an hour (everyday mail).
      const day = Array.from({ length: 96 }, (_, i) => [
        ...(i % 8 === 0 ? [{ keys: msg({ sig: 50, tool: 'alertmanager', check: 'TargetDown', hosts: [`bg${i % 7}.example.test`], org: 'lk.batch' }), at: -24 * 60 + i * 15 }] : []),
        ...(i % 8 === 4 ? [{ keys: msg({ sig: 54, tool: 'nagios', check: 'HTTP', hosts: [`bg${i % 7}.example.test`], org: 'lk.batch' }), at: -24 * 60 + i * 15 }] : []),
        { keys: msg({ sig: 51, tool: 'zabbix', check: 'Lack of free swap space', severity: 'warn', hosts: [`bg${i % 8}.example.test`], org: 'lk.batch' }), at: -24 * 60 + i * 15 + 5 },
      ]).flat();
      const api4 = (k: Partial<GroupingKeys>) => msg({ hosts: ['api4.example.test'], org: 'lk.api', ...k });
      const steps = [
        { keys: api4({ sig: 50, tool: 'alertmanager', check: 'TargetDown' }), at: 0 },
        { keys: api4({ sig: 51, tool: 'zabbix', check: 'Lack of free swap space', severity: 'warn' }), at: 0.5 },
        { keys: msg({ sig: 52, tool: 'monit', check: 'Content failed haproxy-backends', severity: null, hosts: ['lb1.example.test'], mentions: ['api4.example.test'], org: 'lk.lb' }), at: 1 },
        // Three minutes after the naming: api4's warning (rare, arriving with rare mail) stays its own.
        { keys: api4({ sig: 53, tool: 'zabbix', check: 'High CPU utilization', severity: 'warn' }), at: 4 },
      ];
      const out = run([...day, ...steps]).slice(-4);
      const [down, swap, cpu] = [out[0]!.event, out[1]!.event, out[3]!.event];
      expect(out[2]!.event).to.equal(down);
      expect(out[2]!.reason).to.equal(`joined #${down}: names api4, whose own critical problem came just before: 1 message from 1 host of lk.api in the last 1 minute`);
      expect(new Set([down, swap, cpu]).size).to.equal(3);
      // A critical problem of api4 then is the outage's.
      const loud = run([...day, ...steps.slice(0, 3), { keys: { ...steps[3]!.keys, severity: 'critical' }, at: 4 }]).slice(-4);
      expect(loud[3]).to.deep.include({ event: loud[0]!.event, reason: `joined #${loud[0]!.event}: names or is about api4, as 1 message from 1 host of lk.lb in the last 3 minutes` });
      // And so is api4's own HTTP CRITICAL then, a kind the fleet sends every two hours.
      const http = run([...day, ...steps.slice(0, 3), { keys: api4({ sig: 54, tool: 'nagios', check: 'HTTP' }), at: 4 }]).slice(-4);
      expect(http[3]).to.deep.include({ event: http[0]!.event, reason: `joined #${http[0]!.event}: a critical problem of api4, which 1 message from 1 host of lk.lb in the last 3 minutes named just before` });
    });

    it('keeps a failed build apart from a critical problem of the CI server its links name', () => {
      // Builds fail every two hours: not rare, not everyday. The CI server's mount fails critically.
      const day = Array.from({ length: 12 }, (_, i) => ({ keys: msg({ sig: 60, tool: 'jenkins', check: 'Build failed', hosts: [], mentions: ['ci1.example.test'], org: 'lk.ci' }), at: -24 * 60 + i * 120 }));
      const steps = [
        { keys: msg({ sig: 61, hosts: ['ci1.example.test'], org: 'lk.ci' }), at: 0 },
        { keys: msg({ sig: 60, tool: 'jenkins', check: 'Build failed', hosts: [], mentions: ['ci1.example.test'], org: 'lk.ci' }), at: 1 },
      ];
      const out = run([...day, ...steps]).slice(-2);
      expect(out[1]!.event).not.to.equal(out[0]!.event);
      // Nor does the server's critical problem join the build that named it a minute before.
      const after = run([...day, steps[1]!, { ...steps[0]!, at: 2 }]).slice(-2);
      expect(after[1]!.event).not.to.equal(after[0]!.event);
    });

    it('merges no storms on a tenant’s first hours while every kind storms: storms together say little then', () => {
      // Twenty kinds storming over two hosts each in the first forty minutes: the fleet's background,
      // whose rates are not known yet.
      const noise = Array.from({ length: 20 }, (_, k) => [0, 1].map((j) => ({ keys: msg({ sig: 100 + k, tool: 'zabbix', check: `Check ${k}`, hosts: [`n${k}x${j}.example.test`], org: null }), at: k * 2 + j * 0.5 }))).flat();
      const later = glitch.map((s) => ({ ...s, at: s.at + 45 }));
      const out = events([...noise, ...later]).slice(-6);
      expect(out.slice(0, 3)).to.satisfy((e: number[]) => e.every((x) => x === e[0]));
      expect(out.slice(3)).to.satisfy((e: number[]) => e.every((x) => x === e[0]));
      expect(out[3]).not.to.equal(out[0]);
      // Alone, the same glitch is one event.
      expect(new Set(events(glitch)).size).to.equal(1);
    });

    it('merges nothing for mail that merely arrives together with rare mail of another event', () => {
      // db3's /var fills; six minutes later a build fails on ci1, and Zabbix says db3's /var is
      // low half a minute after that: it joins db3's event by the path, and the build, which it
      // only arrived together with, stays apart.
      const steps = [
        { keys: msg({ sig: 6, check: 'Disk /var', severity: 'warn', hosts: ['db3.example.test'], org: 'lk.db' }), at: 0 },
        { keys: msg({ sig: 5, tool: 'jenkins', check: 'Build failed', hosts: ['ci1.example.test'], org: 'lk.ci' }), at: 6 },
        { keys: msg({ sig: 7, tool: 'zabbix', check: '/var: Disk space is low on db3', severity: 'warn', hosts: ['db3.example.test'], org: 'lk.db' }), at: 6.5 },
      ];
      const out = run(steps, {}, true);
      expect(out.map((r) => r.event)).to.deep.equal([1, 2, 1]);
      expect(out[2]!.reason).to.match(/^joined #1: same host db3 /);
    });
  });

  it('takes no news from a host while hosts send such news every few hours: then it is coincidence', () => {
    const incident = [
      { keys: msg({ sig: 98, check: 'Disk /var', hosts: ['bg3.example.test'], org: 'lk.batch' }), at: -20 * 60 },
      { keys: msg({ hosts: ['web5.example.test'] }), at: 0 },
      { keys: msg({ sig: 98, check: 'Disk /var', hosts: ['web5.example.test'] }), at: 2 },
    ];
    expect(events(incident, {}, true)).to.deep.equal([1, 2, 2]);
    // A day in which every hour a check fails on one host and, 40 minutes later, on a host that
    // never sent it: news from three hosts every hour.
    const news = Array.from({ length: 24 }, (_, j) => [
      { keys: msg({ sig: 200 + j, tool: 'monit', check: `check-${j}`, hosts: [`q${j % 3}.example.test`], org: 'lk.batch' }), at: -24 * 60 + j * 60 },
      { keys: msg({ sig: 200 + j, tool: 'monit', check: `check-${j}`, hosts: [`r${j % 3}.example.test`], org: 'lk.batch' }), at: -24 * 60 + j * 60 + 40 },
    ]).flat();
    expect(events([...news, ...incident], {}, true).slice(-2)).to.satisfy(([a, b]: number[]) => a !== b);
  });

  it('learns what arrives together: kinds rare together yesterday join when they come together again', () => {
    const server = (at: number) => ({ keys: msg({ sig: 5, check: 'NFS server', hosts: ['nfs1.example.test'], org: 'lk.storage' }), at });
    const client = (host: string, at: number) => ({ keys: msg({ sig: 7, check: 'NFS mount /mnt/shared', hosts: [`${host}.example.test`], org: 'lk.web' }), at });
    const out = run([server(0), client('web1', 1), server(20 * 60), client('web2', 20 * 60 + 1)], {}, true);
    expect(out.map((r) => r.event)).to.deep.equal([1, 1, 2, 2]);
    expect(out[3]!.reason).to.equal('joined #2: nagios nfs mount /mnt/shared came with nagios nfs server in event #1 20 hours ago; 1 message from 1 host of lk.storage in the last 1 minute');
    // Without what it learned, the second glitch's kinds are no longer rare (each was seen once today): two events.
    expect(events([server(0), client('web1', 1), server(20 * 60), client('web2', 20 * 60 + 1)], { signals: SIGNALS.filter((s) => s !== 'learned') }, true)).to.deep.equal([1, 1, 2, 3]);
    // Mail of a learned kind about no host of its own, which only names one, joins nothing by what was learned.
    const named = { keys: msg({ sig: 7, check: 'NFS mount /mnt/shared', hosts: [], mentions: ['web2.example.test'], org: null }), at: 20 * 60 + 1 };
    expect(events([server(0), client('web1', 1), server(20 * 60), named], {}, true)).to.deep.equal([1, 1, 2, 3]);
  });

  it('learns only what arrives together from different hosts: one host’s full disk yesterday does not join two hosts’ today', () => {
    const nagios = (host: string, at: number) => ({ keys: msg({ sig: 30, check: 'Disk /var', hosts: [`${host}.example.test`], org: 'lk.db' }), at });
    const prometheus = (host: string, at: number) => ({ keys: msg({ sig: 31, tool: 'alertmanager', check: 'NodeFilesystemAlmostFull', hosts: [`${host}.example.test`], org: 'lk.web' }), at });
    // Yesterday both tools told of db3's disk (one event, by the host); today db3's disk and
    // web5's fill up two minutes apart.
    expect(events([nagios('db3', 0), prometheus('db3', 2), nagios('db3', 20 * 60), prometheus('web5', 20 * 60 + 2)], {}, true)).to.deep.equal([1, 1, 2, 3]);
    // Yesterday db3's disk and web5's filled together: today's pair across two hosts joins.
    expect(events([nagios('db3', 0), prometheus('web5', 2), nagios('db3', 20 * 60), prometheus('web5', 20 * 60 + 2)], {}, true)).to.deep.equal([1, 1, 2, 2]);
  });

  it('joins no mail to a build arriving at the same time: mail about no host takes nothing by arriving together', () => {
    const build = { keys: msg({ sig: 50, tool: 'jenkins', check: 'infra-ansible', hosts: [], org: null }), at: 0 };
    const raid = { keys: msg({ sig: 51, check: 'RAID', hosts: ['db3.example.test'], org: 'lk.db' }), at: 2 };
    expect(events([build, raid], {}, true)).to.deep.equal([1, 2]);
  });

  it('knows one kind of mail whatever host its check names', () => {
    expect(kindOf(msg({ tool: 'zabbix', check: 'PostgreSQL: Service is down on db1', hosts: ['db1.example.test'] }))).to.equal(kindOf(msg({ tool: 'zabbix', check: 'PostgreSQL: Service is down on db2.example.test', hosts: ['db2.example.test'] })));
    expect(kindOf(msg({ tool: null, check: null, sig: 12 }))).to.equal('sig:12');
  });

  it('completes an unclaimed event when every source of it has recovered, and not before', () => {
    const recovery = (host: string) => msg({ sig: 2, state: 'recovery', severity: 'info', hosts: [host] });
    const out = run([
      { keys: msg({ hosts: ['web1.example.test'] }), at: 0 },
      { keys: msg({ hosts: ['web2.example.test'] }), at: 1 },
      { keys: recovery('web1'), at: 30 },
      { keys: recovery('web2'), at: 31 },
      // Completed: a new problem of the same source opens a new event.
      { keys: msg({ hosts: ['web1.example.test'] }), at: 40 },
    ]);
    expect(out.map((r) => [r.event, r.completes])).to.deep.equal([[1, false], [1, false], [1, false], [1, true], [2, false]]);
    expect(out[2]!.reason).to.equal('joined #1: web1 / nagios:nfs mount recovered; 1 source still in trouble');
    expect(out[3]!.reason).to.equal('joined #1: web2 / nagios:nfs mount recovered; every source of it has recovered: completed');
  });

  it('leaves the event open when the tenant says a recovery does not complete it', () => {
    const out = run([{ keys: msg({}), at: 0 }, { keys: msg({ sig: 2, state: 'recovery', severity: 'info' }), at: 5 }], { recoveryCompletes: false });
    expect(out[1]).to.deep.include({ event: 1, completes: false, reason: 'joined #1: web1 / nagios:nfs mount recovered; every source of it has recovered' });
  });

  it('never completes an event someone has claimed', () => {
    const open = new OpenEvents(DEFAULT_GROUPING);
    open.open(7, msg({}), 0, 'assigned');
    const d = decide(open, msg({ sig: 2, state: 'recovery', severity: 'info' }), 5 * MINUTE);
    expect(d).to.deep.include({ attach: true, eventId: 7, completes: false });
  });

  it('keeps a claimed problem’s reminders in its event for a day, where an unclaimed one’s open a new event after two hours', () => {
    const reminderAt = 4 * 60 * MINUTE + 30_000;
    const claimed = new OpenEvents(DEFAULT_GROUPING);
    claimed.open(7, msg({}), 0, 'assigned');
    expect(decide(claimed, msg({}), reminderAt)).to.deep.include({ attach: true, eventId: 7 });
    expect(decide(claimed, msg({}), 25 * 60 * MINUTE)).to.deep.include({ attach: false });
    const unclaimed = new OpenEvents(DEFAULT_GROUPING);
    unclaimed.open(7, msg({}), 0);
    expect(decide(unclaimed, msg({}), reminderAt)).to.deep.include({ attach: false });
  });

  it('takes the highest severity of its messages', () => {
    const open = new OpenEvents(DEFAULT_GROUPING);
    const event = open.open(1, msg({ severity: 'warn' }), 0);
    open.add(event, msg({ severity: 'critical', hosts: ['web2'] }), MINUTE);
    open.add(event, msg({ severity: 'info', hosts: ['web3'] }), 2 * MINUTE);
    expect(event.severity).to.equal('critical');
  });

  it('prefers the most specific signal: a repeat of a host’s check over a storm in another event', () => {
    const open = new OpenEvents(DEFAULT_GROUPING);
    open.open(1, msg({ hosts: ['web1'] }), 0);
    open.open(2, msg({ hosts: ['web2'] }), MINUTE);
    const d = decide(open, msg({ hosts: ['web1'] }), 2 * MINUTE);
    expect(d).to.deep.include({ attach: true, eventId: 1, signal: 'repeat' });
  });

  it('decides among 1,000 open events', () => {
    const open = new OpenEvents(DEFAULT_GROUPING);
    for (let i = 0; i < 1000; i++) open.open(i + 1, msg({ sig: i, check: `check ${i}`, hosts: [`h${i}`] }), i);
    expect(decide(open, msg({ sig: 500, check: 'check 500', hosts: ['other'] }), 2000)).to.deep.include({ attach: true, eventId: 501, signal: 'storm' });
    expect(SIGNALS).to.have.length(8);
  });
});
