// The first five minutes: `npm start` on an empty data dir makes its SQLite database and a
// tenant, prints the address to send to and a curl line to try it, and, once a user has a
// password, the web site's dashboard counts what arrives.
import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../../helpers/browser.js';
import { datamer as cli } from '../../helpers/cli.js';
import { repoRoot, startDatamer, type DatamerProcess } from '../../helpers/datamer-process.js';
import { waitFor } from '../../helpers/net.js';
import { logIn } from '../../helpers/site.js';

describe('a first start on an empty data dir', function () {
  this.timeout(90_000);
  let datamer: DatamerProcess;
  let browser: Browser;
  let page: Page;

  before(async () => {
    // No DATABASE_URL: DaTamer's own default, SQLite in the data dir, whatever DATAMER_TEST_DB says.
    datamer = await startDatamer({ env: { DATABASE_URL: undefined } });
    // stdout is printed once both the SMTP address and the web site listen.
    await waitFor(() => datamer.stdout().includes('Stop with Ctrl-C.'), 'the start-up text');
    browser = await launchBrowser();
    page = await browser.newPage({ baseURL: `http://127.0.0.1:${datamer.webPort}` });
  });

  after(async () => {
    await browser?.close();
    await datamer?.dispose();
  });

  async function openEventsCounted(): Promise<string> {
    const response = await page.goto('/');
    expect(response?.status()).to.equal(200);
    return page.locator('#dashboard-grid tfoot td.total').innerText();
  }

  it('creates its SQLite database in the data dir, and says which and that it is new', () => {
    const file = path.join(datamer.dataDir, 'datamer.sqlite');
    expect(existsSync(file), datamer.transcript()).to.equal(true);
    expect(datamer.stdout()).to.contain(`DaTamer is running (database: SQLite ${file}, new and empty)\n`);
  });

  it('prints the address to send to and a curl example that targets it', () => {
    const out = datamer.stdout();
    expect(out).to.contain(`SMTP address  127.0.0.1:${datamer.smtpPort}  for datamer@localhost`);
    expect(out).to.contain(`http://127.0.0.1:${datamer.webPort}/`);
    const curl = out.split('\n').find((line) => line.trim().startsWith('curl '));
    expect(curl, out).to.be.a('string');
    expect(curl!.trim()).to.equal(
      `curl smtp://127.0.0.1:${datamer.smtpPort} --mail-from cron@example.com --mail-rcpt datamer@localhost --upload-file fixtures/hello.eml`,
    );
    // The example's file is there for a user who runs it from the project directory.
    expect(existsSync(path.join(repoRoot, 'fixtures', 'hello.eml'))).to.equal(true);
  });

  it('lets a user given a password by the command line log in, and shows no open event yet', async () => {
    const env = { ...process.env, DATAMER_DATA_DIR: datamer.dataDir, DATABASE_URL: datamer.databaseUrl };
    const added = await cli(env, 'user', 'add', 'ann@example.com', '--handle', 'ann');
    expect(added.code, added.stderr).to.equal(0);
    const file = path.join(datamer.dataDir, 'ann.password');
    writeFileSync(file, 'correct horse battery\n');
    const set = await cli(env, 'user', 'password', 'ann', '--password-file', file);
    expect(set.code, set.stderr).to.equal(0);
    expect(await logIn(page, 'default', 'ann', 'correct horse battery')).to.equal(200);
    expect(await openEventsCounted()).to.equal('0');
  });

  it('counts on its dashboard the events of the messages sent to datamer@localhost', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: datamer.smtpPort, ignoreTLS: true });
    try {
      // What the printed curl line sends...
      await transport.sendMail({
        raw: readFileSync(path.join(repoRoot, 'fixtures', 'hello.eml')),
        envelope: { from: 'cron@example.com', to: ['datamer@localhost'] },
      });
      // ...and a message as a monitoring tool would compose it.
      await transport.sendMail({
        from: 'alerts@grafana.example.com',
        to: 'datamer@localhost',
        subject: ':crit: :org:datamer.frontend.ui.service1: error rate above 5%',
        text: 'Error rate 7.2% for 10 minutes.',
      });
    } finally {
      transport.close();
    }
    // 250 came after the commit, so the page shows both at once.
    expect(await openEventsCounted()).to.equal('2');
    expect(await page.locator('#dashboard-grid tr[data-severity=info] td.unassigned').innerText()).to.equal('1');
  });
});
