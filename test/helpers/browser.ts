// A real browser for the companion site: Debian's Chromium driven by playwright-core. Nothing
// is ever downloaded; the machine has no internet, so everything that would phone home is off
// (otherwise Chromium stalls on refused connections).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectRoot } from '../../src/paths.js';
import { testDialect } from './db.js';

export const chromiumPath = '/usr/bin/chromium';

const offlineFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`the browser tests need Chromium at ${chromiumPath}: install it with \`apt-get install -y chromium\``);
  }
  return chromium.launch({ executablePath: chromiumPath, args: offlineFlags });
}

/**
 * The screenshots of docs/web.md, taken when asked (`DATAMER_SCREENSHOTS=1 npm test`), once (on
 * SQLite): an ordinary test run leaves the checkout as it found it.
 */
export async function docsScreenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  if (process.env.DATAMER_SCREENSHOTS !== '1' || testDialect !== 'sqlite') return;
  await page.screenshot({ path: path.join(projectRoot, 'docs', 'images', `web-${name}.png`), fullPage: options.fullPage ?? true });
}
