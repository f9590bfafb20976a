import { expect } from 'chai';
import { backoffMs, deliverDue, DELIVERY, enqueueMail } from '../../../src/notifications/outbox.js';
import { freePort } from '../../helpers/net.js';
import { testDialect } from '../../helpers/db.js';
import { attemptsOf, eventAlert, openOutboxWorld, reload, transportTo, type OutboxWorld } from './outbox-world.js';

describe(`outbox retries and failures (${testDialect})`, () => {
  let world: OutboxWorld;
  beforeEach(async () => {
    world = await openOutboxWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  it('retries a mail the server refused for now (451), only once the backoff has passed', async () => {
    const row = await enqueueMail(world.deps, eventAlert(world.tenantId));
    world.sink.rejectNext(1, 451);

    const first = await deliverDue(world.deps, world.transport, 'worker-1');

    expect(first).to.deep.equal({ sent: 0, retrying: 1, failed: 0, interrupted: 0 });
    let state = await reload(world.deps, row);
    expect(state.status).to.equal('queued');
    expect(state.attempts).to.equal(1);
    expect(state.lastError).to.contain('451');
    expect(state.nextAttemptAt.getTime()).to.equal(world.clock.now().getTime() + backoffMs(1));

    // Just before the backoff ends nothing is tried.
    world.clock.advance(backoffMs(1) - 1);
    expect(await deliverDue(world.deps, world.transport, 'worker-1')).to.deep.equal({ sent: 0, retrying: 0, failed: 0, interrupted: 0 });
    expect(world.sink.rejected + world.sink.mails.length, 'tries the server saw').to.equal(1);

    world.clock.advance(2);
    const second = await deliverDue(world.deps, world.transport, 'worker-1');

    expect(second.sent).to.equal(1);
    expect(world.sink.countOf(row.messageIdHeader)).to.equal(1);
    state = await reload(world.deps, row);
    expect(state.status).to.equal('sent');
    expect(state.attempts).to.equal(2);
    expect(state.lastError).to.equal(null);
    const attempts = await attemptsOf(world.deps, row);
    expect(attempts.map((a) => a.outcome)).to.deep.equal(['retry', 'sent']);
    expect(attempts[0]!.response).to.contain('451');
  });

  it('fails a mail the server refuses for good (550) at once and never tries it again', async () => {
    const row = await enqueueMail(world.deps, eventAlert(world.tenantId));
    world.sink.rejectNext(1, 550, '5.1.1 no such user here');

    const report = await deliverDue(world.deps, world.transport, 'worker-1');

    expect(report).to.deep.equal({ sent: 0, retrying: 0, failed: 1, interrupted: 0 });
    const state = await reload(world.deps, row);
    expect(state.status).to.equal('failed');
    expect(state.attempts).to.equal(1);
    expect(state.lastError).to.contain('550').and.to.contain('no such user here');
    world.clock.advance(DELIVERY.maxBackoffMs * 2);
    await deliverDue(world.deps, world.transport, 'worker-1');
    expect(world.sink.rejected).to.equal(1);
    expect(world.sink.mails).to.have.length(0);
    expect((await attemptsOf(world.deps, row)).map((a) => a.outcome)).to.deep.equal(['failed']);
  });

  it(`gives up after ${DELIVERY.maxAttempts} temporary failures`, async () => {
    const row = await enqueueMail(world.deps, eventAlert(world.tenantId));
    world.sink.rejectNext(DELIVERY.maxAttempts + 1, 451);

    for (let attempt = 1; attempt <= DELIVERY.maxAttempts; attempt++) {
      await deliverDue(world.deps, world.transport, 'worker-1');
      world.clock.advance(backoffMs(attempt));
    }

    const state = await reload(world.deps, row);
    expect(state.status).to.equal('failed');
    expect(state.attempts).to.equal(DELIVERY.maxAttempts);
    expect(state.lastError).to.contain('451');
    const outcomes = (await attemptsOf(world.deps, row)).map((a) => a.outcome);
    expect(outcomes).to.deep.equal([...Array<string>(DELIVERY.maxAttempts - 1).fill('retry'), 'failed']);
    // Failed is final: even much later nothing more is tried.
    world.clock.advance(DELIVERY.maxBackoffMs * 2);
    await deliverDue(world.deps, world.transport, 'worker-1');
    expect(world.sink.rejected).to.equal(DELIVERY.maxAttempts);
    expect(world.sink.mails).to.have.length(0);
  });

  it('retries instead of crashing when nothing listens where the mail server should be', async () => {
    const row = await enqueueMail(world.deps, eventAlert(world.tenantId));
    const nowhere = transportTo(await freePort());
    try {
      const report = await deliverDue(world.deps, nowhere, 'worker-1');

      expect(report).to.deep.equal({ sent: 0, retrying: 1, failed: 0, interrupted: 0 });
      const state = await reload(world.deps, row);
      expect(state.status).to.equal('queued');
      expect(state.lastError).to.match(/ECONNREFUSED|connect/i);
      expect((await attemptsOf(world.deps, row)).map((a) => a.outcome)).to.deep.equal(['retry']);
    } finally {
      nowhere.close();
    }

    // Once the server is back, the mail goes out.
    world.clock.advance(backoffMs(1));
    expect((await deliverDue(world.deps, world.transport, 'worker-1')).sent).to.equal(1);
    expect(world.sink.countOf(row.messageIdHeader)).to.equal(1);
  });
});
