// /healthz and /readyz as an external watchdog (a Kubernetes probe, a cron curl) asks them.
import { expect } from 'chai';
import type { Server } from 'node:http';
import { openDb } from '../../../src/db.js';
import { silentLogger } from '../../../src/log.js';
import { migrate } from '../../../src/migrate.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { createApp } from '../../../src/web/app.js';
import { VirtualClock } from '../../../src/clock.js';
import { createTestDatabase, openTestDb, TEST_START, testDialect, type TestDatabase, type TestDb } from '../../helpers/db.js';
import { freePort } from '../../helpers/net.js';

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

    beforeEach(async () => {
      t = await openTestDb();
      await addTenant(t.deps, { name: 'acme', address: 'ops@acme.test' });
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
      expect(body).to.deep.include({ status: 'ready', database: 'ok', failingMailboxes: [], reasons: [] });
      expect(body.checkedAt).to.equal(TEST_START.toISOString());
    });

    it('answers /readyz with 503 and the failing mailbox with its error', async () => {
      await t.db.models.Mailbox.update({ lastError: 'IMAP login refused' }, { where: { address: 'ops@acme.test' } });
      const { status, body } = await get(`${base}/readyz`);
      expect(status).to.equal(503);
      expect(body.status).to.equal('not ready');
      expect(body.failingMailboxes).to.deep.equal([{ tenant: 'acme', kind: 'smtp', address: 'ops@acme.test', error: 'IMAP login refused' }]);
      expect(body.reasons).to.deep.equal(['mailbox ops@acme.test of tenant acme is failing: IMAP login refused']);
      // Liveness is not readiness: the process still answers.
      expect((await get(`${base}/healthz`)).status).to.equal(200);
    });

    it('tells the same truth on /health: degraded, 503 and the same reason, as JSON and on the page', async () => {
      await t.db.models.Mailbox.update({ lastError: 'IMAP login refused' }, { where: { address: 'ops@acme.test' } });
      const ready = await get(`${base}/readyz`);
      const health = await get(`${base}/health`);
      expect(health.status).to.equal(503);
      expect(health.body).to.deep.include({ status: 'degraded', database: 'ok', reasons: ready.body.reasons });
      const page = await fetch(`${base}/health`, { headers: { accept: 'text/html' } });
      expect(page.status).to.equal(503);
      const html = await page.text();
      expect(html).to.contain('DaTamer is degraded.');
      expect(html).to.contain('mailbox ops@acme.test of tenant acme is failing: IMAP login refused');
      expect(html).to.not.contain('DaTamer is ok.');
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

    it('answers /readyz with 503 and the database as the reason', async () => {
      const { status, body } = await get(`${base}/readyz`);
      expect(status).to.equal(503);
      expect(body.status).to.equal('not ready');
      expect(body.database).to.match(/^unreachable: /);
      expect(body.reasons).to.have.length(1);
      expect((body.reasons as string[])[0]).to.match(/^database unreachable: /);
    });
  });
});
