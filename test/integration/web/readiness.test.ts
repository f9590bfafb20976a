// /healthz and /readyz as an external watchdog (a Kubernetes probe, a cron curl) asks them, and
// /health as anyone, or a logged-in user, reads it.
import { expect } from 'chai';
import type { Server } from 'node:http';
import { openDb } from '../../../src/db.js';
import { silentLogger } from '../../../src/log.js';
import { migrate } from '../../../src/migrate.js';
import { addUser } from '../../../src/people/people.js';
import { setPassword } from '../../../src/people/passwords.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { createApp } from '../../../src/web/app.js';
import { VirtualClock } from '../../../src/clock.js';
import { createTestDatabase, openTestDb, TEST_START, testDialect, type TestDatabase, type TestDb } from '../../helpers/db.js';
import { freePort } from '../../helpers/net.js';
import { logInOverHttp } from '../../helpers/site.js';

async function serve(app: ReturnType<typeof createApp>): Promise<{ server: Server; base: string }> {
  const port = await freePort();
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, '127.0.0.1');
    s.once('listening', () => resolve(s));
    s.once('error', reject);
  });
  return { server, base: `http://127.0.0.1:${port}` };
}

function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function get(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe(`/healthz and /readyz for a watchdog (${testDialect})`, () => {
  describe('with a working database', () => {
    let t: TestDb;
    let server: Server;
    let base: string;
    let acmeId: number;

    beforeEach(async () => {
      t = await openTestDb();
      acmeId = (await addTenant(t.deps, { name: 'acme', address: 'ops@acme.test' })).tenant.id;
      ({ server, base } = await serve(createApp(t.deps)));
    });
    afterEach(async () => {
      await closeServer(server);
      await t.dispose();
    });

    it('answers /healthz with 200 and status ok', async () => {
      expect(await get(`${base}/healthz`)).to.deep.equal({ status: 200, body: { status: 'ok' } });
    });

    it('answers /readyz with 200 when the database answers and every mailbox works', async () => {
      const { status, body } = await get(`${base}/readyz`);
      expect(status).to.equal(200);
      expect(body).to.deep.equal({ status: 'ready', database: 'ok', failingMailboxes: 0, smtp: 'ok', reasons: [], checkedAt: TEST_START.toISOString() });
    });

    it('answers /readyz with 503 and how many mailboxes fail, naming no tenant, address or error', async () => {
      await t.db.models.Mailbox.update({ lastError: 'IMAP login refused for ops@acme.test' }, { where: { address: 'ops@acme.test' } });
      const res = await fetch(`${base}/readyz`);
      const text = await res.text();
      expect(res.status).to.equal(503);
      expect(JSON.parse(text)).to.deep.equal({
        status: 'not ready', database: 'ok', failingMailboxes: 1, smtp: 'ok', reasons: ['1 mailbox is failing'], checkedAt: TEST_START.toISOString(),
      });
      for (const secret of ['acme', 'IMAP', 'refused']) expect(text).not.to.contain(secret);
      // Liveness is not readiness: the process still answers.
      expect((await get(`${base}/healthz`)).status).to.equal(200);
    });

    it('tells the same verdict on /health to anyone, as JSON and on the page, and the details only to a user of that tenant', async () => {
      const globex = await addTenant(t.deps, { name: 'globex', address: 'alerts@globex.test' });
      await addUser(t.deps, acmeId, { email: 'ann@acme.test', handle: 'ann' });
      await setPassword(t.deps, acmeId, 'ann', 'ann reads the health page');
      await addUser(t.deps, globex.tenant.id, { email: 'gus@globex.test', handle: 'gus' });
      await setPassword(t.deps, globex.tenant.id, 'gus', 'gus reads it too, at globex');
      await t.db.models.Mailbox.update({ lastError: 'IMAP login refused' }, { where: { address: 'ops@acme.test' } });
      const ready = await get(`${base}/readyz`);

      const anonymous = await fetch(`${base}/health`);
      const anonymousJson = await anonymous.text();
      expect(anonymous.status).to.equal(503);
      expect(JSON.parse(anonymousJson)).to.deep.include({ status: 'degraded', database: 'ok', failingMailboxes: 1, reasons: ready.body.reasons });
      const page = await fetch(`${base}/health`, { headers: { accept: 'text/html' } });
      const anonymousPage = await page.text();
      expect(page.status).to.equal(503);
      expect(anonymousPage).to.contain('DaTamer is degraded.');
      expect(anonymousPage).to.contain('1 mailbox is failing');
      for (const text of [anonymousJson, anonymousPage]) {
        for (const secret of ['acme', 'globex', 'IMAP login refused']) expect(text).not.to.contain(secret);
      }

      const ann = await logInOverHttp(base, 'acme', 'ann', 'ann reads the health page');
      const annPage = await (await fetch(`${base}/health`, { headers: { accept: 'text/html', cookie: ann } })).text();
      expect(annPage).to.contain('mailbox ops@acme.test (smtp) is failing: IMAP login refused');
      const annJson = (await (await fetch(`${base}/health`, { headers: { cookie: ann } })).json()) as Record<string, unknown>;
      expect(annJson.tenantMailboxes).to.deep.equal([{ kind: 'smtp', address: 'ops@acme.test', error: 'IMAP login refused' }]);

      // A user of another tenant learns that something fails, not what or whose.
      const gus = await logInOverHttp(base, 'globex', 'gus', 'gus reads it too, at globex');
      const gusPage = await (await fetch(`${base}/health`, { headers: { accept: 'text/html', cookie: gus } })).text();
      expect(gusPage).to.contain('1 mailbox of other tenants is failing');
      for (const secret of ['acme', 'IMAP login refused']) expect(gusPage).not.to.contain(secret);
    });

    it('is ready again once the mailbox works', async () => {
      await t.db.models.Mailbox.update({ lastError: 'IMAP login refused' }, { where: { address: 'ops@acme.test' } });
      expect((await get(`${base}/readyz`)).status).to.equal(503);
      await t.db.models.Mailbox.update({ lastError: null }, { where: { address: 'ops@acme.test' } });
      expect((await get(`${base}/readyz`)).status).to.equal(200);
    });
  });

  describe('when the database cannot be reached', () => {
    let database: TestDatabase;
    let server: Server;
    let base: string;

    before(async () => {
      database = await createTestDatabase();
      const db = await openDb(database.url);
      await migrate(db);
      ({ server, base } = await serve(createApp({ db, clock: new VirtualClock(TEST_START), log: silentLogger() })));
      await db.close();
    });
    after(async () => {
      await closeServer(server);
      await database?.drop();
    });

    it('still answers /healthz with 200: the process is alive', async () => {
      expect(await get(`${base}/healthz`)).to.deep.equal({ status: 200, body: { status: 'ok' } });
    });

    it('answers /readyz with 503 and the database unreachable, without the error itself', async () => {
      const { status, body } = await get(`${base}/readyz`);
      expect(status).to.equal(503);
      expect(body).to.deep.include({ status: 'not ready', database: 'unreachable', reasons: ['the database is unreachable'] });
    });
  });
});
