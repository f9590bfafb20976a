// The team's pages in tests: two tenants, an engineer and an admin of acme who can log in, a
// user of globex, the site on a loopback port, and a real Chromium to use it with.
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Logger } from '../../src/log.js';
import { setPassword } from '../../src/people/passwords.js';
import { addUser, setRole } from '../../src/people/people.js';
import { addTenant } from '../../src/tenants/tenants.js';
import { createApp, type AppOptions } from '../../src/web/app.js';
import { docsScreenshot, launchBrowser } from './browser.js';
import { openTestDb, type TestDb } from './db.js';
import { closeServer, logIn, serve } from './site.js';

export const PASSWORDS: Record<string, string> = { alice: 'alice the engineer', ada: 'ada the admin here', gus: 'gus at globex ops' };

export interface TeamSite {
  t: TestDb;
  browser: Browser;
  baseURL: string;
  acmeId: number;
  globexId: number;
  /** a browser of its own, logged in as alice (engineer), ada (acme's admin) or gus (globex's admin) */
  as(handle: 'alice' | 'ada' | 'gus'): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

export async function openTeamSite(options: { start?: string; t?: TestDb; app?: AppOptions; log?: Logger } = {}): Promise<TeamSite> {
  const t = options.t ?? (await openTestDb(options.start));
  const acme = await addTenant(t.deps, { name: 'acme', displayName: 'Acme Ops', address: 'ops@acme.test' });
  const globex = await addTenant(t.deps, { name: 'globex', address: 'alerts@globex.test' });
  const acmeId = acme.tenant.id;
  const globexId = globex.tenant.id;
  await addUser(t.deps, acmeId, { email: 'alice@acme.test', handle: 'alice', displayName: 'Alice' });
  await addUser(t.deps, acmeId, { email: 'ada@acme.test', handle: 'ada', displayName: 'Ada' });
  await setRole(t.deps, acmeId, 'ada', 'admin');
  await addUser(t.deps, globexId, { email: 'gus@globex.test', handle: 'gus', displayName: 'Gus' });
  await setRole(t.deps, globexId, 'gus', 'admin');
  for (const [tenantId, handle] of [[acmeId, 'alice'], [acmeId, 'ada'], [globexId, 'gus']] as const) await setPassword(t.deps, tenantId, handle, PASSWORDS[handle]!);

  const { server, baseURL } = await serve(createApp(options.log ? { ...t.deps, log: options.log } : t.deps, options.app));
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
  } catch (err) {
    await closeServer(server);
    throw err;
  }
  const b = browser;
  return {
    t, browser: b, baseURL, acmeId, globexId,
    async as(handle) {
      const context = await b.newContext({ baseURL, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      // A confirmation ("Delete this stream?") is answered yes, as the user would.
      page.on('dialog', (d) => void d.accept());
      expect(await logIn(page, handle === 'gus' ? 'globex' : 'acme', handle, PASSWORDS[handle]!)).to.equal(200);
      return { context, page };
    },
    async close() {
      await b.close();
      await closeServer(server);
      if (!options.t) await t.dispose();
    },
  };
}

/** The message the last action left; the page's text when there is none, to say what went wrong. */
export const flashOf = async (page: Page): Promise<string> =>
  (await page.locator('#flash').count()) > 0 ? page.locator('#flash').innerText() : `no message on ${page.url()}: ${(await page.locator('main').innerText()).slice(0, 400)}`;

/** Clicks what submits a form and waits for the next page. */
export async function submit(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

/** A page's form token, to post what a forged or foreign request would. */
export const csrfOf = (page: Page) => page.locator('input[name=_csrf]').first().inputValue();

/** Screenshots for docs/web.md (test/helpers/browser.ts). */
export const shoot = docsScreenshot;
