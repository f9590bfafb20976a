// The mailboxes page in a real Chromium, against the suite's Dovecot: each mailbox with its
// state, last error and when it last worked; an admin adds an IMAP mailbox (a wrong password is
// refused by Dovecot and nothing is added), tests it (`datamer mailbox test`'s lines), adds a
// Microsoft 365 one without signing in, removes one; the password is never shown back nor
// logged; an engineer cannot reach these actions; another tenant's mailbox is out of reach.
import { expect } from 'chai';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/log.js';
import { addMailbox, providerFor, recordMailboxError, recordMailboxSynced, secretOf, setMailboxSecret } from '../../../src/mailboxes/mailbox-store.js';
import { imapMailbox } from '../../../src/mailboxes/imap/provider.js';
import { decryptSecret } from '../../../src/mailboxes/secrets.js';
import { freshMailboxUser, imapUrl, MAIL_PASSWORD, TEST_KEY } from '../../helpers/imap.js';
import { csrfOf, flashOf, openTeamSite, shoot, submit, type TeamSite } from '../../helpers/team-site.js';

const WRONG = 'not-the-password-Zq7!';
const GRAPH_SECRET = 'graph~client~secret~8Hx2';

describe('the mailboxes page', function () {
  this.timeout(120_000);
  let site: TeamSite;
  let logged = '';
  let globexMailboxId: number;
  const shared = freshMailboxUser('web');

  before(async () => {
    const sink = new Writable({ write: (chunk, _enc, done) => { logged += String(chunk); done(); } });
    site = await openTeamSite({ app: { secretKey: () => TEST_KEY }, log: createLogger('debug', sink) });
    const globex = await addMailbox(site.t.deps, site.globexId, { kind: 'imap', ...imapMailbox(imapUrl(freshMailboxUser('globex')), MAIL_PASSWORD), mode: 'organize' }, TEST_KEY);
    globexMailboxId = globex.id;
  });
  after(() => site?.close());

  const mailboxes = () => site.t.db.models.Mailbox.findAll({ where: { tenantId: site.acmeId, kind: ['imap', 'graph', 'gmail'] }, order: [['id', 'ASC']] });

  it('refuses an IMAP mailbox whose password Dovecot refuses, adds it with the right one, and never shows the password back', async () => {
    const { context, page } = await site.as('ada');
    try {
      await page.goto('/mailboxes');
      await page.fill('#add-imap input[name=url]', imapUrl(shared));
      await page.fill('#add-imap input[name=password]', WRONG);
      await submit(page, '#add-imap button');
      expect(await flashOf(page)).to.match(/^Not done: .* was not added: /);
      expect(await mailboxes()).to.have.length(0);
      expect(await page.content()).not.to.contain(WRONG);
      expect(await page.inputValue('#add-imap input[name=password]')).to.equal('');

      await page.fill('#add-imap input[name=url]', imapUrl(shared));
      await page.fill('#add-imap input[name=password]', MAIL_PASSWORD);
      await submit(page, '#add-imap button');
      expect(await flashOf(page)).to.match(/^Mailbox \d+ added: /);
      const [added] = await mailboxes();
      expect(added).to.deep.include({ kind: 'imap', mode: 'organize' });
      expect(added!.address).to.contain(shared.split('@')[0]);
      // Stored encrypted, and the stored one logs in to Dovecot.
      expect(added!.secret).not.to.contain(MAIL_PASSWORD);
      expect(decryptSecret(TEST_KEY, added!.secret!)).to.equal(MAIL_PASSWORD);
      const session = await providerFor(added!).open(added!.settings, secretOf(added!, TEST_KEY), site.t.deps.log);
      await session.close();
      expect(await page.locator(`#mailboxes tr[data-mailbox="${added!.id}"] .state`).innerText()).to.equal('not yet connected');
      expect(await page.inputValue('#add-imap input[name=password]')).to.equal('');
      expect(logged).not.to.contain(WRONG);
      const trail = await site.t.db.models.Activity.findAll({ where: { tenantId: site.acmeId, action: 'mailbox-added' } });
      expect(trail.map((a) => [a.actor, a.via, a.detail.address])).to.deep.equal([['ada', 'web', added!.address]]);
      expect(JSON.stringify(trail[0]!.detail)).not.to.contain(MAIL_PASSWORD);
    } finally {
      await context.close();
    }
  });

  it("tests a mailbox against Dovecot, as datamer mailbox test does, and says what is missing when its password changed", async () => {
    const [mailbox] = await mailboxes();
    const { context, page } = await site.as('ada');
    try {
      await page.goto('/mailboxes');
      await submit(page, `#mailboxes tr[data-mailbox="${mailbox!.id}"] button.test`);
      expect(await page.locator('#test-result h2').innerText()).to.match(/: ready$/);
      const lines = await page.locator('#test-result li').allInnerTexts();
      expect(lines[0]).to.match(new RegExp(`^ok: logged in to 127\\.0\\.0\\.1:\\d+ as ${shared.replace(/[.]/g, '\\.')}`));
      expect(lines[1]).to.equal('ok: the folder INBOX can be read');
      await shoot(page, 'mailboxes');

      await setMailboxSecret(site.t.deps, mailbox!, WRONG, TEST_KEY);
      await page.goto('/mailboxes');
      await submit(page, `#mailboxes tr[data-mailbox="${mailbox!.id}"] button.test`);
      expect(await page.locator('#test-result h2').innerText()).to.match(/: not ready$/);
      expect((await page.locator('#test-result li').allInnerTexts())[0]).to.match(/^MISSING: /);
      expect(await page.content()).not.to.contain(WRONG);
      expect(logged).not.to.contain(WRONG);
      await setMailboxSecret(site.t.deps, mailbox!, MAIL_PASSWORD, TEST_KEY);
    } finally {
      await context.close();
    }
  });

  it("stores a mailbox's new password only once Dovecot takes it, never showing it, and lands in the trail", async () => {
    const [mailbox] = await mailboxes();
    const { context, page } = await site.as('ada');
    try {
      await page.goto('/mailboxes');
      const row = `#mailboxes tr[data-mailbox="${mailbox!.id}"]`;
      // A mistyped password is refused by Dovecot and the working one is kept.
      await page.click(`${row} details.password summary`);
      await page.fill(`${row} details.password input[name=secret]`, WRONG);
      await submit(page, `${row} button.password`);
      expect(await flashOf(page)).to.match(/^Not done: the new credential of .* was not stored, the old one is kept: /);
      expect(decryptSecret(TEST_KEY, (await mailbox!.reload()).secret!)).to.equal(MAIL_PASSWORD);

      // The mailbox's password went out of date; the admin gives the one that works.
      await setMailboxSecret(site.t.deps, mailbox!, WRONG, TEST_KEY);
      await page.goto('/mailboxes');
      await page.click(`${row} details.password summary`);
      await page.fill(`${row} details.password input[name=secret]`, MAIL_PASSWORD);
      await submit(page, `${row} button.password`);
      expect(await flashOf(page)).to.equal(`Mailbox ${mailbox!.id} (${mailbox!.address}): the new credential is stored, and it logs in.`);
      const stored = await mailbox!.reload();
      expect(stored.secret).not.to.contain(MAIL_PASSWORD);
      expect(decryptSecret(TEST_KEY, stored.secret!)).to.equal(MAIL_PASSWORD);
      const session = await providerFor(stored).open(stored.settings, secretOf(stored, TEST_KEY), site.t.deps.log);
      await session.close();
      // (The suite's Dovecot password is the word "password": the wrong one stands for both here.)
      expect(await page.inputValue(`${row} details.password input[name=secret]`)).to.equal('');
      expect(await page.content()).not.to.contain(WRONG);
      expect(logged).not.to.contain(WRONG);
      const trail = await site.t.db.models.Activity.findAll({ where: { tenantId: site.acmeId, action: 'mailbox-password-set' } });
      expect(trail.map((a) => [a.actor, a.via, a.detail.id, a.detail.checked])).to.deep.equal([['ada', 'web', mailbox!.id, true]]);
      expect(JSON.stringify(trail[0]!.detail)).not.to.contain(MAIL_PASSWORD);
    } finally {
      await context.close();
    }
  });

  it('shows each mailbox with its state, last error and when it last worked', async () => {
    const [mailbox] = await mailboxes();
    const { t } = site;
    await recordMailboxSynced(t.deps, mailbox!);
    t.clock.advance(5 * 60_000);
    await recordMailboxError(t.deps, mailbox!, 'IMAP: authentication failed');
    const { context, page } = await site.as('alice');
    try {
      await page.goto('/mailboxes');
      const row = page.locator(`#mailboxes tr[data-mailbox="${mailbox!.id}"]`);
      expect(await row.locator('.state').innerText()).to.equal('failing');
      expect(await row.locator('.error').innerText()).to.equal('IMAP: authentication failed 0 s ago');
      expect(await row.locator('.synced').innerText()).to.equal('5 min ago');
      expect(await page.locator('#mailboxes .kind').allInnerTexts()).to.deep.equal(['smtp', 'imap']);
      expect(await page.locator('#mailboxes').innerText()).not.to.contain('globex');
      await recordMailboxSynced(t.deps, mailbox!);
      await page.goto('/mailboxes');
      expect(await row.locator('.state').innerText()).to.equal('ok');
    } finally {
      await context.close();
    }
  });

  it('adds a Microsoft 365 mailbox without signing in, its client secret stored encrypted and never shown', async () => {
    const { context, page } = await site.as('ada');
    try {
      await page.goto('/mailboxes');
      await page.fill('#add-graph input[name=mailbox]', 'ops@acme.example');
      await page.fill('#add-graph input[name=tenantId]', '11111111-2222-3333-4444-555555555555');
      await page.fill('#add-graph input[name=clientId]', '66666666-7777-8888-9999-000000000000');
      await page.fill('#add-graph input[name=secret]', GRAPH_SECRET);
      await page.selectOption('#add-graph select[name=mode]', 'ingest');
      await page.uncheck('#add-graph input[name=check]');
      await submit(page, '#add-graph button');
      expect(await flashOf(page)).to.match(/^Mailbox \d+ added: .*ops@acme\.example.* \(ingest\)/);
      const graph = (await mailboxes()).find((m) => m.kind === 'graph')!;
      expect(graph.settings).to.deep.include({ mailbox: 'ops@acme.example', tenantId: '11111111-2222-3333-4444-555555555555' });
      expect(JSON.stringify(graph.settings)).not.to.contain(GRAPH_SECRET);
      expect(decryptSecret(TEST_KEY, graph.secret!)).to.equal(GRAPH_SECRET);
      expect(await page.content()).not.to.contain(GRAPH_SECRET);
      expect(logged).not.to.contain(GRAPH_SECRET);
    } finally {
      await context.close();
    }
  });

  it('adds a Microsoft 365 mailbox that signs in with a certificate, kept encrypted and never shown', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIBcert0nly4test\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMIIEpr1vateKey4test\n-----END PRIVATE KEY-----';
    const { context, page } = await site.as('ada');
    try {
      await page.goto('/mailboxes');
      await page.fill('#add-graph input[name=mailbox]', 'alerts@acme.example');
      await page.fill('#add-graph input[name=tenantId]', '11111111-2222-3333-4444-555555555555');
      await page.fill('#add-graph input[name=clientId]', '66666666-7777-8888-9999-000000000000');
      await page.check('#add-graph input[name=credential][value=certificate]');
      await page.fill('#add-graph textarea[name=certificate]', pem);
      await page.click('#add-graph details summary');
      await page.fill('#add-graph input[name=graphUrl]', 'https://graph.microsoft.us');
      await page.fill('#add-graph input[name=loginUrl]', 'https://login.microsoftonline.us');
      await page.uncheck('#add-graph input[name=check]');
      await submit(page, '#add-graph button[type=submit]');
      expect(await flashOf(page)).to.match(/^Mailbox \d+ added: .*alerts@acme\.example/);
      const graph = (await mailboxes()).find((m) => m.kind === 'graph' && (m.settings as { mailbox: string }).mailbox === 'alerts@acme.example')!;
      expect(graph.settings).to.deep.include({ credential: 'certificate', graphUrl: 'https://graph.microsoft.us', loginUrl: 'https://login.microsoftonline.us' });
      expect(decryptSecret(TEST_KEY, graph.secret!)).to.equal(pem);
      expect(JSON.stringify(graph.settings)).not.to.contain('MIIEpr1vateKey4test');
      expect(await page.content()).not.to.contain('MIIEpr1vateKey4test');
      // Its new credential is pasted, as a certificate is.
      expect(await page.locator(`#mailboxes tr[data-mailbox="${graph.id}"] details.password textarea[name=secret]`).count()).to.equal(1);
      // Neither a secret nor a certificate: refused, nothing added.
      const before = (await mailboxes()).length;
      await page.fill('#add-graph input[name=mailbox]', 'none@acme.example');
      await page.fill('#add-graph input[name=tenantId]', '11111111-2222-3333-4444-555555555555');
      await page.fill('#add-graph input[name=clientId]', '66666666-7777-8888-9999-000000000000');
      await submit(page, '#add-graph button[type=submit]');
      expect(await flashOf(page)).to.match(/^Not done: /);
      expect(await mailboxes()).to.have.length(before);
      await site.t.db.models.Mailbox.destroy({ where: { id: graph.id } });
    } finally {
      await context.close();
    }
  });

  it('keeps an engineer from adding, testing and removing mailboxes: 403 and nothing changed', async () => {
    const before = (await mailboxes()).map((m) => m.id);
    const { context, page } = await site.as('alice');
    try {
      await page.goto('/mailboxes');
      expect(await page.locator('#add-imap, #add-graph, #add-gmail, button.test, button.remove').count()).to.equal(0);
      const _csrf = await csrfOf(page);
      const add = await page.request.post('/mailboxes/imap', { form: { _csrf, url: imapUrl(freshMailboxUser('eve')), password: MAIL_PASSWORD, mode: 'organize' }, maxRedirects: 0 });
      expect(add.status()).to.equal(403);
      expect(await page.locator('details.password').count()).to.equal(0);
      for (const action of ['test', 'remove', 'password']) expect((await page.request.post(`/mailboxes/${before[0]}/${action}`, { form: { _csrf, secret: WRONG }, maxRedirects: 0 })).status(), action).to.equal(403);
      expect((await mailboxes()).map((m) => m.id)).to.deep.equal(before);
      expect(decryptSecret(TEST_KEY, (await mailboxes())[0]!.secret!)).to.equal(MAIL_PASSWORD);
    } finally {
      await context.close();
    }
  });

  it("answers 404 for another tenant's mailbox, and removes one of its own", async () => {
    const { context, page } = await site.as('ada');
    try {
      await page.goto('/mailboxes');
      const _csrf = await csrfOf(page);
      for (const action of ['test', 'remove', 'password']) expect((await page.request.post(`/mailboxes/${globexMailboxId}/${action}`, { form: { _csrf, secret: WRONG }, maxRedirects: 0 })).status(), action).to.equal(404);
      const theirs = await site.t.db.models.Mailbox.findByPk(globexMailboxId);
      expect(decryptSecret(TEST_KEY, theirs!.secret!)).to.equal(MAIL_PASSWORD);
      const graph = (await mailboxes()).find((m) => m.kind === 'graph')!;
      await submit(page, `#mailboxes tr[data-mailbox="${graph.id}"] button.remove`);
      expect(await flashOf(page)).to.match(new RegExp(`^Mailbox ${graph.id} removed`));
      expect(await site.t.db.models.Mailbox.findByPk(graph.id)).to.equal(null);
      expect(await site.t.db.models.Activity.count({ where: { tenantId: site.acmeId, action: 'mailbox-removed', actor: 'ada' } })).to.equal(1);
    } finally {
      await context.close();
    }
  });
});
