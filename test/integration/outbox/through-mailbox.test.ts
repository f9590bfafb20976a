// DaTamer's own mail sent through a tenant's Microsoft 365 or Gmail mailbox (Graph sendMail,
// Gmail messages.send) instead of the outgoing SMTP server, against the fakes (test/fakes)
// through the official clients: claimed once, sent once, retried with the outbox's backoff when
// the service is away, failed at once when the provider refuses for good, in the admin's words.
import { expect } from 'chai';
import { simpleParser } from 'mailparser';
import { VirtualClock } from '../../../src/clock.js';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/log.js';
import { sendMailThrough } from '../../../src/mailboxes/mailbox-store.js';
import { runOutboxDelivery } from '../../../src/notifications/delivery-run.js';
import { backoffMs, deliverDue, DELIVERY, enqueueMail } from '../../../src/notifications/outbox.js';
import { outgoingRoutes } from '../../../src/notifications/outgoing-routes.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import type { OutboxMail } from '../../../models/index.js';
import { testDialect } from '../../helpers/db.js';
import { TEST_KEY } from '../../helpers/imap.js';
import { gmailShared, graphShared } from '../../helpers/shared-mailboxes.js';
import { attemptsOf, eventAlert, openOutboxWorld, reload, type OutboxWorld } from './outbox-world.js';

type Shared = Awaited<ReturnType<typeof graphShared>> | Awaited<ReturnType<typeof gmailShared>>;

const KINDS = {
  graph: {
    name: 'Microsoft Graph sendMail, fake',
    open: graphShared,
    /** the admin takes the application permission Mail.Send away */
    refuse: (shared: Shared) => (shared.fake as Awaited<ReturnType<typeof graphShared>>['fake']).allowSending(false),
    refused: /graph:\S+: the app may not send as this mailbox \(ErrorAccessDenied: .*\); grant the application permission Mail\.Send/,
  },
  gmail: {
    name: 'Gmail messages.send, fake',
    open: gmailShared,
    /** the admin removes the service account's domain-wide delegation */
    refuse: (shared: Shared) => shared.faults.refuseCredential(),
    refused: /gmail:\S+: Google refused to let service account \S+ act for \S+: in the Admin console .*Domain-wide delegation/,
  },
} as const;

for (const [kind, { name, open, refuse, refused }] of Object.entries(KINDS)) {
  describe(`outbox through the tenant's mailbox: ${name} (${testDialect})`, function () {
    this.timeout(30_000);
    let world: OutboxWorld;
    let shared: Shared;

    const routes = (smtp: boolean) => outgoingRoutes(world.deps, smtp ? world.transport : null, () => TEST_KEY);
    async function deliver(smtp = true) {
      const open = await routes(smtp);
      try {
        return await deliverDue(world.deps, open, 'worker-1');
      } finally {
        await open.close();
      }
    }
    const sentIds = async () => Promise.all(shared.faults.sent().map(async (raw) => (await simpleParser(raw)).messageId));
    const queue = (n = 1) => enqueueMail(world.deps, eventAlert(world.tenantId, n, { headers: { 'Reply-To': `ops+k${'a'.repeat(20)}-e${n}@datamer.test` } }));

    beforeEach(async () => {
      world = await openOutboxWorld();
      shared = (await open(world.deps, world.tenantId)) as Shared;
      await sendMailThrough(world.deps, world.tenantId, shared.mailbox);
    });
    afterEach(async () => {
      await shared.dispose();
      await world.close();
    });

    it('sends each mail once through the mailbox, as the mailbox, with its Message-ID and Reply-To, and none by SMTP', async () => {
      const rows = [await queue(1), await queue(2)];

      expect(await deliver()).to.deep.equal({ sent: 2, retrying: 0, failed: 0, interrupted: 0 });

      expect(await sentIds()).to.have.members(rows.map((r) => r.messageIdHeader));
      const first = await simpleParser(shared.faults.sent()[0]!);
      expect(first.from?.value).to.deep.equal([{ address: shared.address, name: 'DaTamer' }]);
      expect(first.replyTo?.text).to.match(/^ops\+ka{20}-e[12]@datamer\.test$/);
      expect(first.headers.get('auto-submitted')).to.equal('auto-generated');
      expect(world.sink.mails).to.have.length(0);
      for (const row of rows) {
        const state = await reload(world.deps, row);
        expect(state.status).to.equal('sent');
        expect((await attemptsOf(world.deps, row)).map((a) => [a.outcome, a.response])).to.deep.equal([['sent', `sent through ${kind}:${shared.address}`]]);
      }
      // Nothing is sent twice by a later run.
      world.clock.advance(DELIVERY.maxBackoffMs * 2);
      expect((await deliver()).sent).to.equal(0);
      expect(shared.faults.sent()).to.have.length(2);
    });

    it('a throttled send is waited out and sent once', async () => {
      const row = await queue();
      shared.faults.throttle(2);

      expect((await deliver()).sent).to.equal(1);

      expect(await sentIds()).to.deep.equal([row.messageIdHeader]);
      expect(shared.faults.pressure().refused).to.equal(2);
    });

    it('while the service is away the mail waits for the backoff, then goes out once', async () => {
      const row = await queue();
      await shared.faults.goAway();
      let away = true;
      try {
        expect(await deliver()).to.deep.equal({ sent: 0, retrying: 1, failed: 0, interrupted: 0 });
        const state = await reload(world.deps, row);
        expect(state.status).to.equal('queued');
        expect(state.lastError).to.match(/cannot reach/);
        await shared.faults.comeBack();
        away = false;
        // Not before the backoff.
        expect((await deliver()).sent).to.equal(0);
        world.clock.advance(backoffMs(1));
        expect((await deliver()).sent).to.equal(1);
      } finally {
        if (away) await shared.faults.comeBack();
      }
      expect(await sentIds()).to.deep.equal([row.messageIdHeader]);
      expect((await attemptsOf(world.deps, row)).map((a) => a.outcome)).to.deep.equal(['retry', 'sent']);
    });

    it('a refusal for good fails the mail at once, says what the admin must grant, and is never tried again', async () => {
      const row = await queue();
      await refuse(shared);

      expect(await deliver()).to.deep.equal({ sent: 0, retrying: 0, failed: 1, interrupted: 0 });

      const state = await reload(world.deps, row);
      expect(state.status).to.equal('failed');
      expect(state.lastError ?? '').to.match(refused);
      world.clock.advance(DELIVERY.maxBackoffMs * 2);
      expect(await deliver()).to.deep.equal({ sent: 0, retrying: 0, failed: 0, interrupted: 0 });
      expect(shared.faults.sent()).to.have.length(0);
      expect(world.sink.mails).to.have.length(0);
    });

    it("another tenant's mail still goes by SMTP; without an SMTP server it waits, untried, while this tenant's leaves", async () => {
      const { tenant: other } = await addTenant(world.deps, { name: 'web', address: 'web@datamer.test' });
      const mine = await queue();
      const theirs = await enqueueMail(world.deps, eventAlert(other.id, 9));

      expect(await deliver(false)).to.deep.equal({ sent: 1, retrying: 0, failed: 0, interrupted: 0 });
      expect(await sentIds()).to.deep.equal([mine.messageIdHeader]);
      const waiting: OutboxMail = await reload(world.deps, theirs);
      expect(waiting).to.include({ status: 'queued', attempts: 0 });

      expect((await deliver(true)).sent).to.equal(1);
      expect(world.sink.countOf(theirs.messageIdHeader)).to.equal(1);
      expect(shared.faults.sent()).to.have.length(1);
    });

    it('back to SMTP: the next mail goes to the outgoing server', async () => {
      await sendMailThrough(world.deps, world.tenantId, null);
      const row = await queue();
      expect((await deliver()).sent).to.equal(1);
      expect(world.sink.countOf(row.messageIdHeader)).to.equal(1);
      expect(shared.faults.sent()).to.have.length(0);
    });

    it('the delivery job sends through the mailbox with no outgoing SMTP server configured', async () => {
      // The job runs on the system clock; mail queued at the start of 1970 is due whatever the date.
      const row = await enqueueMail({ ...world.deps, clock: new VirtualClock(0) }, eventAlert(world.tenantId));
      const config = loadConfig({ DATABASE_URL: world.url, DATAMER_SECRET_KEY: TEST_KEY.toString('hex') });

      const report = await runOutboxDelivery(config, silentLogger());

      expect(report).to.deep.equal({ sent: 1, retrying: 0, failed: 0, interrupted: 0 });
      expect(await sentIds()).to.deep.equal([row.messageIdHeader]);
    });
  });
}
