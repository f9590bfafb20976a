// DaTamer's hourly heartbeat MSE: one per tenant with a self-address and clock hour, tagged so
// that it is counted in the tenant's `org=datamer.self|…|per=hour` stream when it comes back.
import { expect } from 'chai';
import { parseTags } from '../../../src/classification/tags.js';
import { openDb, type Db } from '../../../src/db.js';
import { silentLogger } from '../../../src/log.js';
import { streamKey } from '../../../src/schedules/stream-key.js';
import { queueHeartbeats } from '../../../src/selfwatch/heartbeat.js';
import { selfServer } from '../../../src/selfwatch/host.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { openTestDb, testDialect, type TestDb } from '../../helpers/db.js';

const MINUTE = 60_000;
const here = { server: 'dt1.example.test' };

describe(`the hourly heartbeat (${testDialect})`, () => {
  let t: TestDb;
  let acmeId: number;

  beforeEach(async () => {
    t = await openTestDb();
    const acme = await addTenant(t.deps, { name: 'acme', address: 'ops@acme.test' });
    acmeId = acme.tenant.id;
    await acme.tenant.update({ selfAddress: 'ops@acme.test' });
    // A tenant without a self-address is not watched.
    await addTenant(t.deps, { name: 'globex', address: 'alerts@globex.test' });
  });
  afterEach(() => t.dispose());

  const heartbeats = () => t.db.models.OutboxMail.findAll({ where: { kind: 'self-heartbeat' }, order: [['id', 'ASC']] });

  it('queues one heartbeat from the tenant\'s DaTamer address to its self-address, only for tenants that have one', async () => {
    const queued = await queueHeartbeats(t.deps, here);
    expect(queued).to.have.length(1);
    const [mail] = await heartbeats();
    expect(mail!.tenantId).to.equal(acmeId);
    expect(mail!.fromAddress).to.equal('ops@acme.test');
    expect(mail!.toAddresses).to.deep.equal(['ops@acme.test']);
    expect(mail!.status).to.equal('queued');
  });

  it('queues it once per hour however often the job runs, and again in the next hour', async () => {
    await queueHeartbeats(t.deps, here); // 08:00
    t.clock.advance(5 * MINUTE);
    expect(await queueHeartbeats(t.deps, here)).to.have.length(0);
    t.clock.advance(54 * MINUTE); // 08:59
    expect(await queueHeartbeats(t.deps, here)).to.have.length(0);
    t.clock.advance(1 * MINUTE); // 09:00
    expect(await queueHeartbeats(t.deps, here)).to.have.length(1);
    t.clock.advance(30 * MINUTE);
    expect(await queueHeartbeats(t.deps, here)).to.have.length(0);
    const times = (await heartbeats()).map((m) => m.createdAt.toISOString());
    expect(times).to.deep.equal(['2026-11-23T08:00:00.000Z', '2026-11-23T09:00:00.000Z']);
  });

  it('carries the tags that put it in the tenant\'s hourly datamer.self stream', async () => {
    await queueHeartbeats(t.deps, here);
    const [mail] = await heartbeats();
    const tags = parseTags(mail!.subject, mail!.text);
    expect(tags.warnings).to.deep.equal([]);
    expect(tags.severity).to.equal('info');
    expect(tags.org).to.equal('datamer.self');
    expect(tags.schedule).to.deep.equal({ period: 'hour', n: 1, v: 0 });
    expect(streamKey(tags.org, tags.servers, mail!.fromAddress, tags.schedule!.period)).to.equal('org=datamer.self|svr=|from=ops@acme.test|per=hour');
  });

  it('names the sending host in words, never as a server tag: one stream whichever process sends it', async () => {
    expect(selfServer('datamer-7f9c')).to.equal(null);
    expect(selfServer('DT1.Example.Test.')).to.equal('dt1.example.test');
    await queueHeartbeats(t.deps, here);
    const [mail] = await heartbeats();
    expect(mail!.subject).to.contain('from dt1.example.test');
    expect(parseTags(mail!.subject, mail!.text).servers).to.deep.equal([]);
  });

  it('stops when the self-address is removed', async () => {
    await t.db.models.Tenant.update({ selfAddress: null }, { where: { id: acmeId } });
    expect(await queueHeartbeats(t.deps, here)).to.have.length(0);
    expect(await heartbeats()).to.have.length(0);
  });

  describe('with two DaTamer processes', () => {
    const others: Db[] = [];
    afterEach(async () => {
      for (const db of others.splice(0)) await db.close();
    });

    it('queues one heartbeat per hour when both run the job at the same moment', async () => {
      const processes = await Promise.all(
        [1, 2, 3].map(async () => {
          const db = await openDb(t.url);
          others.push(db);
          return { db, clock: t.clock, log: silentLogger() };
        }),
      );
      for (let hour = 0; hour < 3; hour++) {
        const results = await Promise.all(processes.map((deps) => queueHeartbeats(deps, here)));
        expect(results.reduce((sum, r) => sum + r.length, 0), `heartbeats queued in hour ${hour}`).to.equal(1);
        t.clock.advance(60 * MINUTE);
      }
      expect(await heartbeats()).to.have.length(3);
    });
  });
});
