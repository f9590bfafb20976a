import { expect } from 'chai';
import type { Db } from '../../../src/db.js';
import { deliverDue, DELIVERY, enqueueMail, type MailTransport } from '../../../src/notifications/outbox.js';
import { testDialect } from '../../helpers/db.js';
import { attemptsOf, eventAlert, openOutboxWorld, reload, type OutboxWorld } from './outbox-world.js';

describe(`outbox mail a worker died sending (${testDialect})`, () => {
  let world: OutboxWorld;
  beforeEach(async () => {
    world = await openOutboxWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  /** A worker claimed the row, maybe handed it to the server, and died before writing down how it went. */
  async function leftSending() {
    const row = await enqueueMail(world.deps, eventAlert(world.tenantId));
    await world.db.models.OutboxMail.update(
      { status: 'sending', claimedBy: 'worker-that-died', claimedAt: world.clock.now(), attempts: 1 },
      { where: { id: row.id } },
    );
    return row;
  }

  it('leaves a claim alone while its lease lasts', async () => {
    const row = await leftSending();
    world.clock.advance(DELIVERY.leaseMs);

    const report = await deliverDue(world.deps, world.transport, 'worker-2');

    expect(report.interrupted).to.equal(0);
    expect((await reload(world.deps, row)).status).to.equal('sending');
    expect(world.sink.mails).to.have.length(0);
  });

  it('marks it failed as interrupted once the lease is over, and does not send it again', async () => {
    const row = await leftSending();
    world.clock.advance(DELIVERY.leaseMs + 1);

    const report = await deliverDue(world.deps, world.transport, 'worker-2');

    expect(report).to.deep.equal({ sent: 0, retrying: 0, failed: 0, interrupted: 1 });
    const state = await reload(world.deps, row);
    expect(state.status).to.equal('failed');
    expect(state.lastError).to.contain('interrupted').and.to.contain('worker-that-died');
    const attempts = await attemptsOf(world.deps, row);
    expect(attempts.map((a) => [a.outcome, a.worker])).to.deep.equal([['interrupted', 'worker-2']]);

    world.clock.advance(DELIVERY.maxBackoffMs * 2);
    expect(await deliverDue(world.deps, world.transport, 'worker-2')).to.deep.equal({ sent: 0, retrying: 0, failed: 0, interrupted: 0 });
    expect(world.sink.mails).to.have.length(0);
    expect(await attemptsOf(world.deps, row)).to.have.length(1);
  });

  it('does not queue a mail again that another worker gave up on while it was still being sent', async () => {
    const row = await enqueueMail(world.deps, eventAlert(world.tenantId));
    // The real send, but it outlasts the lease: meanwhile another worker finds the claim stale.
    const outlastsLease: MailTransport = {
      sendMail: async (mail) => {
        world.clock.advance(DELIVERY.leaseMs + 1);
        await deliverDue(world.deps, world.transport, 'worker-2');
        return world.transport.sendMail(mail);
      },
    };
    world.sink.rejectNext(1, 451);

    await deliverDue(world.deps, outlastsLease, 'worker-1');

    const state = await reload(world.deps, row);
    expect(state.status, 'given up as interrupted, so it stays given up').to.equal('failed');
    expect((await attemptsOf(world.deps, row)).map((a) => [a.outcome, a.worker])).to.deep.equal([
      ['interrupted', 'worker-2'],
      ['failed', 'worker-1'],
    ]);
    world.clock.advance(DELIVERY.maxBackoffMs * 2);
    await deliverDue(world.deps, world.transport, 'worker-1');
    expect(world.sink.rejected + world.sink.mails.length, 'tries the server saw').to.equal(1);
  });

  it('does not send a mail again when writing down that it was sent fails', async () => {
    const row = await enqueueMail(world.deps, eventAlert(world.tenantId));
    await refuseAttemptRows(world.db);

    // The server takes the mail, then the database refuses the record of it.
    let failure: unknown = null;
    await deliverDue(world.deps, world.transport, 'worker-1').catch((err: unknown) => (failure = err));
    expect(failure, 'the run reports that the database failed').to.not.equal(null);
    expect(world.sink.countOf(row.messageIdHeader)).to.equal(1);
    expect((await reload(world.deps, row)).status, 'a mail the server has must not go back to the queue').to.not.equal('queued');

    await allowAttemptRows(world.db);
    world.clock.advance(DELIVERY.leaseMs + DELIVERY.maxBackoffMs);
    await deliverDue(world.deps, world.transport, 'worker-1');

    expect(world.sink.countOf(row.messageIdHeader)).to.equal(1);
    // Nobody can tell from the database whether it went out, so the operator is shown it.
    expect((await reload(world.deps, row)).status).to.equal('failed');
    expect((await attemptsOf(world.deps, row)).map((a) => a.outcome)).to.deep.equal(['interrupted']);
  });
});

/** Makes the database refuse new attempt rows, as a full disk or a lost connection would. */
async function refuseAttemptRows(db: Db): Promise<void> {
  if (db.dialect === 'sqlite') {
    await db.sequelize.query(
      `CREATE TRIGGER refuse_attempts BEFORE INSERT ON outbox_attempts BEGIN SELECT RAISE(ABORT, 'attempts are refused by the test'); END`,
    );
  } else {
    await db.sequelize.query(
      `CREATE FUNCTION refuse_attempt() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'attempts are refused by the test'; END $$ LANGUAGE plpgsql`,
    );
    await db.sequelize.query(`CREATE TRIGGER refuse_attempts BEFORE INSERT ON outbox_attempts FOR EACH ROW EXECUTE FUNCTION refuse_attempt()`);
  }
}

async function allowAttemptRows(db: Db): Promise<void> {
  await db.sequelize.query(db.dialect === 'sqlite' ? 'DROP TRIGGER refuse_attempts' : 'DROP TRIGGER refuse_attempts ON outbox_attempts');
}
