// Ctrl-C while DaTamer works through a day of mail: it stops after the batch in hand instead of
// finishing the whole inbox first, and the next start goes on from there: nothing lost, nothing
// stored twice.
import { expect } from 'chai';
import { appendTo, messageIdsIn, openMailboxWorld, startWatching, type MailboxWorld } from '../../helpers/imap.js';
import { requireMailServers, waitFor } from '../../helpers/net.js';

describe('stopping in the middle of a long pass', function () {
  this.timeout(120_000);
  let w: MailboxWorld;

  before(async () => {
    requireMailServers();
    w = await openMailboxWorld();
  });

  after(() => w?.dispose());

  it('stops after the batch in hand, and the next start takes in the rest, each message once', async () => {
    const { t, tenantId, user, mailbox, engineer } = w;
    // A first look, so what comes next is live mail and not the backlog.
    const first = startWatching(t.deps, mailbox);
    await waitFor(async () => (await t.db.models.Mailbox.findByPk(mailbox.id))!.lastSyncedAt !== null, 'the first pass');
    await first.stop();

    const total = 1200;
    for (let n = 0; n < total; n++) await appendTo(engineer, 'INBOX', { subject: `:info: :org:acme.web: request log ${n}`, messageId: `<stop-${n}.${user}>` }, user);

    const second = startWatching(t.deps, mailbox);
    await waitFor(async () => (await t.db.models.Message.count({ where: { tenantId } })) > 0, 'the first batch stored', 60_000);
    await second.stop();
    const storedAtStop = await t.db.models.Message.count({ where: { tenantId } });
    expect(storedAtStop, 'stopped before the whole inbox was taken in').to.be.below(total);
    // What was stored was also filed: the cursor never runs ahead of the mailbox.
    expect((await messageIdsIn(engineer, 'INBOX')).length).to.equal(total - storedAtStop);

    const third = startWatching(t.deps, mailbox);
    try {
      await waitFor(async () => (await t.db.models.Message.count({ where: { tenantId } })) === total, 'every message stored', 60_000);
      await waitFor(async () => (await messageIdsIn(engineer, 'INBOX')).length === 0, 'the inbox filed empty', 60_000);
    } finally {
      await third.stop();
    }
    const deliveries = (await t.db.models.Message.findAll({ where: { tenantId }, attributes: ['deliveries'] })).map((m) => m.deliveries);
    expect(deliveries.every((d) => d === 1), 'nothing stored twice').to.equal(true);
  });
});
