// One SMTP transaction addressed to two tenants (fixtures/hostile/multi-tenant): each tenant's
// copy names only its own recipients, so a reply address with one tenant's user token never
// reaches another tenant's data. Through DaTamer's real listener.
import { expect } from 'chai';
import { loadConfig } from '../../../src/config.js';
import { commandTokenOf } from '../../../src/people/command-tokens.js';
import { createSmtpListener, type SmtpListener } from '../../../src/mailboxes/smtp/listener.js';
import { addUser } from '../../../src/people/people.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { freePort } from '../../helpers/net.js';
import { hostileMail, sendRaw } from './corpus.js';

const raw = hostileMail('multi-tenant').get('one-transaction-two-tenants.eml')!;

describe('hostile mail: one SMTP transaction addressed to two tenants', () => {
  let t: TestDb;
  let listener: SmtpListener;
  let port: number;
  let acme: number;
  let globex: number;
  let token: string;

  beforeEach(async () => {
    t = await openTestDb();
    acme = (await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' })).tenant.id;
    globex = (await addTenant(t.deps, { name: 'globex', address: 'ops@globex.test' })).tenant.id;
    token = await commandTokenOf(t.deps, await addUser(t.deps, acme, { email: 'alice@acme.test', handle: 'alice' }));
    port = await freePort();
    listener = createSmtpListener(t.deps, { ...loadConfig({}).smtp, host: '127.0.0.1', port });
    await listener.listen();
  });
  afterEach(async () => {
    await listener.close();
    await t.dispose();
  });

  /** Every stored row of a tenant, as text: where a leaked secret would show. */
  async function everythingOf(tenantId: number): Promise<string> {
    const { Message, CommandMail } = t.db.models;
    const rows = [...(await Message.findAll({ where: { tenantId } })), ...(await CommandMail.findAll({ where: { tenantId } }))];
    return rows.map((r) => JSON.stringify(r.get({ plain: true }))).join('\n');
  }

  it("the other tenant's stored envelope holds neither acme's reply address nor its user's token", async () => {
    const response = await sendRaw(port, raw, { from: 'cron@db1.example.com', to: [`alerts+k${token}@acme.test`, 'ops@globex.test'] });
    expect(response).to.match(/^250 /);
    const [copy] = await t.db.models.Message.findAll({ where: { tenantId: globex } });
    expect(copy!.envelopeTo).to.deep.equal(['ops@globex.test']);
    expect(await everythingOf(globex)).to.not.contain(token);
  });

  it("each tenant keeps all of its own recipients and none of the other's", async () => {
    // A second DaTamer address of acme's.
    await t.db.models.Mailbox.create({ tenantId: acme, kind: 'smtp', address: 'oncall@acme.test', mode: 'ingest', createdAt: t.clock.now() });
    await sendRaw(port, raw, { from: 'cron@db1.example.com', to: ['alerts@acme.test', 'ops@globex.test', 'oncall@acme.test'] });
    const envelopeOf = async (tenantId: number) => (await t.db.models.Message.findOne({ where: { tenantId } }))!.envelopeTo;
    expect(await envelopeOf(acme)).to.deep.equal(['alerts@acme.test', 'oncall@acme.test']);
    expect(await envelopeOf(globex)).to.deep.equal(['ops@globex.test']);
  });
});
