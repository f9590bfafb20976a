// Online grouping's decision (src/correlation/grouping.ts) on small tables: a sequence of
// messages in arrival order goes in; which event each one ends in, and why, comes out.
import { expect } from 'chai';
import { DEFAULT_GROUPING, OpenEvents, SIGNALS, decide, type GroupingSettings, type Signal } from '../../../src/correlation/grouping.js';
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

/** Runs the messages through decide() as the commit does; answers each one's event (1, 2, … in order of opening) and reason. */
function run(steps: Step[], settings: Partial<GroupingSettings> = {}) {
  const open = new OpenEvents({ ...DEFAULT_GROUPING, ...settings });
  let next = 1;
  const out: Array<{ event: number; reason: string; completes: boolean }> = [];
  for (const { keys, at } of steps) {
    const ms = at * MINUTE;
    open.prune(ms);
    const d = decide(open, keys, ms);
    if (d.attach) {
      const event = open.events.get(d.eventId)!;
      open.add(event, keys, ms);
      if (d.completes) open.remove(d.eventId);
      out.push({ event: d.eventId, reason: d.reason, completes: d.completes });
    } else {
      const id = next++;
      open.open(id, keys, ms);
      if (!d.groupable) open.remove(id);
      out.push({ event: id, reason: d.reason, completes: false });
    }
  }
  return out;
}

const events = (steps: Step[], settings?: Partial<GroupingSettings>) => run(steps, settings).map((r) => r.event);
const only = (...signals: Signal[]) => ({ signals });

describe('grouping: where a message goes, and why', () => {
  const storm = Array.from({ length: 14 }, (_, i) => ({ keys: msg({ hosts: [`web${i + 1}.example.test`] }), at: i * 0.3 }));

  const table: Array<{ why: string; steps: Step[]; events: number[]; settings?: Partial<GroupingSettings> }> = [
    { why: 'a storm of one signature from 14 hosts is one event', steps: storm, events: Array(14).fill(1) },
    { why: 'with every signal off, each message is an event of its own (B0)', steps: storm.slice(0, 3), events: [1, 2, 3], settings: only() },
    {
      why: 'a repeat of the same host and check joins, hours later, even with the windowed signals off',
      steps: [{ keys: msg({}), at: 0 }, { keys: msg({}), at: 300 }],
      events: [1, 1],
      settings: only('repeat'),
    },
    {
      why: 'the same host and check after the repeat time opens a new event',
      steps: [{ keys: msg({}), at: 0 }, { keys: msg({}), at: 25 * 60 }],
      events: [1, 2],
    },
    {
      why: 'a recovery joins its problem’s event, however long after, within the repeat time',
      steps: [{ keys: msg({}), at: 0 }, { keys: msg({ sig: 2, state: 'recovery', severity: 'info' }), at: 180 }],
      events: [1, 1],
      settings: only('recovery'),
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
    },
    {
      why: 'past the cook-for maximum a windowed signal no longer joins',
      steps: [0, 10, 20, 30].map((at, i) => ({ keys: msg({ hosts: [`web${i}.example.test`] }), at })),
      events: [1, 1, 1, 2],
      settings: { cookForMs: 25 * MINUTE },
    },
    {
      why: 'the same host inside the window joins, whatever the tool',
      steps: [{ keys: msg({}), at: 0 }, { keys: msg({ sig: 9, tool: 'zabbix', check: 'NFS', org: null }), at: 5 }],
      events: [1, 1],
      settings: only('host'),
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
    },
    {
      why: 'hosts of one org inside the window join',
      steps: [{ keys: msg({}), at: 0 }, { keys: msg({ sig: 9, tool: 'monit', check: 'shared_mount', hosts: ['app7.example.test'] }), at: 5 }],
      events: [1, 1],
      settings: only('org'),
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
      expect(events(row.steps, row.settings)).to.deep.equal(row.events);
    });
  }

  it('explains a storm in words a person reads', () => {
    const reasons = run(storm).map((r) => r.reason);
    expect(reasons[0]).to.equal('opened: no open event matches');
    expect(reasons[13]).to.equal('joined #1: same signature as 13 messages from 13 hosts of lk.storage in the last 4 minutes');
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
    expect(SIGNALS).to.have.length(6);
  });
});
