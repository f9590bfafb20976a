import { expect } from 'chai';
import { deliverDue, enqueueMail } from '../../../src/notifications/outbox.js';
import { testDialect } from '../../helpers/db.js';
import { attemptsOf, eventAlert, openOutboxWorld, reload, type OutboxWorld } from './outbox-world.js';

describe(`outbox delivery (${testDialect})`, () => {
  let world: OutboxWorld;
  beforeEach(async () => {
    world = await openOutboxWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  it('delivers a queued mail once, with its Message-ID, Auto-Submitted header, text and html', async () => {
    const row = await enqueueMail(world.deps, eventAlert(world.tenantId, 7, { headers: { 'X-DaTamer-Event': '42' } }));

    const report = await deliverDue(world.deps, world.transport, 'worker-1');

    expect(report).to.deep.equal({ sent: 1, retrying: 0, failed: 0, interrupted: 0 });
    expect(world.sink.mails).to.have.length(1);
    const mail = world.sink.mails[0]!;
    expect(mail.messageId).to.equal(row.messageIdHeader);
    expect(mail.envelope).to.deep.equal({ from: 'datamer@datamer.test', to: ['oncall-7@example.test'] });
    // A mail client lists it by name.
    expect(mail.parsed.from?.value).to.deep.equal([{ name: 'DaTamer', address: 'datamer@datamer.test' }]);
    expect(mail.parsed.headers.get('auto-submitted')).to.equal('auto-generated');
    expect(mail.parsed.headers.get('x-datamer-event')).to.equal('42');
    expect(mail.parsed.subject).to.equal('[DaTamer] backup-db-7 FAILED');
    expect(mail.parsed.text).to.contain('The nightly backup of db-7 reported FAILED at 02:14.');
    expect(mail.parsed.html).to.contain('<b>db-7</b>');

    const sent = await reload(world.deps, row);
    expect(sent.status).to.equal('sent');
    expect(sent.attempts).to.equal(1);
    expect(sent.lastError).to.equal(null);
    expect(sent.sentAt?.getTime()).to.equal(world.clock.now().getTime());
    const attempts = await attemptsOf(world.deps, row);
    expect(attempts.map((a) => [a.outcome, a.worker])).to.deep.equal([['sent', 'worker-1']]);
    expect(attempts[0]!.response).to.match(/^250 OK: kept by the test sink as #1/);
  });

  it('does not send a mail again once it was sent', async () => {
    const row = await enqueueMail(world.deps, eventAlert(world.tenantId));
    await deliverDue(world.deps, world.transport, 'worker-1');
    world.clock.advance(24 * 3600_000);

    const again = await deliverDue(world.deps, world.transport, 'worker-1');

    expect(again).to.deep.equal({ sent: 0, retrying: 0, failed: 0, interrupted: 0 });
    expect(world.sink.countOf(row.messageIdHeader)).to.equal(1);
    expect(await attemptsOf(world.deps, row)).to.have.length(1);
  });

  it('sends a mail without html as text only', async () => {
    await enqueueMail(world.deps, eventAlert(world.tenantId, 1, { html: null }));

    await deliverDue(world.deps, world.transport, 'worker-1');

    expect(world.sink.mails).to.have.length(1);
    expect(world.sink.mails[0]!.parsed.html).to.equal(false);
    expect(world.sink.mails[0]!.parsed.text).to.contain('reported FAILED');
  });
});
