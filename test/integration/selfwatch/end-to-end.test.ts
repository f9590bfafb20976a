// The heartbeat's whole round trip: queued in the outbox, handed by the delivery code to an SMTP
// server that is DaTamer's own listener, taken in through ingest and counted in an hourly
// stream; and when it stops coming, DaTamer's schedule evaluation raises a missing alert.
import { expect } from 'chai';
import nodemailer from 'nodemailer';
import { loadConfig } from '../../../src/config.js';
import { createSmtpListener, type SmtpListener } from '../../../src/mailboxes/smtp/listener.js';
import { deliverDue } from '../../../src/notifications/outbox.js';
import { syncStreams } from '../../../src/schedules/streams.js';
import { evaluateDue } from '../../../src/schedules/tick.js';
import { queueHeartbeats } from '../../../src/selfwatch/heartbeat.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { openTestDb, testDialect, type TestDb } from '../../helpers/db.js';
import { freePort } from '../../helpers/net.js';

const MINUTE = 60_000;
const KEY = 'org=datamer.self|svr=|from=ops@acme.test|per=hour';

describe(`the heartbeat through DaTamer's own SMTP listener (${testDialect})`, function () {
  this.timeout(30_000);
  let t: TestDb;
  let listener: SmtpListener;
  let transport: ReturnType<typeof nodemailer.createTransport>;
  let acmeId: number;

  beforeEach(async () => {
    t = await openTestDb();
    const acme = await addTenant(t.deps, { name: 'acme', address: 'ops@acme.test' });
    acmeId = acme.tenant.id;
    await acme.tenant.update({ selfAddress: 'ops@acme.test' });
    const port = await freePort();
    listener = createSmtpListener(t.deps, { ...loadConfig({}).smtp, host: '127.0.0.1', port });
    await listener.listen();
    // DATAMER_OUTGOING_SMTP_URL pointed at DaTamer itself: the outgoing path in the smallest loop.
    transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  });
  afterEach(async () => {
    transport?.close();
    await listener?.close();
    await t.dispose();
  });

  /** One hour of DaTamer at work: the heartbeat job, the delivery job, the stream job. */
  async function hourOfWork(): Promise<void> {
    await queueHeartbeats(t.deps, { server: 'dt1.example.test' });
    const delivered = await deliverDue(t.deps, transport, 'test-worker');
    expect(delivered.sent, 'heartbeats delivered').to.equal(1);
    await syncStreams(t.deps);
  }

  it('arrives back as a stored MSE counted in the hourly datamer.self stream', async () => {
    await hourOfWork();
    const stored = await t.db.models.Message.findAll({ where: { tenantId: acmeId } });
    expect(stored).to.have.length(1);
    const message = stored[0]!;
    expect(message.source).to.equal('smtp');
    expect(message.severity).to.equal('info');
    expect(message.org).to.equal('datamer.self');
    expect(message.streamKey).to.equal(KEY);
    // It feeds the stream and nothing else: no event every hour.
    expect(await t.db.models.Event.count({ where: { tenantId: acmeId } })).to.equal(0);
    const outbox = await t.db.models.OutboxMail.findOne({ where: { kind: 'self-heartbeat' } });
    expect(outbox!.status).to.equal('sent');
    expect(message.messageIdHeader).to.equal(outbox!.messageIdHeader);

    const streams = await t.db.models.Stream.findAll({ where: { tenantId: acmeId } });
    expect(streams.map((s) => ({ key: s.key, period: s.period, n: s.n }))).to.deep.equal([{ key: KEY, period: 'hour', n: 1 }]);
  });

  it('raises a missing-schedule alert on the datamer.self stream when the heartbeats stop coming back', async () => {
    for (let hour = 0; hour < 3; hour++) {
      await hourOfWork();
      expect((await evaluateDue(t.deps)).raised, `alerts in hour ${hour}`).to.deep.equal([]);
      t.clock.advance(60 * MINUTE);
    }
    // The outgoing path breaks: heartbeats are queued but never come back.
    await listener.close();
    let raised: Awaited<ReturnType<typeof evaluateDue>>['raised'] = [];
    for (let minute = 0; minute <= 90 && raised.length === 0; minute += 5) {
      await queueHeartbeats(t.deps, { server: 'dt1.example.test' });
      raised = (await evaluateDue(t.deps)).raised;
      if (raised.length === 0) t.clock.advance(5 * MINUTE);
    }
    expect(raised.map((r) => ({ condition: r.condition, stream: r.stream, org: r.org }))).to.deep.equal([
      { condition: 'missing', stream: KEY, org: 'datamer.self' },
    ]);
    // The last heartbeat came back at 10:00; an hour without one plus the 10-minute grace.
    expect(t.clock.now().toISOString()).to.equal('2026-11-23T11:10:00.000Z');
  });
});
