// Every message gets a signature as it is stored: the id of its tenant's template, kept in the
// `signatures` table, so a storm of one kind of mail shares one signature, a restarted (or second)
// DaTamer process goes on with the same templates, and tenants never share one.
import { expect } from 'chai';
import { openDb, type Db } from '../../../src/db.js';
import { listSignatures } from '../../../src/correlation/signature-store.js';
import { receive } from '../../../src/pipeline.js';
import { silentLogger } from '../../../src/log.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';

let serial = 0;
const nagios = (type: 'PROBLEM' | 'RECOVERY', host: string, state: string) =>
  Buffer.from(
    `From: nagios@mon1.example.test\r\nTo: alerts@acme.test\r\nMessage-ID: <sig${serial++}@mon1.example.test>\r\n` +
      `Subject: ** ${type} Service Alert: ${host}/NFS mount /mnt/shared is ${state} **\r\n\r\n` +
      `***** Nagios *****\r\n\r\nNotification Type: ${type}\r\n\r\nService: NFS mount /mnt/shared\r\nHost: ${host}\r\nAddress: 10.0.1.${serial}\r\nState: ${state}\r\n`,
  );

describe('message signatures, stored', () => {
  let t: TestDb;
  let acme: number;
  let globex: number;
  const deliver = async (tenantId: number, ...raws: Buffer[]) => receive(t.deps, raws.map((raw) => ({ tenantId, mailboxId: null, raw, source: 'smtp' as const })));
  const signatureOf = async (messageId: number) => (await t.db.models.Message.findByPk(messageId))!.signatureId;

  beforeEach(async () => {
    t = await openTestDb();
    acme = (await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' })).tenant.id;
    globex = (await addTenant(t.deps, { name: 'globex', address: 'alerts@globex.test' })).tenant.id;
  });
  afterEach(() => t.dispose());

  it('gives a storm of one check across hosts one signature, and its recoveries another', async () => {
    const problems = await deliver(acme, ...['web1', 'web2', 'api1.example.test', 'batch1'].map((h) => nagios('PROBLEM', h, 'CRITICAL')));
    const recoveries = await deliver(acme, nagios('RECOVERY', 'web1', 'OK'), nagios('RECOVERY', 'web2', 'OK'));
    const problemIds = await Promise.all(problems.map((r) => signatureOf(r.messageId)));
    const recoveryIds = await Promise.all(recoveries.map((r) => signatureOf(r.messageId)));
    expect(new Set(problemIds).size).to.equal(1);
    expect(problemIds[0]).to.be.a('number');
    expect(new Set(recoveryIds).size).to.equal(1);
    expect(recoveryIds[0]).to.not.equal(problemIds[0]);

    const stored = await listSignatures(t.deps, acme);
    expect(stored.map((s) => s.id)).to.deep.equal([problemIds[0], recoveryIds[0]]);
    expect(stored[0]!.template).to.equal('** PROBLEM Service Alert: <*> / NFS mount <*> is CRITICAL ** ¶ ***** Nagios ***** Notification Type: PROBLEM Service: NFS mount <*> Host: <*>');
  });

  it('keeps each tenant\'s templates apart', async () => {
    const [a] = await deliver(acme, nagios('PROBLEM', 'web1', 'CRITICAL'));
    const [b] = await deliver(globex, nagios('PROBLEM', 'web1', 'CRITICAL'));
    expect(await signatureOf(a!.messageId)).to.not.equal(await signatureOf(b!.messageId));
    expect((await listSignatures(t.deps, acme)).map((s) => s.id)).to.deep.equal([await signatureOf(a!.messageId)]);
    expect((await listSignatures(t.deps, globex)).map((s) => s.id)).to.deep.equal([await signatureOf(b!.messageId)]);
  });

  it('goes on with the stored templates in another process', async () => {
    const [first] = await deliver(acme, nagios('PROBLEM', 'web1', 'CRITICAL'));
    let other: Db | null = null;
    try {
      // A second connection has its own miners: it starts from the table, as a restarted process does.
      other = await openDb(t.url);
      const [later] = await receive({ db: other, clock: t.clock, log: silentLogger() }, [{ tenantId: acme, mailboxId: null, raw: nagios('PROBLEM', 'db7', 'CRITICAL'), source: 'smtp' }]);
      expect(await signatureOf(later!.messageId)).to.equal(await signatureOf(first!.messageId));
      expect(await listSignatures(t.deps, acme)).to.have.length(1);
    } finally {
      await other?.close();
    }
  });

  it('stores the message and its event even when its signature cannot be written', async () => {
    await t.db.sequelize.getQueryInterface().dropTable('signatures');
    const [r] = await deliver(acme, nagios('PROBLEM', 'web1', 'CRITICAL'));
    expect(r!.eventId).to.be.a('number');
    const m = (await t.db.models.Message.findByPk(r!.messageId))!;
    expect(m).to.deep.include({ signatureId: null, severity: 'critical' });
    expect(m.classifiedAt).to.not.equal(null);
  });
});
