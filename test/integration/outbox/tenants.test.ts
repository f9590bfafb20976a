import { expect } from 'chai';
import { deliverDue, enqueueMail } from '../../../src/notifications/outbox.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { testDialect } from '../../helpers/db.js';
import { eventAlert, openOutboxWorld, type OutboxWorld } from './outbox-world.js';

describe(`outbox tenants (${testDialect})`, () => {
  let world: OutboxWorld;
  beforeEach(async () => {
    world = await openOutboxWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  it('keeps each mail and each of its attempts with the tenant that queued it', async () => {
    const { tenant: other } = await addTenant(world.deps, { name: 'payments', address: 'payments@datamer.test' });
    const ops1 = await enqueueMail(world.deps, eventAlert(world.tenantId, 1));
    const pay1 = await enqueueMail(world.deps, eventAlert(other.id, 2));
    const ops2 = await enqueueMail(world.deps, eventAlert(world.tenantId, 3));
    const pay2 = await enqueueMail(world.deps, eventAlert(other.id, 4));
    world.sink.rejectNext(1, 451); // so one tenant's mail also has a retry attempt

    await deliverDue(world.deps, world.transport, 'worker-1');
    world.clock.advance(3600_000);
    await deliverDue(world.deps, world.transport, 'worker-1');

    const { OutboxMail, OutboxAttempt } = world.db.models;
    const rows = await OutboxMail.findAll({ order: [['id', 'ASC']] });
    expect(rows.map((r) => [r.id, r.tenantId, r.status])).to.deep.equal([
      [ops1.id, world.tenantId, 'sent'],
      [pay1.id, other.id, 'sent'],
      [ops2.id, world.tenantId, 'sent'],
      [pay2.id, other.id, 'sent'],
    ]);
    const tenantOf = new Map(rows.map((r) => [r.id, r.tenantId]));
    const attempts = await OutboxAttempt.findAll({ order: [['id', 'ASC']] });
    expect(attempts).to.have.length(5);
    for (const at of attempts) expect(at.tenantId, `tenant of attempt ${at.id} (${at.outcome})`).to.equal(tenantOf.get(at.outboxId));
    expect(await OutboxMail.count({ where: { tenantId: other.id } })).to.equal(2);
    expect(await OutboxAttempt.count({ where: { tenantId: other.id } })).to.equal(2);
  });
});
