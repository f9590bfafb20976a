// What grouping learned (docs/correlation.md, "What grouping remembers"): kinds of mail that were
// rare together in one event are kept two weeks in learned_pairs, so a DaTamer process that
// starts days later still knows them, while the memberships it reads back go back one day only.
import { expect } from 'chai';
import { openDb } from '../../../src/db.js';
import type { Deps } from '../../../src/deps.js';
import { DEFAULT_GROUPING, kindOf } from '../../../src/correlation/grouping.js';
import { loadOpenEvents } from '../../../src/events/grouping-session.js';
import { silentLogger } from '../../../src/log.js';
import { receive } from '../../../src/pipeline.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function nagios(host: string, service: string, at: Date): Buffer {
  return Buffer.from(
    [
      `Subject: ** PROBLEM Service Alert: ${host}/${service} is CRITICAL **`,
      'From: nagios@mon1.example.test (Nagios Monitoring)',
      'To: oncall@example.test',
      `Message-Id: <${host}-${at.getTime()}-${service.length}@mon1.example.test>`,
      `Date: ${at.toUTCString().replace('GMT', '+0000')}`,
      '',
      '***** Nagios *****',
      '',
      'Notification Type: PROBLEM',
      '',
      `Service: ${service}`,
      `Host: ${host}`,
      'Address: 192.0.2.21',
      'State: CRITICAL',
      '',
      'Additional Info:',
      '',
      'CRITICAL - Stale file handle',
      '',
    ].join('\r\n'),
  );
}

describe('grouping keeps what it learned for two weeks', () => {
  let t: TestDb;
  let acme: number;

  beforeEach(async () => {
    t = await openTestDb('2026-11-23T03:00:00Z');
    acme = (await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' })).tenant.id;
  });
  afterEach(() => t.dispose());

  const send = async (deps: Deps, raw: Buffer) => (await receive(deps, [{ tenantId: acme, mailboxId: null, raw, source: 'smtp' }]))[0]!;
  const kinds = { server: kindOf({ tool: 'nagios', check: 'NFS server', hosts: ['nfs1'] } as never)!, mount: kindOf({ tool: 'nagios', check: 'NFS mount /mnt/shared', hosts: ['web1'] } as never)! };

  /**
   * Some problem mail, then twelve hours: a tenant with no history finds no mail rare
   * (docs/correlation.md, "How unusual").
   */
  async function warmUp() {
    await send(t.deps, nagios('lab1', 'Current Load', t.clock.now()));
    t.clock.advance(12 * 60 * MINUTE);
  }

  /** What a process starting now reads back of the tenant's grouping memory. */
  async function reloaded(deps: Deps, settings = DEFAULT_GROUPING) {
    return deps.db.transaction((transaction) => loadOpenEvents(deps, acme, settings, t.clock.now().getTime(), transaction));
  }

  it('knows days later, in a process that starts then, that two kinds of mail came together in one event', async () => {
    // An NFS server's alert and a client's complaint, rare and within a minute: one event.
    await warmUp();
    const first = await send(t.deps, nagios('nfs1', 'NFS server', t.clock.now()));
    t.clock.advance(MINUTE);
    const second = await send(t.deps, nagios('web1', 'NFS mount /mnt/shared', t.clock.now()));
    expect(second.eventId).to.equal(first.eventId);
    const rows = await t.db.models.LearnedPair.findAll({ where: { tenantId: acme } });
    expect(rows.map((r) => [r.kindA, r.kindB, r.eventId])).to.deep.equal([[kinds.mount, kinds.server, first.eventId]]);

    // Ten days later a new process has only the pair to go by: the memberships are too old to read.
    t.clock.advance(10 * DAY);
    const other = await openDb(t.url);
    try {
      const memory = await reloaded({ db: other, clock: t.clock, log: silentLogger() });
      expect(memory.together(kinds.server, kinds.mount, t.clock.now().getTime())).to.deep.equal({ at: rows[0]!.at.getTime(), eventId: first.eventId });
      expect(memory.events.size).to.equal(0);
    } finally {
      await other.close();
    }
    // Kept as long as grouping is told to keep them, and no longer.
    const shorter = await reloaded(t.deps, { ...DEFAULT_GROUPING, learnedMs: 5 * DAY });
    expect(shorter.together(kinds.server, kinds.mount, t.clock.now().getTime())).to.equal(undefined);
  });

  it('forgets pairs older than two weeks as new ones are learned', async () => {
    await warmUp();
    await send(t.deps, nagios('nfs1', 'NFS server', t.clock.now()));
    t.clock.advance(MINUTE);
    await send(t.deps, nagios('web1', 'NFS mount /mnt/shared', t.clock.now()));
    t.clock.advance(15 * DAY);
    await warmUp();
    await send(t.deps, nagios('db1', 'Disk /var', t.clock.now()));
    t.clock.advance(MINUTE);
    // Another host's, as a replica's database complains when its primary's disk is full.
    await send(t.deps, nagios('db2', 'PostgreSQL', t.clock.now()));
    const rows = await t.db.models.LearnedPair.findAll({ where: { tenantId: acme } });
    expect(rows.map((r) => [r.kindA, r.kindB])).to.deep.equal([['nagios:disk /var', 'nagios:postgresql']]);
  });
});
