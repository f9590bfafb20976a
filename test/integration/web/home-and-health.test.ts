// The companion site as an operator sees it, in a real Chromium: the start page asks to log in,
// the health page and its JSON for probes, the not-found page and the security headers.
import { expect } from 'chai';
import type { Server } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { VirtualClock } from '../../../src/clock.js';
import { openDb } from '../../../src/db.js';
import { silentLogger } from '../../../src/log.js';
import { migrate } from '../../../src/migrate.js';
import { receive } from '../../../src/pipeline.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { createApp } from '../../../src/web/app.js';
import { launchBrowser } from '../../helpers/browser.js';
import { createTestDatabase, openTestDb, TEST_START, type TestDatabase, type TestDb } from '../../helpers/db.js';
import { closeServer, serve } from '../../helpers/site.js';

function mse(subject: string, messageId: string | null): Buffer {
  return Buffer.from(
    [
      'From: cron@db1.example.com',
      'To: ops@datamer.test',
      `Subject: ${subject}`,
      'Date: Mon, 23 Nov 2026 02:00:05 +0000',
      ...(messageId ? [`Message-ID: ${messageId}`] : []),
      '',
      'body',
      '',
    ].join('\r\n'),
  );
}

describe('the companion site in a browser', function () {
  // Chromium takes a few seconds to start on a busy machine.
  this.timeout(60_000);
  let browser: Browser;

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  describe('with a working database', () => {
    let t: TestDb;
    let server: Server;
    let context: BrowserContext;
    let page: Page;

    before(async () => {
      t = await openTestDb();
      const acme = await addTenant(t.deps, { name: 'acme', displayName: 'Acme Ops', address: 'ops@acme.test' });
      const globex = await addTenant(t.deps, { name: 'globex', address: 'alerts@globex.test' });
      const arrive = (target: typeof acme, raw: Buffer) =>
        receive(t.deps, [{ tenantId: target.tenant.id, mailboxId: target.mailbox.id, raw, source: 'smtp' }]);
      await arrive(acme, mse(':crit: disk full', '<a1@db1.example.com>'));
      await arrive(acme, mse(':warn: backup slow', '<a2@db1.example.com>'));
      await arrive(acme, mse(':info: backup done', null));
      // A second delivery of the same message: still one message on the page.
      await arrive(acme, mse(':crit: disk full', '<a1@db1.example.com>'));
      await arrive(globex, mse(':info: nightly report', '<g1@web1.example.com>'));

      const served = await serve(createApp(t.deps));
      server = served.server;
      context = await browser.newContext({ baseURL: served.baseURL });
      page = await context.newPage();
    });

    after(async () => {
      await context?.close();
      await closeServer(server);
      await t?.dispose();
    });

    it('shows nobody the tenants: the start page asks to log in, and names no tenant or address', async () => {
      const response = await page.goto('/');
      expect(response?.status()).to.equal(200);
      expect(new URL(page.url()).pathname).to.equal('/login');
      const text = await page.locator('body').innerText();
      for (const secret of ['acme', 'Acme Ops', 'ops@acme.test', 'globex', 'alerts@globex.test']) expect(text).not.to.contain(secret);
    });

    it('says on the health page that DaTamer and its database are ok', async () => {
      const response = await page.goto('/health');
      expect(response?.status()).to.equal(200);
      expect(await page.locator('#status').innerText()).to.equal('DaTamer is ok.');
      expect(await page.locator('#database').innerText()).to.match(/^ok \((sqlite|postgres)\)$/);
    });

    it('answers a probe asking /health for JSON with status ok and 200', async () => {
      await page.goto('/');
      const probe = await page.evaluate(async () => {
        const res = await fetch('/health', { headers: { accept: 'application/json' } });
        return { status: res.status, body: (await res.json()) as { status: string; database: string; checkedAt: string } };
      });
      expect(probe.status).to.equal(200);
      expect(probe.body.status).to.equal('ok');
      expect(probe.body.database).to.equal('ok');
      // The site reads time from DaTamer's clock, never the wall clock.
      expect(probe.body.checkedAt).to.equal(TEST_START.toISOString());
    });

    it('asks a visitor who is not logged in to log in, whatever path they ask for, and comes back to it after', async () => {
      await page.goto('/no/such/page');
      const url = new URL(page.url());
      expect(url.pathname).to.equal('/login');
      expect(url.searchParams.get('next')).to.equal('/no/such/page');
      expect(await page.locator('main h1').innerText()).to.equal('Log in to DaTamer');
    });

    it("sends helmet's security headers and its page styles still apply under that policy", async () => {
      const violations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
      });
      const response = await page.goto('/login');
      const headers = response!.headers();
      expect(headers['content-security-policy']).to.contain("default-src 'self'");
      expect(headers['x-content-type-options']).to.equal('nosniff');
      expect(headers['x-frame-options']).to.equal('SAMEORIGIN');
      expect(headers).not.to.have.property('x-powered-by');
      // The layout's inline styles are allowed by the policy: the header bar is dark.
      const headerBackground = await page.locator('body > header').evaluate((el) => getComputedStyle(el).backgroundColor);
      expect(headerBackground).to.equal('rgb(29, 35, 48)');
      expect(violations).to.deep.equal([]);
    });
  });

  describe('when the database cannot be reached', () => {
    let database: TestDatabase;
    let server: Server;
    let context: BrowserContext;

    before(async () => {
      database = await createTestDatabase();
      const db = await openDb(database.url);
      await migrate(db);
      const deps = { db, clock: new VirtualClock(TEST_START), log: silentLogger() };
      const served = await serve(createApp(deps));
      server = served.server;
      context = await browser.newContext({ baseURL: served.baseURL });
      await db.close();
    });

    after(async () => {
      await context?.close();
      await closeServer(server);
      await database?.drop();
    });

    it('says on the health page, with status 503, that the database is unreachable', async () => {
      const page = await context.newPage();
      const response = await page.goto('/health');
      expect(response?.status()).to.equal(503);
      expect(await page.locator('#status').innerText()).to.equal('DaTamer is degraded.');
      // Anyone may read this page: the cause (host names, users) is for the log and logged-in users.
      expect(await page.locator('#database').innerText()).to.match(/^unreachable \((sqlite|postgres)\)$/);
    });

    it('answers a probe with 503 and the database marked unreachable', async () => {
      const page = await context.newPage();
      await page.goto('/no-such-page'); // any page of the site, so fetch has its origin
      const probe = await page.evaluate(async () => {
        const res = await fetch('/health', { headers: { accept: 'application/json' } });
        return { status: res.status, body: (await res.json()) as { status: string; database: string } };
      });
      expect(probe.status).to.equal(503);
      expect(probe.body.status).to.equal('degraded');
      expect(probe.body.database).to.equal('unreachable');
    });
  });
});
