// The companion site as an engineer uses it, in a real Chromium: logging in, the dashboard, the
// event list with its filters, row menu and bulk actions, an event's page with a hostile HTML
// message, a rule made from an event, and one tenant walled off from another.
import { expect } from 'chai';
import { createServer, type Server as HttpServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { runCli } from '../../../src/cli/program.js';
import { deliverDue } from '../../../src/notifications/outbox.js';
import { addGroup, addUser, joinGroup, subscribe } from '../../../src/people/people.js';
import { setPassword } from '../../../src/people/passwords.js';
import { receive } from '../../../src/pipeline.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { createApp } from '../../../src/web/app.js';
import { SESSION_COOKIE } from '../../../src/web/session.js';
import { docsScreenshot, launchBrowser } from '../../helpers/browser.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { notifyNow } from '../../helpers/notify.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';
import { closeServer, logIn, serve } from '../../helpers/site.js';

const PASSWORD = 'alice at the console';

function mse(subject: string, body = 'details inside'): Buffer {
  return Buffer.from([`From: monitor@db1.example.com`, 'To: ops@acme.test', `Subject: ${subject}`, '', body, ''].join('\r\n'));
}

/** A message whose HTML part tries everything a hostile sender would. */
function hostileMse(pixelUrl: string): Buffer {
  const html = [
    '<p id="greeting">Your mailbox is full.</p>',
    `<script>parent.document.title = 'pwned-script';</script>`,
    `<img src="${pixelUrl}/pixel.png" alt="pixel" onerror="parent.document.title = 'pwned-onerror'">`,
    `<a id="js-link" href="javascript:parent.document.title = 'pwned-link'">open the report</a>`,
    `<form action="${pixelUrl}/steal" method="post"><input type="password" name="p" placeholder="your password"><button>Log in</button></form>`,
    `<div style="background:url(${pixelUrl}/bg.png)">styled</div>`,
  ].join('\n');
  return Buffer.from(
    [
      'From: phish@evil.example.com', 'To: ops@acme.test', 'Subject: :warn: :org:datamer.data.pg: mailbox full', 'MIME-Version: 1.0',
      'Content-Type: multipart/alternative; boundary="b1"', '',
      '--b1', 'Content-Type: text/plain; charset=utf-8', '', 'Your mailbox is full.', '',
      '--b1', 'Content-Type: text/html; charset=utf-8', '', html, '', '--b1--', '',
    ].join('\r\n'),
  );
}

const SEVERITY_RANK: Record<string, number> = { critical: 0, warn: 1, info: 2 };

describe('the companion site, logged in', function () {
  this.timeout(120_000);
  let t: TestDb;
  let browser: Browser;
  let server: Server;
  let baseURL: string;
  let pixel: HttpServer;
  let pixelHits: string[];
  let pixelUrl: string;
  let sink: SmtpSink;
  let acmeId: number;
  let globexEventId: number;
  const ids: Record<string, number> = {};

  before(async () => {
    t = await openTestDb();
    pixelHits = [];
    pixel = createServer((req, res) => {
      pixelHits.push(req.url ?? '');
      res.end('x');
    });
    await new Promise<void>((resolve) => pixel.listen(0, '127.0.0.1', resolve));
    pixelUrl = `http://127.0.0.1:${(pixel.address() as AddressInfo).port}`;
    sink = await startSmtpSink();

    const acme = await addTenant(t.deps, { name: 'acme', displayName: 'Acme Ops', address: 'ops@acme.test' });
    const globex = await addTenant(t.deps, { name: 'globex', address: 'alerts@globex.test' });
    acmeId = acme.tenant.id;
    for (const handle of ['alice', 'bob', 'carol']) await addUser(t.deps, acmeId, { email: `${handle}@acme.test`, handle, displayName: handle[0]!.toUpperCase() + handle.slice(1) });
    await setPassword(t.deps, acmeId, 'alice', PASSWORD);
    await addUser(t.deps, globex.tenant.id, { email: 'gus@globex.test', handle: 'gus' });
    await setPassword(t.deps, globex.tenant.id, 'gus', 'gus at globex ops');
    await addGroup(t.deps, acmeId, 'dbas');
    await joinGroup(t.deps, acmeId, 'dbas', 'alice');
    await subscribe(t.deps, acmeId, 'dbas', 'datamer.data.*', 'responder');
    await addGroup(t.deps, acmeId, 'watchers');
    await joinGroup(t.deps, acmeId, 'watchers', 'alice');
    await subscribe(t.deps, acmeId, 'watchers', 'datamer.frontend.*', 'interested');

    const arrive = async (name: string, raw: Buffer, tenant = acme) => {
      t.clock.advance(60_000);
      const [received] = await receive(t.deps, [{ tenantId: tenant.tenant.id, mailboxId: tenant.mailbox.id, raw, source: 'smtp' }]);
      const link = await t.db.models.EventMessage.findOne({ where: { messageId: (received as { messageId: number }).messageId } });
      ids[name] = link!.eventId;
    };
    await arrive('diskFull', mse(':critical: :org:datamer.data.pg: disk full on db1'));
    await arrive('slowPage', mse(':warn: :org:datamer.frontend.ui: slow page'));
    await arrive('backup', mse(':info: :org:datamer.data.pg: backup done'));
    await arrive('odd', mse('something odd happened'));
    await arrive('linkDown', mse(':critical: :org:datamer.network.core: link down'));
    await arrive('oldCritical', mse(':critical: :org:datamer.data.mysql: replication stopped'));
    await arrive('hostile', hostileMse(pixelUrl));
    await arrive('secret', mse(':critical: :org:globex.payments: globex secret outage'), globex);
    globexEventId = ids.secret!;
    // One assigned event, so the list has both halves.
    const { changeEvent } = await import('../../../src/events/change.js');
    await changeEvent(t.deps, acmeId, ids.oldCritical!, { command: 'assign', handle: 'carol', actor: 'bob', via: 'cli' });
    await t.db.models.OutboxMail.destroy({ where: {} });

    const served = await serve(createApp(t.deps));
    server = served.server;
    baseURL = served.baseURL;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await closeServer(server);
    await sink?.close();
    await new Promise((resolve) => pixel?.close(resolve));
    await t?.dispose();
  });

  async function loggedIn(options: { timezoneId?: string } = {}): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 }, ...options });
    const page = await context.newPage();
    expect(await logIn(page, 'acme', 'alice', PASSWORD)).to.equal(200);
    return { context, page };
  }

  /** The message the last action left; the page's text when there is none, to say what went wrong. */
  const flash = async (page: Page): Promise<string> =>
    (await page.locator('#flash').count()) > 0 ? page.locator('#flash').innerText() : `no message on ${page.url()}: ${(await page.locator('main').innerText()).slice(0, 400)}`;

  const shoot = docsScreenshot;

  describe('logging in', () => {
    it('logs in with tenant, handle and password, with a new session id kept in the database and a cookie scripts cannot read', async () => {
      const context = await browser.newContext({ baseURL });
      try {
        const page = await context.newPage();
        await page.goto('/login');
        await shoot(page, 'login');
        const before = (await context.cookies()).find((c) => c.name === SESSION_COOKIE);
        expect(before, 'the login form keeps its CSRF token in a session').to.not.equal(undefined);
        await page.fill('input[name=tenant]', 'acme');
        await page.fill('input[name=login]', 'alice@acme.test');
        await page.fill('input[name=password]', PASSWORD);
        await Promise.all([page.waitForNavigation(), page.click('#login button[type=submit]')]);
        expect(new URL(page.url()).pathname).to.equal('/');
        expect(await page.locator('#who').innerText()).to.equal('Alice · Acme Ops');
        const after = (await context.cookies()).find((c) => c.name === SESSION_COOKIE)!;
        expect(after.value).not.to.equal(before!.value);
        expect(after.httpOnly).to.equal(true);
        expect(after.sameSite).to.equal('Lax');
        // Plain HTTP here: Secure only behind TLS.
        expect(after.secure).to.equal(false);
        expect(await page.evaluate(() => document.cookie)).not.to.contain(SESSION_COOKIE);
        const sid = decodeURIComponent(after.value).replace(/^s:/, '').split('.')[0]!;
        const stored = await t.db.models.WebSession.findByPk(sid);
        expect(JSON.parse(stored!.data)).to.include({ tenantId: acmeId });
        // The old session id is gone: planted before login, it is worth nothing after.
        const oldSid = decodeURIComponent(before!.value).replace(/^s:/, '').split('.')[0]!;
        expect(await t.db.models.WebSession.findByPk(oldSid)).to.equal(null);

        await Promise.all([page.waitForNavigation(), page.click('#logout button')]);
        expect(new URL(page.url()).pathname).to.equal('/login');
        expect(await t.db.models.WebSession.findByPk(sid)).to.equal(null);
        await page.goto('/events');
        expect(new URL(page.url()).pathname).to.equal('/login');
      } finally {
        await context.close();
      }
    });

    it('marks the cookie Secure when a proxy it trusts says the request came over TLS, and believes no other proxy', async () => {
      const cookieOf = async (base: string, headers: Record<string, string> = {}) => (await fetch(`${base}/login`, { headers })).headers.get('set-cookie') ?? '';
      expect(await cookieOf(baseURL, { 'x-forwarded-proto': 'https' })).to.match(/; Secure/);
      expect(await cookieOf(baseURL)).not.to.match(/; Secure/);
      // DATAMER_TRUST_PROXY=none, or a proxy elsewhere: this request's header is not believed.
      for (const trustProxy of [false, ['10.0.0.0/8']] as const) {
        const other = await serve(createApp(t.deps, { trustProxy }));
        try {
          expect(await cookieOf(other.baseURL, { 'x-forwarded-proto': 'https' }), JSON.stringify(trustProxy)).not.to.match(/; Secure/);
        } finally {
          await closeServer(other.server);
        }
      }
    });

    it('refuses a wrong password, and the same answer for a user of another tenant', async () => {
      const context = await browser.newContext({ baseURL });
      try {
        const page = await context.newPage();
        expect(await logIn(page, 'acme', 'alice', 'not the password')).to.equal(401);
        expect(await page.locator('#login-error').innerText()).to.equal('That tenant, user and password do not match.');
        // gus's right password, but gus is globex's.
        expect(await logIn(page, 'acme', 'gus', 'gus at globex ops')).to.equal(401);
        expect(await page.locator('#login-error').innerText()).to.equal('That tenant, user and password do not match.');
      } finally {
        await context.close();
      }
    });

    it('slows down guessing: after five wrong passwords even the right one is refused for a while', async () => {
      const context = await browser.newContext({ baseURL });
      try {
        const page = await context.newPage();
        for (let i = 0; i < 5; i++) expect(await logIn(page, 'globex', 'gus', `guess number ${i}`)).to.equal(401);
        expect(await logIn(page, 'globex', 'gus', 'gus at globex ops')).to.equal(429);
        expect(await page.locator('#login-error').innerText()).to.match(/^Too many failed attempts/);
      } finally {
        await context.close();
      }
    });

    it('sets a password from stdin with `datamer user password`, never from the command line', async () => {
      const env = { DATABASE_URL: t.url };
      let stdout = '';
      let stderr = '';
      const io = { env, stdout: { write: (s: string) => void (stdout += s) }, stderr: { write: (s: string) => void (stderr += s) } };
      const code = await runCli(['user', 'password', 'bob', '--tenant', 'acme'], { ...io, stdin: Readable.from(['bob types this one\n']) });
      expect(code, stderr).to.equal(0);
      expect(stdout).to.contain('password of bob set');
      const bob = await t.db.models.User.findOne({ where: { tenantId: acmeId, handle: 'bob' } });
      expect(bob!.passwordHash).to.match(/^\$argon2id\$/);
      const short = await runCli(['user', 'password', 'bob', '--tenant', 'acme'], { ...io, stdin: Readable.from(['short\n']) });
      expect(short).not.to.equal(0);
      expect(stderr).to.contain('at least 10 characters');
      const context = await browser.newContext({ baseURL });
      try {
        expect(await logIn(await context.newPage(), 'acme', 'bob', 'bob types this one')).to.equal(200);
      } finally {
        await context.close();
      }
    });
  });

  describe('the dashboard', () => {
    it("shows the tenant's open events by severity and assignment, as the database counts them, each a link to the list so filtered", async () => {
      const { context, page } = await loggedIn();
      try {
        await page.goto('/');
        await shoot(page, 'dashboard');
        const open = await t.db.models.Event.findAll({ where: { tenantId: acmeId } });
        for (const severity of ['critical', 'warn', 'info', 'none']) {
          const of = (assigned: boolean) =>
            open.filter((e) => e.status !== 'completed' && (e.severity ?? 'none') === severity && (e.assigneeId !== null) === assigned).length;
          const row = page.locator(`#dashboard-grid tr[data-severity=${severity}]`);
          expect(await row.locator('td.unassigned').innerText(), severity).to.equal(String(of(false)));
          expect(await row.locator('td.assigned').innerText(), severity).to.equal(String(of(true)));
        }
        // Globex's critical event is not counted: acme has two unassigned critical events.
        expect(await page.locator('#dashboard-grid tr[data-severity=critical] td.unassigned').innerText()).to.equal('2');
        expect(await page.locator('#mailboxes-ok').count()).to.equal(1);
        await Promise.all([page.waitForNavigation(), page.click('#dashboard-grid tr[data-severity=critical] td.unassigned a')]);
        expect(new URL(page.url()).search).to.equal('?severity=critical&assigned=no');
        const shown = await page.locator('#events tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-event'))));
        expect(shown).to.deep.equal([ids.linkDown, ids.diskFull]);
      } finally {
        await context.close();
      }
    });
  });

  describe('the event list', () => {
    const rowIds = (page: Page) => page.locator('#events tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-event'))));

    it('lists open events by severity, unassigned before assigned, newest first, with its columns', async () => {
      const { context, page } = await loggedIn();
      try {
        await page.goto('/events');
        const open = (await t.db.models.Event.findAll({ where: { tenantId: acmeId } })).filter((e) => e.status !== 'completed');
        const expected = [...open]
          .sort((a, b) =>
            (SEVERITY_RANK[a.severity ?? ''] ?? 3) - (SEVERITY_RANK[b.severity ?? ''] ?? 3) ||
            Number(a.assigneeId !== null) - Number(b.assigneeId !== null) ||
            b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id)
          .map((e) => e.id);
        expect(await rowIds(page)).to.deep.equal(expected);
        expect(expected.slice(0, 3)).to.deep.equal([ids.linkDown, ids.diskFull, ids.oldCritical]);
        const row = page.locator(`#events tr[data-event="${ids.oldCritical}"]`);
        expect(await row.locator('td.assignee').innerText()).to.equal('carol');
        expect(await row.locator('td.classification').innerText()).to.equal('datamer.data.mysql');
        expect(await row.locator('td.interest').innerText()).to.equal('responder');
        expect(await row.locator('td.messages').innerText()).to.equal('1');
        expect(await page.locator(`#events tr[data-event="${ids.slowPage}"] td.interest`).innerText()).to.equal('interested');
        expect(await page.locator('#events').innerText()).not.to.contain('globex');
      } finally {
        await context.close();
      }
    });

    it("writes times in the user's own time zone, whatever the browser's and the server's, with the absolute time on hover", async () => {
      // Kolkata has no daylight saving: +05:30 all year, unlike the browser's zone here or UTC.
      await t.db.models.User.update({ timeZone: 'Asia/Kolkata' }, { where: { tenantId: acmeId, handle: 'alice' } });
      const { context, page } = await loggedIn({ timezoneId: 'America/Los_Angeles' });
      try {
        const event = (await t.db.models.Event.findByPk(ids.oldCritical))!;
        const kolkata = new Date(event.createdAt.getTime() + 330 * 60_000).toISOString();
        const iso = `${kolkata.slice(0, 19)}+05:30`;
        await page.goto('/events');
        const created = page.locator(`#events tr[data-event="${ids.oldCritical}"] td.created time`);
        expect(await created.getAttribute('title')).to.equal(`${iso} (Asia/Kolkata)`);
        expect(await created.getAttribute('datetime')).to.equal(iso);
        expect(await created.innerText()).to.match(/ ago$/);
        expect(await page.locator('#zone').innerText()).to.equal('Asia/Kolkata');
        await page.goto(`/events/${ids.oldCritical}`);
        const times = await page.locator('#event-fields time').evaluateAll((els) => els.map((e) => e.textContent));
        expect(times[0]).to.equal(`${kolkata.slice(0, 10)} ${kolkata.slice(11, 16)}`);
        // The browser's own zone is never used: the page says the same in any browser.
        expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).to.equal('America/Los_Angeles');
      } finally {
        await context.close();
        await t.db.models.User.update({ timeZone: 'UTC' }, { where: { tenantId: acmeId, handle: 'alice' } });
      }
    });

    it('filters Responder, Interested (which includes Responder), Unclassified and All, kept in the URL and through the back button', async () => {
      const { context, page } = await loggedIn();
      try {
        await page.goto('/events?filter=responder');
        expect(new Set(await rowIds(page))).to.deep.equal(new Set([ids.diskFull, ids.backup, ids.oldCritical, ids.hostile]));
        await page.goto('/events?filter=interested');
        expect(new Set(await rowIds(page))).to.deep.equal(new Set([ids.diskFull, ids.backup, ids.oldCritical, ids.hostile, ids.slowPage]));
        await page.goto('/events?filter=unclassified');
        expect(await rowIds(page)).to.deep.equal([ids.odd]);
        await page.goto('/events?filter=all&severity=critical');
        expect(await rowIds(page)).to.deep.equal([ids.linkDown, ids.diskFull, ids.oldCritical]);
        await page.goto('/events?org=datamer.data.*&q=DISK');
        expect(await rowIds(page)).to.deep.equal([ids.diskFull]);
        // A filter chosen in the form is in the URL; back and forward keep it.
        await page.goto('/events');
        await page.selectOption('#filters select[name=severity]', 'warn');
        await Promise.all([page.waitForNavigation(), page.click('#filters button[type=submit]')]);
        expect(new URL(page.url()).searchParams.get('severity')).to.equal('warn');
        expect(new Set(await rowIds(page))).to.deep.equal(new Set([ids.slowPage, ids.hostile]));
        await Promise.all([page.waitForNavigation(), page.click(`#events tr[data-event="${ids.slowPage}"] td.subject a`)]);
        await page.goBack();
        expect(new URL(page.url()).searchParams.get('severity')).to.equal('warn');
        expect(new Set(await rowIds(page))).to.deep.equal(new Set([ids.slowPage, ids.hostile]));
      } finally {
        await context.close();
      }
    });

    it('pages through a long list 50 rows at a time, in the same order, each event once, with the filters kept', async () => {
      const initech = await addTenant(t.deps, { name: 'initech', address: 'ops@initech.test' });
      await addUser(t.deps, initech.tenant.id, { email: 'peter@initech.test', handle: 'peter' });
      await setPassword(t.deps, initech.tenant.id, 'peter', 'peter pages through it');
      const severities = ['critical', 'warn', 'info', ''];
      for (let i = 0; i < 120; i++) {
        t.clock.advance(1000);
        const tag = severities[i % 4] ? `:${severities[i % 4]}: ` : '';
        await receive(t.deps, [{ tenantId: initech.tenant.id, mailboxId: initech.mailbox.id, raw: mse(`${tag}:org:initech.tps: report ${i}`), source: 'smtp' }]);
      }
      const all = await t.db.models.Event.findAll({ where: { tenantId: initech.tenant.id } });
      // Every third is assigned, so each page mixes both halves of the order.
      const { changeEvent } = await import('../../../src/events/change.js');
      for (const e of all.filter((_, i) => i % 3 === 0)) await changeEvent(t.deps, initech.tenant.id, e.id, { command: 'assign', handle: 'peter', actor: 'peter', via: 'cli' });
      const events = await t.db.models.Event.findAll({ where: { tenantId: initech.tenant.id } });
      const expected = [...events]
        .sort((a, b) =>
          (SEVERITY_RANK[a.severity ?? ''] ?? 3) - (SEVERITY_RANK[b.severity ?? ''] ?? 3) ||
          Number(a.assigneeId !== null) - Number(b.assigneeId !== null) ||
          b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id)
        .map((e) => e.id);

      const context = await browser.newContext({ baseURL });
      try {
        const page = await context.newPage();
        expect(await logIn(page, 'initech', 'peter', 'peter pages through it')).to.equal(200);
        await page.goto('/events');
        const seen: number[] = [];
        const counts: string[] = [];
        for (;;) {
          seen.push(...(await rowIds(page)));
          counts.push(await page.locator('#count').evaluate((el) => el.firstChild?.textContent?.trim() ?? ''));
          if ((await page.locator('#next-page').count()) === 0) break;
          await Promise.all([page.waitForNavigation(), page.click('#next-page')]);
        }
        expect(seen).to.deep.equal(expected);
        expect(counts).to.deep.equal(['50 of 120 events.', '50 of 120 events, after the previous pages.', '20 of 120 events, after the previous pages.']);
        await Promise.all([page.waitForNavigation(), page.click('#first-page')]);
        expect(await rowIds(page)).to.deep.equal(expected.slice(0, 50));

        // A filter stays on the next page; choosing another filter starts again at the first.
        await page.goto('/events?assigned=no');
        await Promise.all([page.waitForNavigation(), page.click('#next-page')]);
        expect(new URL(page.url()).searchParams.get('assigned')).to.equal('no');
        const unassigned = expected.filter((id) => events.find((e) => e.id === id)!.assigneeId === null);
        expect(await rowIds(page)).to.deep.equal(unassigned.slice(50));
        await Promise.all([page.waitForNavigation(), page.click('nav.tabs a:has-text("Unclassified")')]);
        expect(new URL(page.url()).searchParams.has('after')).to.equal(false);
      } finally {
        await context.close();
      }
    });

    it('assigns an event from its right-click menu, and the assignee gets the mail', async () => {
      const { context, page } = await loggedIn();
      try {
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto('/events');
        await page.click(`#events tr[data-event="${ids.linkDown}"] td.classification`, { button: 'right' });
        await page.waitForSelector('#row-menu:not([hidden])');
        await shoot(page, 'events');
        await page.selectOption('#row-menu select[name=handle]', 'bob');
        await Promise.all([page.waitForNavigation(), page.click('#row-menu button[value=assign]')]);
        expect(await flash(page)).to.equal(`#${ids.linkDown} assigned to bob.`);
        expect(await page.locator(`#events tr[data-event="${ids.linkDown}"] td.assignee`).innerText()).to.equal('bob');
        const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true });
        await notifyNow(t.deps); // the notify job's run
        await deliverDue(t.deps, transport, 'test');
        const mails = sink.mails.filter((m) => m.envelope.to.includes('bob@acme.test'));
        expect(mails).to.have.length(1);
        expect(mails[0]!.parsed.subject).to.contain(`#${ids.linkDown}`);
        const activity = await t.db.models.Activity.findOne({ where: { eventId: ids.linkDown, action: 'assigned' } });
        expect(activity).to.include({ actor: 'alice', via: 'web' });
        expect(errors).to.deep.equal([]);
      } finally {
        await context.close();
      }
    });

    it('opens the same menu from the keyboard and claims the event', async () => {
      const { context, page } = await loggedIn();
      try {
        await page.goto('/events');
        await page.focus(`#events tr[data-event="${ids.backup}"]`);
        await page.keyboard.press('Shift+F10');
        await page.waitForSelector('#row-menu:not([hidden])');
        expect(await page.evaluate(() => document.activeElement?.textContent)).to.equal('Claim (assign to me)');
        await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
        expect(await page.locator(`#events tr[data-event="${ids.backup}"] td.assignee`).innerText()).to.equal('alice');
      } finally {
        await context.close();
      }
    });

    it('completes several selected events at once', async () => {
      const { context, page } = await loggedIn();
      try {
        await page.goto('/events');
        await page.check(`#events tr[data-event="${ids.slowPage}"] input[type=checkbox]`);
        await page.check(`#events tr[data-event="${ids.odd}"] input[type=checkbox]`);
        await Promise.all([page.waitForNavigation(), page.click('#bulk button[value=complete]')]);
        expect(await flash(page)).to.match(/completed\.$/);
        for (const id of [ids.slowPage, ids.odd]) {
          const e = await t.db.models.Event.findByPk(id);
          expect(e!.status).to.equal('completed');
          expect(await page.locator(`#events tr[data-event="${id}"]`).count()).to.equal(0);
        }
        const rows = await t.db.models.Activity.findAll({ where: { action: 'completed', actor: 'alice', via: 'web' } });
        expect(rows.map((a) => a.eventId).sort()).to.deep.equal([ids.slowPage, ids.odd].sort());
      } finally {
        await context.close();
      }
    });
  });

  describe("an event's page", () => {
    it('shows a hostile HTML message sanitized in a sandbox: no script runs, no image is fetched, no form is shown', async () => {
      const { context, page } = await loggedIn();
      try {
        const dialogs: string[] = [];
        page.on('dialog', (d) => {
          dialogs.push(d.message());
          void d.dismiss();
        });
        await page.goto(`/events/${ids.hostile}`);
        await page.locator('details.html summary').click();
        await page.waitForTimeout(300);
        await shoot(page, 'event');
        expect(await page.locator('pre.text-part').innerText()).to.contain('Your mailbox is full.');
        const frame = page.frameLocator('iframe.html-part');
        expect(await frame.locator('#greeting').innerText()).to.equal('Your mailbox is full.');
        expect(await frame.locator('script, form, input, button, style').count()).to.equal(0);
        expect(await frame.locator('[onerror], [style]').count()).to.equal(0);
        expect(await frame.locator('#js-link').getAttribute('href')).to.equal(null);
        expect(await frame.locator('img').getAttribute('src')).to.equal(null);
        await frame.locator('#js-link').click();
        expect(await page.title()).not.to.contain('pwned');
        expect(dialogs).to.deep.equal([]);
        expect(pixelHits).to.deep.equal([]);
        expect(await page.locator('iframe.html-part').getAttribute('sandbox')).to.equal('');
        expect(await page.locator('a.raw').getAttribute('href')).to.match(/\/raw$/);
      } finally {
        await context.close();
      }
    });

    it('creates a rule from an event: prefilled, previewed over the recent mail, saved through the rule store', async () => {
      const { context, page } = await loggedIn();
      try {
        await page.goto(`/events/${ids.odd}`);
        await Promise.all([page.waitForNavigation(), page.click('#make-rule')]);
        expect(await page.inputValue('input[name=subject]')).to.contain('something odd happened');
        expect(await page.inputValue('input[name=from]')).to.contain('monitor@db1');
        await page.fill('input[name=org]', 'datamer.misc');
        await page.selectOption('select[name=severity]', 'warn');
        await page.waitForSelector('#preview-summary');
        expect(await page.locator('#preview-summary').innerText()).to.match(/it matches 1; 1 would be classified differently/);
        await shoot(page, 'rule');
        await Promise.all([page.waitForNavigation(), page.click('#rule-form button[value=save]')]);
        expect(await flash(page)).to.match(/^Rule #\d+ ".*" saved/);
        const rule = await t.db.models.Rule.findOne({ where: { tenantId: acmeId } });
        expect(rule).to.include({ createdBy: 'alice' });
        expect(rule!.actions).to.deep.include({ org: 'datamer.misc', severity: 'warn' });
      } finally {
        await context.close();
      }
    });
  });

  describe('another tenant', () => {
    it("answers 404 for another tenant's event, its message and its rule page, and changes nothing when its actions are posted", async () => {
      const { context, page } = await loggedIn();
      try {
        for (const url of [`/events/${globexEventId}`, `/events/${globexEventId}/rule`, `/events/${globexEventId}/messages/1/raw`, '/events/99999']) {
          const response = await page.goto(url);
          expect(response?.status(), url).to.equal(404);
        }
        await page.goto('/events');
        const token = await page.locator('#bulk input[name=_csrf]').inputValue();
        const post = await page.request.post(`/events/${globexEventId}/action`, { form: { _csrf: token, action: 'complete' }, maxRedirects: 0 });
        expect(post.status()).to.equal(404);
        const bulk = await page.request.post('/events/bulk', { form: { _csrf: token, action: 'complete', ids: String(globexEventId) }, maxRedirects: 0 });
        expect(bulk.status()).to.equal(303);
        const secret = await t.db.models.Event.findByPk(globexEventId);
        expect(secret!.status).to.equal('open');
        expect(await t.db.models.Activity.count({ where: { eventId: globexEventId } })).to.equal(0);
        await page.goto('/events');
        expect(await flash(page)).to.equal(`Not done: #${globexEventId}: no such event.`);
      } finally {
        await context.close();
      }
    });

    it('refuses a form posted without its CSRF token', async () => {
      const { context, page } = await loggedIn();
      try {
        const response = await page.request.post(`/events/${ids.diskFull}/action`, { form: { action: 'complete' }, maxRedirects: 0 });
        expect(response.status()).to.equal(403);
        const forged = await page.request.post(`/events/${ids.diskFull}/action`, { form: { action: 'complete', _csrf: 'made-up' }, maxRedirects: 0 });
        expect(forged.status()).to.equal(403);
        expect((await t.db.models.Event.findByPk(ids.diskFull))!.status).to.equal('open');
      } finally {
        await context.close();
      }
    });
  });
});
