// A real browser for the companion site: Debian's Chromium driven by playwright-core. Nothing
// is ever downloaded; the machine has no internet, so everything that would phone home is off
// (otherwise Chromium stalls on refused connections).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

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
