// The people page in a real Chromium: an admin adds users, sets roles, makes groups, members and
// subscriptions, changes someone's settings; a user changes their own settings and rotates their
// command token, after which a reply with the old token is refused (the answer arrives at the SMTP
// sink); an engineer cannot reach the admin's actions; another tenant's users are out of reach.
import { expect } from 'chai';
import { Readable } from 'node:stream';
import { runCli } from '../../../src/cli/program.js';
import { deliverOutbox, eventNow, openCommandWorld, raiseEvent, replyTo, sendReply, assignByCli, type CommandWorld } from '../commands/command-world.js';
import { checkPassword, setPassword } from '../../../src/people/passwords.js';
import { logIn } from '../../helpers/site.js';
import { csrfOf, flashOf, openTeamSite, PASSWORDS, shoot, submit, type TeamSite } from '../../helpers/team-site.js';

describe('the people page', function () {
  this.timeout(120_000);
  let w: CommandWorld;
  let site: TeamSite;

  before(async () => {
    w = await openCommandWorld();
    site = await openTeamSite({ t: w });
  });
  after(async () => {
    await site?.close();
    await w?.close();
  });

  const user = (handle: string, tenantId = site.acmeId) => w.db.models.User.findOne({ where: { tenantId, handle } });

  it('lets an admin add a user, make them an admin, and put them in a group subscribed to an org', async () => {
    const { context, page } = await site.as('ada');
    try {
      await page.goto('/people');
      await page.fill('#add-user input[name=email]', 'bob@acme.test');
      await page.fill('#add-user input[name=handle]', 'bob');
      await page.fill('#add-user input[name=displayName]', 'Bob');
      await submit(page, '#add-user button');
      expect(await flashOf(page)).to.match(/^User bob <bob@acme\.test> added\./);
      expect(await user('bob')).to.deep.include({ email: 'bob@acme.test', displayName: 'Bob', role: 'engineer' });

      await page.selectOption('#users tr[data-user=bob] select[name=role]', 'admin');
      await submit(page, '#users tr[data-user=bob] .role-form button');
      expect((await user('bob'))!.role).to.equal('admin');

      await page.fill('#add-group input[name=name]', 'dbas');
      await submit(page, '#add-group button');
      await page.selectOption('#add-member select[name=group]', 'dbas');
      await page.selectOption('#add-member select[name=handle]', 'bob');
      await submit(page, '#add-member button');
      await page.selectOption('#add-subscription select[name=group]', 'dbas');
      await page.fill('#add-subscription input[name=pattern]', 'Infra.DB.*');
      await page.selectOption('#add-subscription select[name=level]', 'responder');
      await submit(page, '#add-subscription button');
      expect(await flashOf(page)).to.equal('Group "dbas" is now responder for infra.db.*.');
      await shoot(page, 'people');
      expect(await page.locator('#groups tr[data-group=dbas] .members').innerText()).to.contain('bob');
      expect(await page.locator('#groups tr[data-group=dbas] .subscription[data-pattern="infra.db.*"]').innerText()).to.match(/^responder\s+infra\.db\.\*/);
      const group = await w.db.models.Group.findOne({ where: { tenantId: site.acmeId, name: 'dbas' } });
      const bob = (await user('bob'))!;
      expect(await w.db.models.Membership.count({ where: { tenantId: site.acmeId, groupId: group!.id, userId: bob.id } })).to.equal(1);
      expect(await w.db.models.Subscription.findOne({ where: { tenantId: site.acmeId, groupId: group!.id } })).to.deep.include({ orgPattern: 'infra.db.*', level: 'responder' });

      // And undoes it: the subscription ends, bob leaves the group, then goes.
      await submit(page, '#groups tr[data-group=dbas] .subscription[data-pattern="infra.db.*"] button');
      await submit(page, '#groups tr[data-group=dbas] .member[data-member=bob] button');
      expect(await w.db.models.Subscription.count({ where: { tenantId: site.acmeId, groupId: group!.id } })).to.equal(0);
      expect(await w.db.models.Membership.count({ where: { tenantId: site.acmeId, groupId: group!.id } })).to.equal(0);
      await submit(page, '#users tr[data-user=bob] .remove-form button');
      expect(await user('bob')).to.equal(null);

      const trail = await w.db.models.Activity.findAll({ where: { tenantId: site.acmeId, eventId: null }, order: [['id', 'ASC']] });
      expect(trail.map((a) => [a.action, a.actor, a.via])).to.deep.equal([
        ['user-added', 'ada', 'web'], ['user-role', 'ada', 'web'], ['group-added', 'ada', 'web'], ['group-joined', 'ada', 'web'],
        ['subscription-added', 'ada', 'web'], ['subscription-removed', 'ada', 'web'], ['group-left', 'ada', 'web'], ['user-removed', 'ada', 'web'],
      ]);
    } finally {
      await context.close();
    }
  });

  it('changes a user\'s own alert and digest settings, and refuses a wrong one saying why', async () => {
    const { context, page } = await site.as('alice');
    try {
      await page.goto('/people');
      await submit(page, '#my-settings');
      expect(new URL(page.url()).pathname).to.equal('/people/alice');
      await page.uncheck('#settings-form input[name=alerts][value=warn]');
      await page.selectOption('#settings-form select[name=timeZone]', 'Europe/Berlin');
      await page.check('#settings-form input[name=quiet]');
      await page.fill('#settings-form input[name=quietStart]', '22:00');
      await page.fill('#settings-form input[name=quietEnd]', '07:00');
      await page.selectOption('#settings-form select[name=digest]', '7');
      await submit(page, '#settings-form button');
      expect(await flashOf(page)).to.equal('alice: alerts for critical, quiet 22:00-07:00 (critical only), digest at 07:00, time zone Europe/Berlin.');
      expect(await user('alice')).to.deep.include({ timeZone: 'Europe/Berlin', quietHours: '22:00-07:00', digestHour: 7 });
      expect((await user('alice'))!.alertSeverities).to.deep.equal(['critical']);

      const _csrf = await csrfOf(page);
      await page.request.post('/people/alice/settings', { form: { _csrf, timeZone: 'Mars/Olympus_Mons', digest: '7', alerts: 'critical' }, maxRedirects: 0 });
      await page.goto('/people/alice');
      expect(await flashOf(page)).to.match(/^Not done: time zone "Mars\/Olympus_Mons"/);
      expect((await user('alice'))!.timeZone).to.equal('Europe/Berlin');
      const trail = await w.db.models.Activity.findAll({ where: { tenantId: site.acmeId, action: 'user-settings' } });
      expect(trail.map((a) => [a.actor, a.detail.handle])).to.deep.equal([['alice', 'alice']]);
    } finally {
      await context.close();
    }
  });

  it('rotates the command token from the own page: a reply with the old one is refused, and the refusal reaches the SMTP sink', async () => {
    const acme = { id: site.acmeId, address: 'ops@acme.test' };
    const { eventId } = await raiseEvent(w, acme, ':warn: :org:infra.db: lag on db3');
    const notice = await assignByCli(w, site.acmeId, eventId, 'alice');
    const oldToken = (await user('alice'))!.commandToken!;
    expect(notice.headers['Reply-To']).to.contain(`+k${oldToken}-e${eventId}@`);
    const { context, page } = await site.as('alice');
    try {
      await page.goto('/people/alice');
      expect(await page.locator('#token').innerText()).to.equal(oldToken);
      expect(await page.locator('#reply-address').innerText()).to.equal(`ops+k${oldToken}@acme.test`);
      await submit(page, '#rotate-form button');
      const newToken = (await user('alice'))!.commandToken!;
      expect(newToken).to.not.equal(oldToken);
      expect(await page.locator('#token').innerText()).to.equal(newToken);
      const trail = await w.db.models.Activity.findOne({ where: { tenantId: site.acmeId, action: 'user-token-rotated' } });
      expect(trail!.detail).to.deep.equal({ handle: 'alice' });
      expect(JSON.stringify(trail!.detail)).not.to.contain(newToken);
    } finally {
      await context.close();
    }
    const stale = '<stale-after-web-rotate@client.acme.test>';
    await sendReply(w, replyTo(notice, { from: 'alice@acme.test', commands: 'DONE', messageId: stale }));
    expect(await eventNow(w, site.acmeId, eventId)).to.include({ status: 'assigned' });
    await deliverOutbox(w);
    const refusal = w.sink.mails.find((m) => m.parsed.inReplyTo === stale);
    expect(refusal, 'the answer to the stale reply').to.not.equal(undefined);
    expect(refusal!.envelope.to).to.deep.equal(['alice@acme.test']);
    expect(refusal!.parsed.text).to.contain('or an old one (it was rotated)');
  });

  it('changes a user\'s own site password with the current one, refuses it without, and lets an admin set another\'s', async () => {
    const { context, page } = await site.as('alice');
    const hashOf = async (handle: string) => (await user(handle))!.passwordHash;
    const before = await hashOf('alice');
    try {
      await page.goto('/people/alice');
      await page.fill('#password-form input[name=current]', 'not alice at all');
      await page.fill('#password-form input[name=password]', 'alice has a new one');
      await page.fill('#password-form input[name=confirm]', 'alice has a new one');
      await submit(page, '#password-form button');
      expect(await flashOf(page)).to.equal('Not done: the current password is not right; the password is unchanged.');
      await page.fill('#password-form input[name=current]', PASSWORDS.alice!);
      await page.fill('#password-form input[name=password]', 'alice has a new one');
      await page.fill('#password-form input[name=confirm]', 'alice has another');
      await submit(page, '#password-form button');
      expect(await flashOf(page)).to.equal('Not done: the new password and its repetition differ; the password is unchanged.');
      expect(await hashOf('alice')).to.equal(before);

      await page.fill('#password-form input[name=current]', PASSWORDS.alice!);
      await page.fill('#password-form input[name=password]', 'alice has a new one');
      await page.fill('#password-form input[name=confirm]', 'alice has a new one');
      await submit(page, '#password-form button');
      expect(await flashOf(page)).to.equal('Your password is changed: log in with the new one from now on.');
      expect(await checkPassword(w.deps, site.acmeId, 'alice', 'alice has a new one')).to.not.equal(null);
      expect(await checkPassword(w.deps, site.acmeId, 'alice', PASSWORDS.alice!)).to.equal(null);
      expect(await page.content()).not.to.contain('alice has a new one');
      // The new one logs in, in a browser of its own; the old one does not.
      for (const [password, status] of [['alice has a new one', 200], [PASSWORDS.alice!, 401]] as const) {
        const fresh = await site.browser.newContext({ baseURL: site.baseURL });
        try {
          expect(await logIn(await fresh.newPage(), 'acme', 'alice', password), password).to.equal(status);
        } finally {
          await fresh.close();
        }
      }
    } finally {
      await context.close();
      await setPassword(w.deps, site.acmeId, 'alice', PASSWORDS.alice!);
    }
    const admin = await site.as('ada');
    try {
      await admin.page.goto('/people/alice');
      expect(await admin.page.locator('#password-form input[name=current]').count(), 'an admin needs no current password of another').to.equal(0);
      await admin.page.fill('#password-form input[name=password]', 'set by ada for alice');
      await admin.page.fill('#password-form input[name=confirm]', 'set by ada for alice');
      await submit(admin.page, '#password-form button');
      expect(await flashOf(admin.page)).to.equal('A new password for alice: tell them, and they log in with it.');
      expect(await checkPassword(w.deps, site.acmeId, 'alice', 'set by ada for alice')).to.not.equal(null);
    } finally {
      await admin.context.close();
      await setPassword(w.deps, site.acmeId, 'alice', PASSWORDS.alice!);
    }
    const trail = await w.db.models.Activity.findAll({ where: { tenantId: site.acmeId, action: 'user-password-set' }, order: [['id', 'ASC']] });
    expect(trail.map((a) => [a.actor, a.via, a.detail])).to.deep.equal([['alice', 'web', { handle: 'alice' }], ['ada', 'web', { handle: 'alice' }]]);
  });

  it('keeps an engineer from the admin actions: 403 and nothing changed, nor another user\'s settings', async () => {
    const { context, page } = await site.as('alice');
    try {
      await page.goto('/people');
      expect(await page.locator('#add-user, #add-group, #add-member, #add-subscription, .role-form, .remove-form').count()).to.equal(0);
      const _csrf = await csrfOf(page);
      const posts: Array<[string, Record<string, string>]> = [
        ['/people/users', { email: 'eve@acme.test', handle: 'eve' }],
        ['/people/ada/role', { role: 'engineer' }],
        ['/people/alice/role', { role: 'admin' }],
        ['/people/ada/remove', {}],
        ['/people/groups', { name: 'rogues' }],
        ['/people/groups/members', { group: 'triage', handle: 'alice' }],
        ['/people/groups/subscriptions', { group: 'triage', pattern: '*', level: 'responder' }],
        ['/people/ada/settings', { alerts: 'info', timeZone: 'UTC', digest: 'off' }],
        ['/people/ada/token', {}],
        ['/people/ada/password', { password: 'alice owns ada now', confirm: 'alice owns ada now' }],
      ];
      const adaBefore = (await user('ada'))!;
      for (const [url, form] of posts) expect((await page.request.post(url, { form: { _csrf, ...form }, maxRedirects: 0 })).status(), url).to.equal(403);
      expect((await page.goto('/people/ada'))?.status()).to.equal(403);
      expect(await user('eve')).to.equal(null);
      const ada = (await user('ada'))!;
      expect(ada).to.deep.include({ role: 'admin', digestHour: adaBefore.digestHour, commandToken: adaBefore.commandToken, passwordHash: adaBefore.passwordHash });
      expect((await user('alice'))!.role).to.equal('engineer');
      expect(await w.db.models.Group.count({ where: { tenantId: site.acmeId, name: 'rogues' } })).to.equal(0);
      expect(await w.db.models.Membership.count({ where: { tenantId: site.acmeId } })).to.equal(0);
      expect(await w.db.models.Subscription.count({ where: { tenantId: site.acmeId } })).to.equal(0);
    } finally {
      await context.close();
    }
  });

  it("lets an admin change another user's settings, and makes an admin with `datamer user role`", async () => {
    let out = '';
    let err = '';
    const io = { env: { DATABASE_URL: w.url }, stdout: { write: (s: string) => void (out += s) }, stderr: { write: (s: string) => void (err += s) }, stdin: Readable.from([]) };
    expect(await runCli(['user', 'role', 'alice', 'admin', '--tenant', 'acme'], io), err).to.equal(0);
    expect(out).to.equal('alice is now an admin of tenant acme\n');
    expect(await runCli(['user', 'role', 'alice', 'boss', '--tenant', 'acme'], io)).to.equal(1);
    expect(err).to.contain('role "boss": use engineer or admin');
    expect((await user('alice'))!.role).to.equal('admin');
    const { context, page } = await site.as('alice');
    try {
      await page.goto('/people/ada');
      expect(await page.locator('#token').count(), "another user's token is not shown").to.equal(0);
      await page.selectOption('#settings-form select[name=digest]', 'off');
      await submit(page, '#settings-form button');
      expect((await user('ada'))!.digestHour).to.equal(null);
    } finally {
      await context.close();
      await runCli(['user', 'role', 'alice', 'engineer', '--tenant', 'acme'], io);
    }
  });

  it("answers 404 for another tenant's user, and lets nobody of it into a group here", async () => {
    const { context, page } = await site.as('ada');
    try {
      expect((await page.goto('/people/gus'))?.status()).to.equal(404);
      await page.goto('/people');
      const _csrf = await csrfOf(page);
      for (const path of ['settings', 'token', 'role', 'remove', 'password']) {
        const form = { _csrf, role: 'engineer', timeZone: 'UTC', digest: 'off', password: 'ada owns gus now', confirm: 'ada owns gus now' };
        expect((await page.request.post(`/people/gus/${path}`, { form, maxRedirects: 0 })).status(), path).to.equal(404);
      }
      await page.request.post('/people/groups/members', { form: { _csrf, group: 'triage', handle: 'gus' }, maxRedirects: 0 });
      await page.goto('/people');
      expect(await flashOf(page)).to.equal('Not done: no user with handle "gus".');
      const gus = (await user('gus', site.globexId))!;
      expect(gus).to.deep.include({ role: 'admin', timeZone: 'UTC' });
      expect(await w.db.models.Membership.count({ where: { userId: gus.id } })).to.equal(0);
      expect(await page.locator('#users').innerText()).not.to.contain('gus');
    } finally {
      await context.close();
    }
  });
});
