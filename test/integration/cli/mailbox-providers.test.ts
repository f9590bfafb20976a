// `datamer mailbox add --graph | --gmail` and `datamer mailbox test` as an admin uses them,
// against the fake Graph and Gmail (test/fakes) through the official clients: the credential is
// checked by signing in, stored encrypted, and what is missing is said in the words of the
// Microsoft Entra admin center and the Google Admin console.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { openDb, type Db } from '../../../src/db.js';
import { decryptSecret } from '../../../src/mailboxes/secrets.js';
import { inProcess } from '../../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { TEST_KEY } from '../../helpers/imap.js';
import { testServiceAccount } from '../../helpers/shared-mailboxes.js';
import { FakeGmail, GMAIL_SCOPE } from '../../fakes/gmail-server.js';
import { FAKE_CLIENT, FAKE_SECRET, FAKE_TENANT, FakeGraph } from '../../fakes/graph-server.js';

describe('datamer mailbox for Microsoft 365 and Gmail (fakes)', function () {
  this.timeout(60_000);
  let database: TestDatabase;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let db: Db | null = null;
  const fakes: Array<{ stop(): Promise<void> }> = [];

  const run = (...args: string[]) => inProcess(env, ...args);
  const file = (name: string, content: string) => {
    const at = path.join(dir, name);
    writeFileSync(at, content, { mode: 0o600 });
    return at;
  };
  const stored = async () => (db ??= await openDb(database.url)).models.Mailbox.findAll({ where: { kind: ['graph', 'gmail'] }, order: [['id', 'ASC']] });

  beforeEach(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(path.join(os.tmpdir(), 'datamer-providers-cli-'));
    env = { ...process.env, DATABASE_URL: database.url, DATAMER_DATA_DIR: dir, DATAMER_SECRET_KEY: TEST_KEY.toString('hex'), DATAMER_LOG_LEVEL: 'silent' };
    delete env.DATAMER_SECRET_KEY_FILE;
    expect((await run('tenant', 'add', 'acme', '--address', 'alerts@acme.test')).code).to.equal(0);
  });

  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((f) => f.stop()));
    await db?.close();
    db = null;
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('Microsoft 365 (Graph)', () => {
    let graph: FakeGraph;
    const address = 'ops@acme.example';
    const addGraph = (secret: string, extra: string[] = []) =>
      run('mailbox', 'add', '--tenant', 'acme', '--graph', '--tenant-id', FAKE_TENANT, '--client-id', FAKE_CLIENT, '--secret-file', file('secret', `${secret}\n`), '--mailbox', address, '--graph-url', graph.url, '--login-url', graph.url, ...extra);

    beforeEach(async () => {
      graph = await new FakeGraph({ mailboxes: [address, 'finance@acme.example'], allowed: [address] }).start();
      fakes.push(graph);
    });

    it('adds the mailbox once the app signs in, stores the client secret encrypted, and mailbox test says what works', async () => {
      const added = await addGraph(FAKE_SECRET);
      expect(added.stderr).to.equal('');
      expect(added.stdout).to.match(/^mailbox \d+ added to acme: graph:ops@acme\.example \(organize\)\n/);
      const [row] = await stored();
      expect(row!.secret).to.match(/^v1:/);
      expect(row!.secret).not.to.contain(FAKE_SECRET);
      expect(decryptSecret(TEST_KEY, row!.secret!)).to.equal(FAKE_SECRET);
      expect(JSON.stringify(row!.settings)).not.to.contain(FAKE_SECRET);

      const tested = await run('mailbox', 'test', String(row!.id), '--tenant', 'acme');
      expect(tested).to.deep.equal({
        code: 0,
        stdout: `ok: signed in as app ${FAKE_CLIENT} of tenant ${FAKE_TENANT}, and the Inbox of ${address} can be read (Mail.ReadWrite)\nok: new mail can be followed (delta queries on the Inbox)\n`,
        stderr: '',
      });

      // The admin makes a new client secret in the app registration; the stored one stops working.
      graph.rotateSecret('the-new-secret');
      const refused = await run('mailbox', 'test', String(row!.id), '--tenant', 'acme');
      expect(refused.code).to.equal(1);
      expect(refused.stdout, refused.stdout).to.match(/^MISSING: graph:ops@acme\.example: Microsoft Entra ID refused the app's client secret \(wrong, or expired\): AADSTS7000215: .*; give a valid one with: datamer mailbox password\n$/);
      expect((await run('mailbox', 'password', String(row!.id), '--tenant', 'acme', '--secret-file', file('new', 'the-new-secret\n'))).code).to.equal(0);
      expect((await run('mailbox', 'test', String(row!.id), '--tenant', 'acme')).code).to.equal(0);
    });

    it('refuses a wrong secret, and a mailbox outside the app\'s scope, in the admin\'s words, and adds nothing', async () => {
      const wrong = await addGraph('not-the-secret');
      expect(wrong.code).to.equal(1);
      expect(wrong.stderr).to.contain("Microsoft Entra ID refused the app's client secret");
      expect(wrong.stderr).not.to.contain('not-the-secret');
      const outside = await run(
        'mailbox', 'add', '--tenant', 'acme', '--graph', '--tenant-id', FAKE_TENANT, '--client-id', FAKE_CLIENT, '--secret-file', file('secret', FAKE_SECRET),
        '--mailbox', 'finance@acme.example', '--graph-url', graph.url, '--login-url', graph.url,
      );
      expect(outside.code).to.equal(1);
      expect(outside.stderr).to.match(/the app may not use this mailbox \(ErrorAccessDenied: .*\); grant the application permission Mail\.ReadWrite with admin consent, and include finance@acme\.example in the app's scope \(RBAC for Applications\)/);
      expect(await stored()).to.deep.equal([]);
    });

    /** A self-signed certificate and its key, as an admin makes one with openssl for the app registration. */
    const certificate = (name: string) => {
      const [cert, key] = [path.join(dir, `${name}.crt`), path.join(dir, `${name}.key`)];
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=DaTamer', '-days', '2', '-keyout', key, '-out', cert], { stdio: 'ignore' });
      return { uploaded: readFileSync(cert, 'utf8'), pemFile: file(`${name}.pem`, readFileSync(cert, 'utf8') + readFileSync(key, 'utf8')) };
    };
    const addGraphWithCertificate = (pemFile: string) =>
      run('mailbox', 'add', '--tenant', 'acme', '--graph', '--tenant-id', FAKE_TENANT, '--client-id', FAKE_CLIENT, '--certificate-file', pemFile, '--mailbox', address, '--graph-url', graph.url, '--login-url', graph.url);

    it('signs in with a certificate instead of a secret: a client assertion the identity platform verifies against the uploaded certificate', async () => {
      const mine = certificate('datamer');
      graph.replaceCertificate(mine.uploaded);
      const added = await addGraphWithCertificate(mine.pemFile);
      expect(added.stderr).to.equal('');
      expect(added.code).to.equal(0);
      expect(graph.acceptedAssertions, 'the assertions the fake verified').to.be.greaterThan(0);
      const [row] = await stored();
      expect(row!.settings).to.include({ credential: 'certificate' });
      expect(row!.secret).not.to.contain('PRIVATE KEY');
      expect(decryptSecret(TEST_KEY, row!.secret!)).to.contain('-----BEGIN PRIVATE KEY-----');
      expect((await run('mailbox', 'test', String(row!.id), '--tenant', 'acme')).code).to.equal(0);

      // The admin uploads a new certificate and deletes the old one: DaTamer's is refused, in the admin's words.
      const next = certificate('renewed');
      graph.replaceCertificate(next.uploaded);
      const refused = await run('mailbox', 'test', String(row!.id), '--tenant', 'acme');
      expect(refused.code).to.equal(1);
      expect(refused.stdout, refused.stdout).to.match(/^MISSING: graph:ops@acme\.example: Microsoft Entra ID refused the app's certificate: AADSTS700027: .*; give a valid one with: datamer mailbox password\n$/);
      expect((await run('mailbox', 'password', String(row!.id), '--tenant', 'acme', '--secret-file', next.pemFile)).code).to.equal(0);
      expect((await run('mailbox', 'test', String(row!.id), '--tenant', 'acme')).code).to.equal(0);
    });

    it('refuses a certificate the app registration does not have, and adds nothing', async () => {
      graph.replaceCertificate(certificate('registered').uploaded);
      const other = await addGraphWithCertificate(certificate('someone-elses').pemFile);
      expect(other.code).to.equal(1);
      expect(other.stderr).to.match(/Microsoft Entra ID refused the app's certificate: AADSTS700027/);
      expect(other.stderr).not.to.contain('PRIVATE KEY');
      expect(await stored()).to.deep.equal([]);
    });

    it("sends the tenant's mail through the mailbox once the admin says so, and by SMTP again with `smtp`; IMAP mailboxes cannot send", async () => {
      expect((await addGraph(FAKE_SECRET)).code).to.equal(0);
      const [row] = await stored();
      expect(await run('mailbox', 'send-through', String(row!.id), '--tenant', 'acme')).to.deep.equal({
        code: 0,
        stdout: `acme: DaTamer's mail goes out through mailbox ${row!.id} (graph:ops@acme.example), from ops@acme.example\n`,
        stderr: '',
      });
      const listed = JSON.parse((await run('mailbox', 'list', '--tenant', 'acme', '--json')).stdout) as Array<{ kind: string; sendsMail: boolean }>;
      expect(listed.map((m) => [m.kind, m.sendsMail])).to.deep.equal([['smtp', false], ['graph', true]]);
      expect((await run('mailbox', 'send-through', 'smtp', '--tenant', 'acme')).stdout).to.equal("acme: DaTamer's mail goes out by the outgoing SMTP server (DATAMER_OUTGOING_SMTP_URL)\n");
      expect((await stored())[0]!.sendsMail).to.equal(false);
      const imap = await run('mailbox', 'add', '--tenant', 'acme', '--imap', 'imaps://ops2%40acme.example@imap.acme.example', '--password-file', file('pw', 'x'), '--no-check');
      expect(imap.code).to.equal(0);
      const imapId = /^mailbox (\d+)/.exec(imap.stdout)![1]!;
      const byId = await run('mailbox', 'send-through', imapId, '--tenant', 'acme');
      expect(byId.code).to.equal(1);
      expect(byId.stderr).to.contain('cannot send mail (IMAP has no send; only Microsoft 365 and Gmail mailboxes can)');
      // Each change in the activity trail, the refused one not.
      const trail = await db!.models.Activity.findAll({ where: { action: 'mailbox-sends-mail' }, order: [['id', 'ASC']] });
      expect(trail.map((a) => a.detail)).to.deep.equal([{ id: row!.id, address: 'graph:ops@acme.example' }, { id: null, address: 'smtp' }]);
    });

    it('refuses the same mailbox a second time, also when it was added as IMAP on Microsoft 365', async () => {
      expect((await addGraph(FAKE_SECRET)).code).to.equal(0);
      const again = await addGraph(FAKE_SECRET);
      expect(again).to.include({ code: 1, stdout: '' });
      expect(again.stderr).to.contain('graph:ops@acme.example is already a mailbox of a tenant: one mailbox is watched once');
      const imap = await run('mailbox', 'add', '--tenant', 'acme', '--imap', 'imaps://OPS%40acme.example@outlook.office365.com', '--password-file', file('pw', 'x'), '--no-check');
      expect(imap.code).to.equal(1);
      expect(imap.stderr).to.contain('is already a mailbox of a tenant (as graph:ops@acme.example)');
    });
  });

  describe('Gmail', () => {
    let gmail: FakeGmail;
    const address = 'ops@acme.example';
    let account: ReturnType<typeof testServiceAccount>;
    const addGmail = () =>
      run('mailbox', 'add', '--tenant', 'acme', '--gmail', '--service-account-file', file('key.json', account.key), '--mailbox', address, '--gmail-api-url', gmail.url, '--google-token-url', `${gmail.url}/token`);

    beforeEach(async () => {
      account = testServiceAccount();
      gmail = await new FakeGmail({ users: [address], serviceAccount: account }).start();
      fakes.push(gmail);
    });

    it('adds the mailbox once the service account acts for it, stores its key encrypted, and mailbox test says what works', async () => {
      const added = await addGmail();
      expect(added.stderr).to.equal('');
      expect(added.stdout).to.match(/^mailbox \d+ added to acme: gmail:ops@acme\.example \(organize\)\n/);
      const [row] = await stored();
      expect(row!.secret).to.match(/^v1:/);
      expect(row!.secret).not.to.contain('PRIVATE KEY');
      expect(JSON.parse(decryptSecret(TEST_KEY, row!.secret!)).client_email).to.equal(account.clientEmail);
      expect(JSON.stringify(row!.settings)).not.to.contain('PRIVATE KEY');
      const tested = await run('mailbox', 'test', String(row!.id), '--tenant', 'acme');
      expect(tested).to.deep.equal({
        code: 0,
        stdout: `ok: service account ${account.clientEmail} acts for ${address} (domain-wide delegation, scope gmail.modify)\nok: the inbox can be read\n`,
        stderr: '',
      });
    });

    it('says which delegation is missing when the admin has not allowed the scope, and adds nothing', async () => {
      gmail.delegate(['https://www.googleapis.com/auth/gmail.readonly']);
      const refused = await addGmail();
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.contain(
        `Google refused to let service account ${account.clientEmail} act for ${address}: in the Admin console (Security, Access and data control, API controls, Domain-wide delegation) add its Client ID with the scope ${GMAIL_SCOPE}`,
      );
      expect(await stored()).to.deep.equal([]);
      const notAKey = await run('mailbox', 'add', '--tenant', 'acme', '--gmail', '--service-account-file', file('key.json', '{"type":"authorized_user"}'), '--mailbox', address);
      expect(notAKey).to.deep.equal({ code: 1, stdout: '', stderr: 'datamer: the service account file is not a service account key (it needs "type": "service_account", "client_email" and "private_key")\n' });
    });
  });
});
