import { expect } from 'chai';
import { openDb, type Db } from '../../../src/db.js';
import type { Deps } from '../../../src/deps.js';
import { silentLogger } from '../../../src/log.js';
import { deliverDue } from '../../../src/notifications/outbox.js';
import { testDialect } from '../../helpers/db.js';
import { openOutboxWorld, queueAlerts, transportTo, type OutboxWorld } from './outbox-world.js';

const MAILS = 200;

describe(`outbox with two workers at once (${testDialect})`, () => {
  let world: OutboxWorld;
  const connections: Db[] = [];
  const transports: Array<{ close(): void }> = [];
  beforeEach(async () => {
    world = await openOutboxWorld();
  });
  afterEach(async () => {
    for (const t of transports.splice(0)) t.close();
    for (const db of connections.splice(0)) await db.close();
    await world.close();
  });

  /** A worker as another process would be: its own database connection and its own SMTP client. */
  async function worker(): Promise<{ deps: Deps; transport: ReturnType<typeof transportTo> }> {
    const db = await openDb(world.url);
    connections.push(db);
    const transport = transportTo(world.sink.port);
    transports.push(transport);
    return { deps: { db, clock: world.clock, log: silentLogger() }, transport };
  }

  it('delivers every mail exactly once when two workers on separate connections run together', async () => {
    const rows = await queueAlerts(world.deps, world.tenantId, MAILS);
    const a = await worker();
    const b = await worker();

    const [reportA, reportB] = await Promise.all([
      deliverDue(a.deps, a.transport, 'worker-a'),
      deliverDue(b.deps, b.transport, 'worker-b'),
    ]);

    expect(reportA.sent + reportB.sent, 'mails the two workers say they sent').to.equal(MAILS);
    expect(reportA.retrying + reportB.retrying + reportA.failed + reportB.failed).to.equal(0);
    // The sink is the truth: what a recipient would have seen.
    expect(world.sink.mails).to.have.length(MAILS);
    const seen = new Map<string, number>();
    for (const mail of world.sink.mails) seen.set(mail.messageId ?? '(none)', (seen.get(mail.messageId ?? '(none)') ?? 0) + 1);
    for (const row of rows) expect(seen.get(row.messageIdHeader), `copies of ${row.messageIdHeader}`).to.equal(1);

    const { OutboxMail, OutboxAttempt } = world.db.models;
    const statuses = (await OutboxMail.findAll()).map((r) => r.status);
    expect(statuses.filter((s) => s === 'sent')).to.have.length(MAILS);
    const attempts = await OutboxAttempt.findAll();
    expect(attempts.every((at) => at.outcome === 'sent')).to.equal(true);
    const perRow = new Map<number, number>();
    for (const at of attempts) perRow.set(at.outboxId, (perRow.get(at.outboxId) ?? 0) + 1);
    for (const row of rows) expect(perRow.get(row.id), `sent attempts of outbox row ${row.id}`).to.equal(1);
    // Each attempt names the worker whose report counted it.
    expect(attempts.filter((at) => at.worker === 'worker-a')).to.have.length(reportA.sent);
    expect(attempts.filter((at) => at.worker === 'worker-b')).to.have.length(reportB.sent);
  });
});
