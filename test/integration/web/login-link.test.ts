// Logging in to the companion site by a link sent by mail, in a real Chromium: the mail goes
// through the outbox to the suite's SMTP sink, the link works once and for 15 minutes, only its
// hash is stored, and the page that asks for one says the same whether the address has a user.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import nodemailer from 'nodemailer';
import type { Browser, Page } from 'playwright-core';
import { deliverDue } from '../../../src/notifications/outbox.js';
import { addUser } from '../../../src/people/people.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { createApp } from '../../../src/web/app.js';
import { LOGIN_LINK } from '../../../src/web/login-links.js';
import { launchBrowser } from '../../helpers/browser.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { freePort } from '../../helpers/net.js';
import { closeServer, serve } from '../../helpers/site.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';

const SENT = /^If that address belongs to a user of that tenant, a login link is on its way to it\. It works once, within 15 minutes\.$/;

describe('logging in to the site by a mailed link', function () {
  this.timeout(120_000);
  let t: TestDb;
  let browser: Browser;
  let server: Server;
  let baseURL: string;
  let sink: SmtpSink;
  let acmeId: number;

  before(async () => {
    t = await openTestDb();
    sink = await startSmtpSink();
    const acme = await addTenant(t.deps, { name: 'acme', displayName: 'Acme Ops', address: 'ops@acme.test' });
    acmeId = acme.tenant.id;
    for (const handle of ['ann', 'ben', 'cy', 'dee']) await addUser(t.deps, acmeId, { email: `${handle}@acme.test`, handle, displayName: handle.toUpperCase() });
    const port = await freePort();
    // The link in the mail starts with the site's public address (DATAMER_PUBLIC_URL), never the Host a request names.
    ({ server, baseURL } = await serve(createApp(t.deps, { publicUrl: `http://127.0.0.1:${port}/` }), port));
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await closeServer(server);
    await sink?.close();
    await t?.dispose();
  });

  /** Asks for a link as a person does, from the login page; the page's answer. */
  async function askForLink(page: Page, tenant: string, email: string): Promise<{ status: number; text: string }> {
    await page.goto('/login');
    await Promise.all([page.waitForNavigation(), page.click('#login-by-link')]);
    await page.fill('#login-link input[name=tenant]', tenant);
    await page.fill('#login-link input[name=email]', email);
    const [response] = await Promise.all([page.waitForNavigation(), page.click('#login-link button[type=submit]')]);
    const answer = page.locator('#link-sent, #link-error');
    return { status: response?.status() ?? 0, text: (await answer.count()) > 0 ? await answer.innerText() : await page.locator('main').innerText() };
  }

  /** Hands the outbox to the sink; the links mailed to this address since `since`. */
  async function linksMailedTo(address: string, since = 0): Promise<string[]> {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true });
    await deliverDue(t.deps, transport, 'test');
    return sink.mails
      .slice(since)
      .filter((m) => m.envelope.to.includes(address))
      .map((m) => /(http:\/\/\S+\/login\/link\/\S+)/.exec(m.parsed.text ?? '')![1]!);
  }

  it('mails a link to the user, which logs them in once; only its hash is kept', async () => {
    const context = await browser.newContext({ baseURL });
    try {
      const page = await context.newPage();
      const asked = await askForLink(page, 'acme', 'Ann@Acme.test');
      expect(asked.status).to.equal(200);
      expect(asked.text).to.match(SENT);
      const [link, ...more] = await linksMailedTo('ann@acme.test');
      expect(more).to.deep.equal([]);
      expect(link!.startsWith(`${baseURL}/login/link/`)).to.equal(true);
      const mail = sink.mails.find((m) => m.envelope.to.includes('ann@acme.test'))!;
      expect(mail.parsed.subject).to.equal('Your DaTamer login link (Acme Ops)');
      expect(mail.parsed.from?.value[0]?.address).to.equal('ops@acme.test');

      const token = link!.split('/').pop()!;
      const stored = await t.db.models.LoginLink.findAll({ where: { tenantId: acmeId } });
      expect(stored.map((l) => l.tokenHash)).to.deep.equal([createHash('sha256').update(token).digest('hex')]);
      expect(JSON.stringify(stored.map((l) => l.toJSON()))).not.to.contain(token);
      expect(stored[0]!.expiresAt.getTime() - stored[0]!.createdAt.getTime()).to.equal(LOGIN_LINK.lifetimeMs);

      // Opening the link (as a mail scanner would) logs nobody in; its button does.
      await page.goto(link!);
      expect(await t.db.models.LoginLink.count({ where: { usedAt: null } })).to.equal(1);
      await Promise.all([page.waitForNavigation(), page.click('#login-link-confirm button')]);
      expect(new URL(page.url()).pathname).to.equal('/');
      expect(await page.locator('#who').innerText()).to.equal('ANN · Acme Ops');

      const again = await (await browser.newContext({ baseURL })).newPage();
      const response = await again.goto(link!);
      expect(response?.status()).to.equal(410);
      expect(await again.locator('main').innerText()).to.contain('used already, or has expired');
      await again.context().close();
    } finally {
      await context.close();
    }
  });

  it('answers an address without a user, or a tenant that does not exist, exactly alike, and mails nothing', async () => {
    const context = await browser.newContext({ baseURL });
    try {
      const page = await context.newPage();
      const before = await t.db.models.OutboxMail.count();
      for (const [tenant, email] of [['acme', 'nobody@acme.test'], ['globex', 'ann@acme.test']]) {
        const asked = await askForLink(page, tenant!, email!);
        expect(asked.status, `${tenant} ${email}`).to.equal(200);
        expect(asked.text).to.match(SENT);
      }
      expect(await t.db.models.OutboxMail.count()).to.equal(before);
    } finally {
      await context.close();
    }
  });

  it('stops working 15 minutes after it was sent', async () => {
    const context = await browser.newContext({ baseURL });
    try {
      const page = await context.newPage();
      const since = sink.mails.length;
      await askForLink(page, 'acme', 'ben@acme.test');
      const [link] = await linksMailedTo('ben@acme.test', since);
      await page.goto(link!);
      t.clock.advance(LOGIN_LINK.lifetimeMs);
      const [response] = await Promise.all([page.waitForNavigation(), page.click('#login-link-confirm button')]);
      expect(response?.status()).to.equal(410);
      expect(new URL(page.url()).pathname).to.not.equal('/');
      await page.goto('/events');
      expect(new URL(page.url()).pathname).to.equal('/login');
    } finally {
      await context.close();
    }
  });

  it('sends one user at most 3 links in 15 minutes, and slows down whoever keeps asking', async () => {
    const context = await browser.newContext({ baseURL });
    try {
      const page = await context.newPage();
      const since = sink.mails.length;
      for (let i = 0; i < 5; i++) expect((await askForLink(page, 'acme', 'cy@acme.test')).text).to.match(SENT);
      expect(await linksMailedTo('cy@acme.test', since)).to.have.length(LOGIN_LINK.perUser);
      const sixth = await askForLink(page, 'acme', 'cy@acme.test');
      expect(sixth.status).to.equal(429);
      expect(sixth.text).to.match(/^Too many links asked for/);
      // Another user of the tenant is not slowed down by it.
      expect((await askForLink(page, 'acme', 'dee@acme.test')).status).to.equal(200);
    } finally {
      await context.close();
    }
  });
});
