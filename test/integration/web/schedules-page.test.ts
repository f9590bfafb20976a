// The schedules page in a real Chromium: every stream with what it expects, what came, its state
// and when its next alert falls due; renaming, muting, deleting a stream and adding and ending
// maintenance windows, each checked in the database and the activity trail; another tenant's
// streams and windows out of reach.
import { expect } from 'chai';
import { receive } from '../../../src/pipeline.js';
import { setPreferences } from '../../../src/people/preferences.js';
import { parseDuration } from '../../../src/schedules/duration.js';
import { addMaintenance } from '../../../src/schedules/maintenance.js';
import { syncStreams } from '../../../src/schedules/streams.js';
import { evaluateDue } from '../../../src/schedules/tick.js';
import { csrfOf, flashOf, openTeamSite, shoot, submit, type TeamSite } from '../../helpers/team-site.js';

const BACKUP = 'org=datamer.data.db.olap|svr=db1.example.test|from=cron@db1.example.test|per=day';
const HOURLY = 'org=datamer.web|svr=|from=probe@web1.example.test|per=hour';

/** The instant a <time datetime> names (the site writes it with the reader's offset). */
const instant = (datetime: string | null) => new Date(datetime!).toISOString();

describe('the schedules page', function () {
  this.timeout(120_000);
  let site: TeamSite;
  const streamId: Record<string, number> = {};

  const mail = (from: string, subject: string, id: string) => Buffer.from(`From: ${from}\r\nMessage-ID: <${id}>\r\nSubject: ${subject}\r\n\r\nsee subject\r\n`);

  before(async () => {
    site = await openTeamSite({ start: '2026-11-01T00:00:00Z' });
    const { t, acmeId, globexId } = site;
    const arrive = (tenantId: number, raw: Buffer, at: string) => receive(t.deps, [{ tenantId, mailboxId: null, raw, source: 'smtp', receivedAt: new Date(at) }]);
    for (const day of [1, 2, 3, 4]) {
      await arrive(acmeId, mail('cron@db1.example.test', ':info: :org:datamer.data.db.olap: :svr:db1.example.test backup of db1 finished :sched-perday-1:', `b${day}@db1`), `2026-11-0${day}T02:00:00Z`);
    }
    await arrive(acmeId, mail('probe@web1.example.test', ':org:datamer.web: probe ok :sched-perhour-1:', 'p1@web1'), '2026-11-04T11:30:00Z');
    await arrive(globexId, mail('cron@gx.example.test', ':org:globex.pay: payroll run :sched-perday-1:', 'g1@gx'), '2026-11-04T01:00:00Z');
    t.clock.set(new Date('2026-11-04T12:00:00Z'));
    await syncStreams(t.deps);
    await evaluateDue(t.deps, t.clock.now());
    for (const s of await t.db.models.Stream.findAll()) streamId[s.key === BACKUP ? 'backup' : s.key === HOURLY ? 'hourly' : 'globex'] = s.id;
    await addMaintenance(t.deps, globexId, { scope: '*', startsAt: t.clock.now(), endsAt: new Date('2026-11-05T00:00:00Z'), reason: 'globex secret work', createdBy: 'gus' });
  });
  after(() => site?.close());

  it('lists each stream with its key, expected count, count now, state and when its next alert falls due', async () => {
    const { context, page } = await site.as('alice');
    try {
      await page.goto('/schedules');
      await shoot(page, 'schedules');
      const row = page.locator(`#streams tr[data-stream="${streamId.backup}"]`);
      expect(await row.locator('.name').innerText()).to.contain(BACKUP);
      expect(await row.locator('.expected').innerText()).to.equal('1 per day');
      expect(await row.locator('.count').innerText()).to.equal('1');
      expect(await row.locator('.state').innerText()).to.equal('ok');
      // The 4th's report leaves the window on the 5th at 02:00; the grace is 2 h.
      expect(await row.locator('.next').innerText()).to.equal('missing in 16 h 0 min');
      expect(instant(await row.locator('.next time').getAttribute('datetime'))).to.equal('2026-11-05T04:00:00.000Z');
      const hourly = page.locator(`#streams tr[data-stream="${streamId.hourly}"]`);
      expect(await hourly.locator('.state').innerText()).to.match(/^learning until /);
      expect(instant(await hourly.locator('.state time').getAttribute('datetime'))).to.equal('2026-11-04T12:30:00.000Z');
      expect(await page.locator('#streams tbody tr').count()).to.equal(2);
      expect(await page.locator('main').innerText()).not.to.contain('globex');

      await submit(page, `#streams tr[data-stream="${streamId.backup}"] .name a`);
      expect(await page.locator('#stream-messages tbody tr').count()).to.equal(4);
      expect(instant(await page.locator('#stream-next time').first().getAttribute('datetime'))).to.equal('2026-11-05T04:00:00.000Z');
    } finally {
      await context.close();
    }
  });

  it('renames, mutes, unmutes, sets the missing severity of and deletes a stream, each in the database and the trail', async () => {
    const { t, acmeId } = site;
    const { context, page } = await site.as('alice');
    try {
      await page.goto(`/schedules/${streamId.backup}`);
      await page.fill('#rename-form input[name=label]', 'nightly backup of db1');
      await submit(page, '#rename-form button');
      expect(await flashOf(page)).to.equal(`Stream ${streamId.backup} is now labelled "nightly backup of db1".`);
      expect((await t.db.models.Stream.findByPk(streamId.backup))!.label).to.equal('nightly backup of db1');
      expect(await page.locator('h1').innerText()).to.equal('Stream nightly backup of db1');

      await submit(page, '#mute-form button');
      expect((await t.db.models.Stream.findByPk(streamId.backup))!.muted).to.equal(true);
      expect(await page.locator('#stream-state').innerText()).to.equal('muted');
      expect(await page.locator('#stream-next').innerText()).to.equal('none while muted');
      await submit(page, '#unmute-form button');
      expect((await t.db.models.Stream.findByPk(streamId.backup))!.muted).to.equal(false);

      await page.selectOption('#severity-form select[name=severity]', 'critical');
      await submit(page, '#severity-form button');
      expect((await t.db.models.Stream.findByPk(streamId.backup))!.missingSeverity).to.equal('critical');

      await page.goto(`/schedules/${streamId.hourly}`);
      await submit(page, '#delete-form button');
      expect(new URL(page.url()).pathname).to.equal('/schedules');
      expect(await flashOf(page)).to.match(/^Stream org=datamer\.web\|.* deleted\./);
      expect(await t.db.models.Stream.findByPk(streamId.hourly)).to.equal(null);

      const trail = await t.db.models.Activity.findAll({ where: { tenantId: acmeId, eventId: null }, order: [['id', 'ASC']] });
      expect(trail.map((a) => [a.action, a.actor, a.via])).to.deep.equal([
        ['stream-renamed', 'alice', 'web'], ['stream-muted', 'alice', 'web'], ['stream-unmuted', 'alice', 'web'],
        ['stream-severity', 'alice', 'web'], ['stream-deleted', 'alice', 'web'],
      ]);
      expect(trail[0]!.detail).to.deep.include({ stream: BACKUP, from: null, to: 'nightly backup of db1' });
      await page.goto('/schedules');
      expect(await page.locator('#changes tbody tr').count()).to.equal(5);
    } finally {
      await context.close();
    }
  });

  it("sets a stream's grace period, refuses one that is not a duration, and goes back to the period's default", async () => {
    const { t, acmeId } = site;
    const { context, page } = await site.as('alice');
    try {
      await page.goto(`/schedules/${streamId.backup}`);
      const byDefault = /^(\S+) \(the default for its period\)$/.exec(await page.locator('#stream-grace').innerText())![1]!;
      const before = await page.locator('#stream-next time').first().getAttribute('datetime');
      await page.fill('#grace-form input[name=grace]', '90m');
      await submit(page, '#grace-form button');
      expect(await flashOf(page)).to.equal('Stream nightly backup of db1: grace 90m.');
      expect((await t.db.models.Stream.findByPk(streamId.backup))!.graceMs).to.equal(90 * 60_000);
      expect(await page.locator('#stream-grace').innerText()).to.equal('90m');
      // The next missing alert moves by as much as the grace did.
      const after = await page.locator('#stream-next time').first().getAttribute('datetime');
      expect(new Date(after!).getTime() - new Date(before!).getTime()).to.equal(90 * 60_000 - parseDuration(byDefault)!);

      await page.fill('#grace-form input[name=grace]', 'soon');
      await submit(page, '#grace-form button');
      expect(await flashOf(page)).to.equal('Not done: grace "soon": write a duration such as 10m, 2h or 1d, or default.');
      expect((await t.db.models.Stream.findByPk(streamId.backup))!.graceMs).to.equal(90 * 60_000);

      await page.fill('#grace-form input[name=grace]', 'default');
      await submit(page, '#grace-form button');
      expect((await t.db.models.Stream.findByPk(streamId.backup))!.graceMs).to.equal(null);
      const trail = await t.db.models.Activity.findAll({ where: { tenantId: acmeId, eventId: null, action: 'stream-grace' }, order: [['id', 'ASC']] });
      expect(trail.map((a) => [a.actor, a.via, a.detail.graceMs])).to.deep.equal([['alice', 'web', 5_400_000], ['alice', 'web', null]]);
    } finally {
      await context.close();
    }
  });

  it("adds a maintenance window in the user's own time zone, shows the stream in maintenance, and ends it", async () => {
    const { t, acmeId } = site;
    await setPreferences(t.deps, acmeId, 'alice', { timeZone: 'Europe/Berlin' });
    const { context, page } = await site.as('alice');
    try {
      await page.goto('/schedules');
      await page.fill('#maintenance-form input[name=scope]', 'datamer.data.*');
      await page.fill('#maintenance-form input[name=until]', '2026-11-04T18:00');
      await page.fill('#maintenance-form input[name=reason]', 'db1 upgrade');
      await submit(page, '#maintenance-form button');
      expect(await flashOf(page)).to.match(/^Maintenance window \d+ for datamer\.data\.\*: 2026-11-04 12:00 UTC to 2026-11-04 17:00 UTC; it covers 1 stream now\.$/);
      const window = await t.db.models.MaintenanceWindow.findOne({ where: { tenantId: acmeId } });
      expect(window).to.deep.include({ scope: 'datamer.data.*', reason: 'db1 upgrade', createdBy: 'alice' });
      // 18:00 in Berlin in November is 17:00 UTC.
      expect(window!.endsAt.toISOString()).to.equal('2026-11-04T17:00:00.000Z');
      const row = page.locator(`#streams tr[data-stream="${streamId.backup}"]`);
      expect(await row.locator('.state').innerText()).to.match(/^in maintenance until /);
      // Quiet for one window after the maintenance: the next alert cannot fall due before.
      expect(instant(await row.locator('.state time').getAttribute('datetime'))).to.equal('2026-11-05T17:00:00.000Z');
      expect(instant(await row.locator('.next time').getAttribute('datetime'))).to.equal('2026-11-05T17:00:00.000Z');
      expect(await page.locator(`#maintenance tr[data-window="${window!.id}"] .status`).innerText()).to.equal('active');
      expect(await page.locator('#maintenance').innerText()).not.to.contain('globex secret work');

      await submit(page, `#maintenance tr[data-window="${window!.id}"] button`);
      expect(await flashOf(page)).to.equal(`Maintenance window ${window!.id} ended; 1 stream will be looked at again.`);
      expect((await window!.reload()).endedAt!.toISOString()).to.equal('2026-11-04T12:00:00.000Z');
      const trail = await t.db.models.Activity.findAll({ where: { tenantId: acmeId, action: ['maintenance-added', 'maintenance-ended'] }, order: [['id', 'ASC']] });
      expect(trail.map((a) => [a.action, a.actor, a.via])).to.deep.equal([['maintenance-added', 'alice', 'web'], ['maintenance-ended', 'alice', 'web']]);
    } finally {
      await context.close();
    }
  });

  it('refuses a window that ends before it starts, saying why, and adds nothing', async () => {
    const { t, acmeId } = site;
    const { context, page } = await site.as('alice');
    try {
      const before = await t.db.models.MaintenanceWindow.count({ where: { tenantId: acmeId } });
      await page.goto('/schedules');
      await page.fill('#maintenance-form input[name=scope]', 'datamer.data.*');
      await page.fill('#maintenance-form input[name=from]', '2026-11-04T18:00');
      await page.fill('#maintenance-form input[name=until]', '2026-11-04T17:00');
      await page.fill('#maintenance-form input[name=reason]', 'backwards');
      await submit(page, '#maintenance-form button');
      expect(await flashOf(page)).to.match(/^Not done: a maintenance window must end after it starts/);
      expect(await t.db.models.MaintenanceWindow.count({ where: { tenantId: acmeId } })).to.equal(before);
    } finally {
      await context.close();
    }
  });

  it("answers 404 for another tenant's stream and window, and changes nothing when their forms are posted", async () => {
    const { t, globexId } = site;
    const { context, page } = await site.as('alice');
    try {
      expect((await page.goto(`/schedules/${streamId.globex}`))?.status()).to.equal(404);
      await page.goto('/schedules');
      const _csrf = await csrfOf(page);
      for (const action of ['mute', 'delete', 'rename', 'grace']) {
        const r = await page.request.post(`/schedules/${streamId.globex}/${action}`, { form: { _csrf, label: 'mine now', grace: '1d' }, maxRedirects: 0 });
        expect(r.status(), action).to.equal(404);
      }
      const theirs = await t.db.models.MaintenanceWindow.findOne({ where: { tenantId: globexId } });
      expect((await page.request.post(`/schedules/maintenance/${theirs!.id}/end`, { form: { _csrf }, maxRedirects: 0 })).status()).to.equal(404);
      const stream = await t.db.models.Stream.findByPk(streamId.globex);
      expect(stream).to.deep.include({ muted: false, label: null, graceMs: null });
      expect((await theirs!.reload()).endedAt).to.equal(null);
      // Without its form token, even one's own stream is left alone.
      expect((await page.request.post(`/schedules/${streamId.backup}/mute`, { form: {}, maxRedirects: 0 })).status()).to.equal(403);
      expect((await t.db.models.Stream.findByPk(streamId.backup))!.muted).to.equal(false);
      expect(await t.db.models.Activity.count({ where: { tenantId: globexId } })).to.equal(0);
    } finally {
      await context.close();
    }
  });
});
