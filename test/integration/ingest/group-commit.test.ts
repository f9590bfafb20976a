// Messages that arrive together are committed together (group commit). Whatever the batching,
// each message must get its own row and its own event, and a copy its first message's.
import { expect } from 'chai';
import { receive } from '../../../src/pipeline.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';

describe('messages arriving at the same moment', () => {
  let t: TestDb;
  let acme: number;
  let globex: number;

  beforeEach(async () => {
    t = await openTestDb();
    acme = (await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' })).tenant.id;
    globex = (await addTenant(t.deps, { name: 'globex', address: 'ops@globex.test' })).tenant.id;
  });
  afterEach(() => t.dispose());

  const mail = (n: number, id = `m${n}@burst`) =>
    Buffer.from(`From: cron@host${n}.example.com\r\nMessage-ID: <${id}>\r\nSubject: :warn: :org:ops.n${n}: burst ${n}\r\n\r\nbody ${n}\r\n`);

  it('gives each of 60 concurrent messages its own row and its own matching event', async () => {
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, n) => receive(t.deps, [{ tenantId: n % 2 ? acme : globex, mailboxId: null, raw: mail(n), source: 'smtp' }])),
    );
    const received = results.map((r) => r[0]!);
    expect(new Set(received.map((r) => r.messageId)).size).to.equal(60);
    expect(new Set(received.map((r) => r.eventId)).size).to.equal(60);
    for (const [n, r] of received.entries()) {
      const message = await t.db.models.Message.findByPk(r.messageId);
      expect(message!.subject).to.equal(`:warn: :org:ops.n${n}: burst ${n}`);
      expect(message!.tenantId).to.equal(n % 2 ? acme : globex);
      const event = await t.db.models.Event.findByPk(r.eventId!);
      expect(event).to.deep.include({ title: `:warn: :org:ops.n${n}: burst ${n}`, org: `ops.n${n}`, tenantId: n % 2 ? acme : globex });
      const link = await t.db.models.EventMessage.findOne({ where: { messageId: r.messageId } });
      expect(link!.eventId).to.equal(r.eventId);
    }
  });

  it('stores a message delivered many times at once exactly once, every copy pointing at it', async () => {
    const copies = await Promise.all(
      Array.from({ length: 12 }, () => receive(t.deps, [{ tenantId: acme, mailboxId: null, raw: mail(7, 'same@burst'), source: 'smtp' }])),
    );
    const received = copies.map((r) => r[0]!);
    const first = received.filter((r) => r.duplicateOf === null);
    expect(first).to.have.length(1);
    expect(received.every((r) => r.messageId === first[0]!.messageId && r.eventId === first[0]!.eventId)).to.equal(true);
    expect(await t.db.models.Message.count()).to.equal(1);
    expect(await t.db.models.Event.count()).to.equal(1);
    expect((await t.db.models.Message.findByPk(first[0]!.messageId))!.deliveries).to.equal(12);
  });

  it('stores one copy per tenant of a message addressed to two tenants, in one commit', async () => {
    const [a, g] = await receive(t.deps, [
      { tenantId: acme, mailboxId: null, raw: mail(1, 'both@burst'), source: 'smtp' },
      { tenantId: globex, mailboxId: null, raw: mail(1, 'both@burst'), source: 'smtp' },
    ]);
    expect([a!.tenantId, g!.tenantId]).to.deep.equal([acme, globex]);
    expect(a!.messageId).not.to.equal(g!.messageId);
    expect(a!.eventId).not.to.equal(g!.eventId);
    expect(a!.duplicateOf).to.equal(null);
    expect(g!.duplicateOf).to.equal(null);
  });
});
