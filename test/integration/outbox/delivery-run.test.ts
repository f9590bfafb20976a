import { expect } from 'chai';
import { VirtualClock } from '../../../src/clock.js';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/log.js';
import { runOutboxDelivery } from '../../../src/notifications/delivery-run.js';
import { enqueueMail } from '../../../src/notifications/outbox.js';
import { testDialect } from '../../helpers/db.js';
import { eventAlert, openOutboxWorld, reload, type OutboxWorld } from './outbox-world.js';

describe(`the outbox delivery job (${testDialect})`, () => {
  let world: OutboxWorld;
  beforeEach(async () => {
    world = await openOutboxWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  // The job runs on the system clock; mail queued at the start of 1970 is due whatever the date.
  const longAgo = () => ({ ...world.deps, clock: new VirtualClock(0) });

  it('sends what is queued through the configured outgoing server', async () => {
    const rows = [];
    for (let n = 1; n <= 3; n++) rows.push(await enqueueMail(longAgo(), eventAlert(world.tenantId, n)));
    const config = loadConfig({ DATABASE_URL: world.url, DATAMER_OUTGOING_SMTP_URL: `smtp://127.0.0.1:${world.sink.port}/?ignoreTLS=true` });

    const report = await runOutboxDelivery(config, silentLogger());

    expect(report).to.deep.equal({ sent: 3, retrying: 0, failed: 0, interrupted: 0 });
    for (const row of rows) {
      expect(world.sink.countOf(row.messageIdHeader)).to.equal(1);
      expect((await reload(world.deps, row)).status).to.equal('sent');
    }
  });

  it('keeps mail queued while no outgoing server is configured', async () => {
    const row = await enqueueMail(longAgo(), eventAlert(world.tenantId));

    const report = await runOutboxDelivery(loadConfig({ DATABASE_URL: world.url }), silentLogger());

    expect(report).to.equal(null);
    expect((await reload(world.deps, row)).status).to.equal('queued');
    expect(world.sink.mails).to.have.length(0);
  });
});
