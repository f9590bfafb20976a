// DaTamer's critical self-reports: a stuck outbox or a mailbox that keeps failing is reported to
// the tenant's self-address once, not on every run, and again only after it cleared.
import { expect } from 'chai';
import { parseTags } from '../../../src/classification/tags.js';
import { openDb, type Db } from '../../../src/db.js';
import { silentLogger } from '../../../src/log.js';
import { deliverDue, enqueueMail } from '../../../src/notifications/outbox.js';
import { watchSelf } from '../../../src/selfwatch/watch.js';
import { sendDueDigests } from '../../../src/notifications/digest.js';
import { addUser } from '../../../src/people/people.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { testDialect } from '../../helpers/db.js';
import { openOutboxWorld, type OutboxWorld } from '../outbox/outbox-world.js';

const MINUTE = 60_000;
const here = { server: 'dt1.example.test' };

describe(`critical self-reports (${testDialect})`, function () {
  this.timeout(30_000);
  let world: OutboxWorld;

  beforeEach(async () => {
    world = await openOutboxWorld(); // tenant "ops", DaTamer address ops@datamer.test
    await world.db.models.Tenant.update({ selfAddress: 'ops@datamer.test' }, { where: { id: world.tenantId } });
  });
  afterEach(() => world.close());

  const reports = () => world.db.models.OutboxMail.findAll({ where: { kind: 'self-report' }, order: [['id', 'ASC']] });
  const alert = (subject = ':critical: disk full on db1') =>
    enqueueMail(world.deps, { tenantId: world.tenantId, kind: 'event-alert', from: 'ops@datamer.test', to: ['ann@example.test'], subject, text: 'x' });

  describe('when outgoing mail is stuck', () => {
    it('reports queued mail older than 30 minutes once, as a critical datamer.self MSE to the self-address', async () => {
      await alert();
      world.clock.advance(29 * MINUTE);
      expect((await watchSelf(world.deps, here)).reported, 'after 29 minutes').to.have.length(0);
      world.clock.advance(2 * MINUTE);
      expect((await watchSelf(world.deps, here)).reported, 'after 31 minutes').to.have.length(1);
      for (let i = 0; i < 6; i++) {
        world.clock.advance(5 * MINUTE);
        expect((await watchSelf(world.deps, here)).reported, `run ${i} while still stuck`).to.have.length(0);
      }
      const [report] = await reports();
      expect(report!.toAddresses).to.deep.equal(['ops@datamer.test']);
      expect(report!.fromAddress).to.equal('ops@datamer.test');
      const tags = parseTags(report!.subject, report!.text);
      expect(tags.warnings).to.deep.equal([]);
      expect(tags.severity).to.equal('critical');
      expect(tags.org).to.equal('datamer.self');
      expect(tags.schedule).to.equal(null);
      expect(report!.text).to.contain('1 mail queued for more than 30 minutes');
    });

    it('reports again only after the outbox has flowed in between', async () => {
      await alert();
      world.clock.advance(31 * MINUTE);
      await watchSelf(world.deps, here);
      // The outgoing server is back: everything queued goes out, the report included.
      const delivered = await deliverDue(world.deps, world.transport, 'test-worker');
      expect(delivered.sent).to.equal(2);
      world.clock.advance(5 * MINUTE);
      expect((await watchSelf(world.deps, here)).cleared).to.deep.equal(['outbox']);
      expect((await watchSelf(world.deps, here)).cleared).to.deep.equal([]);

      await alert(':critical: disk full on db2');
      world.clock.advance(31 * MINUTE);
      expect((await watchSelf(world.deps, here)).reported).to.have.length(1);
      expect(await reports()).to.have.length(2);
    });

    it('reports mail the outgoing server refused for good in the last hour', async () => {
      world.sink.rejectNext(1, 550);
      await alert();
      const delivered = await deliverDue(world.deps, world.transport, 'test-worker');
      expect(delivered.failed).to.equal(1);
      const run = await watchSelf(world.deps, here);
      expect(run.reported).to.have.length(1);
      expect(run.reported[0]!.text).to.contain('1 mail given up in the last 60 minutes');
      // An hour later the failure is history and nothing else is stuck: cleared, no new report.
      world.clock.advance(61 * MINUTE);
      await deliverDue(world.deps, world.transport, 'test-worker'); // the report itself goes out
      const later = await watchSelf(world.deps, here);
      expect(later.reported).to.have.length(0);
      expect(later.cleared).to.deep.equal(['outbox']);
    });

    it('reports nothing for a tenant without a self-address', async () => {
      const other = await addTenant(world.deps, { name: 'globex', address: 'alerts@globex.test' });
      await enqueueMail(world.deps, { tenantId: other.tenant.id, kind: 'event-alert', from: 'alerts@globex.test', to: ['x@example.test'], subject: 's', text: 'x' });
      world.clock.advance(45 * MINUTE);
      await watchSelf(world.deps, here);
      const mails = await reports();
      // Only ops (which has a self-address and whose own outbox is fine) is looked at.
      expect(mails.filter((m) => m.tenantId === other.tenant.id)).to.deep.equal([]);
      expect(mails).to.deep.equal([]);
    });

    describe('with two DaTamer processes', () => {
      const others: Db[] = [];
      afterEach(async () => {
        for (const db of others.splice(0)) await db.close();
      });

      it('queues one report when both notice the stuck outbox at the same moment', async () => {
        await alert();
        world.clock.advance(31 * MINUTE);
        const processes = await Promise.all(
          [1, 2, 3].map(async () => {
            const db = await openDb(world.url);
            others.push(db);
            return { db, clock: world.clock, log: silentLogger() };
          }),
        );
        const runs = await Promise.all(processes.map((deps) => watchSelf(deps, here)));
        expect(runs.reduce((sum, r) => sum + r.reported.length, 0)).to.equal(1);
        expect(await reports()).to.have.length(1);
      });
    });
  });

  describe('when a mailbox keeps failing', () => {
    const fail = (error: string | null) => world.db.models.Mailbox.update({ lastError: error }, { where: { tenantId: world.tenantId } });

    it('reports it once after 15 minutes of failing, with the error, and again after it recovered and failed anew', async () => {
      await fail('IMAP login refused: invalid credentials');
      expect((await watchSelf(world.deps, here)).reported, 'when first seen').to.have.length(0);
      world.clock.advance(10 * MINUTE);
      expect((await watchSelf(world.deps, here)).reported, 'after 10 minutes').to.have.length(0);
      world.clock.advance(5 * MINUTE);
      const run = await watchSelf(world.deps, here);
      expect(run.reported, 'after 15 minutes').to.have.length(1);
      const report = run.reported[0]!;
      expect(parseTags(report.subject, report.text)).to.include({ severity: 'critical', org: 'datamer.self' });
      expect(report.subject).to.contain('mailbox ops@datamer.test of ops is failing');
      expect(report.text).to.contain('IMAP login refused: invalid credentials');
      // The delivery job sends it (else it would, 30 minutes on, count as a stuck outbox).
      expect((await deliverDue(world.deps, world.transport, 'test-worker')).sent).to.equal(1);
      for (let i = 0; i < 5; i++) {
        world.clock.advance(5 * MINUTE);
        expect((await watchSelf(world.deps, here)).reported, `run ${i} while still failing`).to.have.length(0);
      }

      await fail(null);
      const recovered = await watchSelf(world.deps, here);
      expect(recovered.cleared).to.have.length(1);
      expect(recovered.cleared[0]).to.match(/^mailbox:\d+$/);

      // A new failure is timed from when it was first seen, not from the old one.
      await fail('IMAP connection timed out');
      await watchSelf(world.deps, here);
      world.clock.advance(14 * MINUTE);
      expect((await watchSelf(world.deps, here)).reported, '14 minutes into the second failure').to.have.length(0);
      world.clock.advance(1 * MINUTE);
      expect((await watchSelf(world.deps, here)).reported).to.have.length(1);
      const subjects = (await reports()).map((m) => m.subject);
      expect(subjects).to.deep.equal([
        ':critical: :org:datamer.self: DaTamer mailbox ops@datamer.test of ops is failing',
        ':critical: :org:datamer.self: DaTamer mailbox ops@datamer.test of ops is failing',
      ]);
    });

    it('does not report a failure that cleared before the threshold', async () => {
      await fail('IMAP server restarting');
      await watchSelf(world.deps, here);
      world.clock.advance(5 * MINUTE);
      await fail(null);
      await watchSelf(world.deps, here);
      world.clock.advance(20 * MINUTE);
      await fail('IMAP server restarting');
      expect((await watchSelf(world.deps, here)).reported).to.have.length(0);
      expect(await reports()).to.have.length(0);
    });
  });

  describe('when the digest job stops', () => {
    it('reports it once, an hour after its last run, to a tenant whose users get digests; clears when it runs again', async () => {
      await addUser(world.deps, world.tenantId, { email: 'ann@example.test', handle: 'ann' });
      const options = { linkKey: Buffer.alloc(32, 3), publicUrl: 'https://datamer.example.test' };
      await sendDueDigests(world.deps, options);
      world.clock.advance(59 * MINUTE);
      expect((await watchSelf(world.deps, here)).reported, 'after 59 minutes').to.have.length(0);
      world.clock.advance(2 * MINUTE);
      const { reported } = await watchSelf(world.deps, here);
      expect(reported.map((r) => r.subject)).to.deep.equal([':critical: :org:datamer.self: DaTamer daily digests have stopped for ops']);
      world.clock.advance(5 * MINUTE);
      expect((await watchSelf(world.deps, here)).reported, 'reported already').to.have.length(0);
      await sendDueDigests(world.deps, options);
      expect((await watchSelf(world.deps, here)).cleared).to.deep.equal(['digest']);
    });
  });
});
