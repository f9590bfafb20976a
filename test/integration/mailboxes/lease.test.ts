// Several DaTamer processes can share one database (docs/mailbox.md, Several DaTamer processes): each mailbox is worked by
// one of them at a time, through a lease in the database, and another takes over when the
// holder stops renewing it.
import { expect } from 'chai';
import { addTestMailbox, deliverThroughPostfix, freshMailboxUser, messageIdsIn, openMailboxWorld, startWatching, type MailboxWorld, type RunningWatcher } from '../../helpers/imap.js';
import { requireMailServers, waitFor } from '../../helpers/net.js';

describe('one process per mailbox, through a lease', function () {
  this.timeout(120_000);
  let w: MailboxWorld;
  const running: RunningWatcher[] = [];

  before(async () => {
    requireMailServers();
    w = await openMailboxWorld();
  });

  after(async () => {
    await Promise.all(running.map((r) => r.stop()));
    await w?.dispose();
  });

  it('two processes on one mailbox: one holds it, every message is filed once; when it stops, the other takes over', async () => {
    const { t, tenantId, user, mailbox, engineer } = w;
    // The virtual clock does not move by itself: the lease is judged by the test's clock.
    const first = startWatching(t.deps, mailbox, { owner: 'process-a', leaseMs: 60_000 });
    running.push(first);
    await waitFor(async () => (await t.db.models.Mailbox.findByPk(mailbox.id))!.leaseOwner === 'process-a', 'process a to take the lease');
    // Mail that is in the inbox before DaTamer's first look is the backlog, which it leaves for
    // `datamer mailbox organize --backlog` (docs/mailbox.md): the test's mail comes after that look.
    await waitFor(async () => (await t.db.models.Mailbox.findByPk(mailbox.id))!.lastSyncedAt !== null, 'the first pass over the mailbox');
    const second = startWatching(t.deps, mailbox, { owner: 'process-b', leaseMs: 60_000, discoverMs: 100 });
    running.push(second);

    const ids = await Promise.all(Array.from({ length: 10 }, (_, n) => deliverThroughPostfix(user, { subject: `:warn: :org:acme.web: 5xx rate ${n} on web1` })));
    // Ten messages through Postfix, Dovecot and two watchers took 9 s on a two-core machine at load 15.
    await waitFor(async () => (await messageIdsIn(engineer, 'DaTamer/acme/web')).length === ids.length, 'all ten messages filed', 45_000).catch(async (err) => {
      const box = (await t.db.models.Mailbox.findByPk(mailbox.id))!;
      const folders = await Promise.all((await engineer.list()).map(async (f) => `${f.path}: ${(await messageIdsIn(engineer, f.path)).length}`));
      throw new Error(`${(err as Error).message}; stored ${await t.db.models.Message.count({ where: { tenantId } })}, lease ${box.leaseOwner}, last error ${box.lastError}; folders ${folders.join(', ')}`);
    });
    expect(await t.db.models.Message.count({ where: { tenantId } })).to.equal(ids.length);
    expect((await t.db.models.Mailbox.findByPk(mailbox.id))!.leaseOwner).to.equal('process-a');

    await first.stop();
    // a's lease is released when it stops cleanly; b finds the mailbox free at its next try.
    await waitFor(async () => (await t.db.models.Mailbox.findByPk(mailbox.id))!.leaseOwner === 'process-b', 'process b to take over');
    const late = await deliverThroughPostfix(user, { subject: ':warn: :org:acme.web: 5xx rate back to normal' });
    await waitFor(async () => (await messageIdsIn(engineer, 'DaTamer/acme/web')).includes(late), 'mail filed by process b');
  });

  it('a lease that ran out (its process died) is taken by another', async () => {
    const { t, tenantId } = w;
    const user2 = freshMailboxUser();
    const other = await addTestMailbox(t.deps, tenantId, user2);
    // A process that died holding the lease: it never renews.
    await t.db.models.Mailbox.update({ leaseOwner: 'dead-process', leaseUntil: new Date(t.clock.now().getTime() + 5_000) }, { where: { id: other.id } });
    const survivor = startWatching(t.deps, other, { owner: 'process-c', leaseMs: 60_000, discoverMs: 100 });
    running.push(survivor);
    await new Promise((r) => setTimeout(r, 500));
    expect((await t.db.models.Mailbox.findByPk(other.id))!.leaseOwner, 'the lease is still valid: hands off').to.equal('dead-process');
    t.clock.advance(6_000);
    await waitFor(async () => (await t.db.models.Mailbox.findByPk(other.id))!.leaseOwner === 'process-c', 'the expired lease to be taken');
  });
});
