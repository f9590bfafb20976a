// The daily digest, end to end: at the user's local hour, once, across a daylight-saving change;
// what it lists and in which order; nothing when there is nothing to say; the one-click
// unsubscribe link (RFC 8058) honoured by the web site (docs/notifications.md).
import { expect } from 'chai';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { changeEvent } from '../../../src/events/change.js';
import { sendDueDigests } from '../../../src/notifications/digest.js';
import { linkKey } from '../../../src/notifications/unsubscribe-link.js';
import { addGroup, addUser, joinGroup, subscribe } from '../../../src/people/people.js';
import { setPreferences } from '../../../src/people/preferences.js';
import { receive } from '../../../src/pipeline.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { createApp } from '../../../src/web/app.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';

const KEY = linkKey(Buffer.alloc(32, 7));

describe('the daily digest', () => {
  let t: TestDb;
  let acme: number;
  let counter = 0;

  beforeEach(async () => {
    // The Saturday before clocks go back in Berlin (Sunday 25 October 2026, 03:00 CEST → 02:00 CET).
    t = await openTestDb('2026-10-24T00:00:00Z');
    acme = (await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' })).tenant.id;
    for (const handle of ['alice', 'bob']) await addUser(t.deps, acme, { email: `${handle}@acme.test`, handle });
    await addGroup(t.deps, acme, 'dbas');
    await joinGroup(t.deps, acme, 'dbas', 'alice');
    await subscribe(t.deps, acme, 'dbas', 'infra.db.*', 'responder');
    await addGroup(t.deps, acme, 'web');
    await joinGroup(t.deps, acme, 'web', 'alice');
    await subscribe(t.deps, acme, 'web', 'infra.web', 'interested');
    await setPreferences(t.deps, acme, 'alice', { timeZone: 'Europe/Berlin' });
  });
  afterEach(() => t.dispose());

  const mse = async (subject: string) =>
    (await receive(t.deps, [{ tenantId: acme, mailboxId: null, source: 'smtp', raw: Buffer.from(`From: nagios@monitor.test\r\nMessage-ID: <d${++counter}@monitor>\r\nSubject: ${subject}\r\n\r\nbody\r\n`) }]))[0]!.eventId!;
  const digests = (to?: string) => t.db.models.OutboxMail.findAll({ where: { kind: 'digest' }, order: [['id', 'ASC']] }).then((rows) => rows.filter((r) => !to || r.toAddresses[0] === to));
  const options = { linkKey: KEY, publicUrl: 'https://datamer.acme.test' };

  it('arrives once a day at 08:00 Berlin time, across the change from summer to winter time', async () => {
    await mse(':warn: :org:infra.db.pg: replication lag on pg1');
    const sentAt: string[] = [];
    // The job runs every minute; here every 10 minutes for three days is enough to see every instant.
    for (let at = new Date('2026-10-24T00:00:00Z').getTime(); at <= new Date('2026-10-26T12:00:00Z').getTime(); at += 10 * 60_000) {
      t.clock.set(new Date(at));
      const before = (await digests()).length;
      await sendDueDigests(t.deps, options);
      for (const row of (await digests()).slice(before)) sentAt.push(`${row.toAddresses[0]} ${row.createdAt.toISOString()}`);
    }
    // 08:00 CEST is 06:00 UTC; 08:00 CET is 07:00 UTC. Bob responds to nothing: nothing to say, no mail.
    expect(sentAt).to.deep.equal(['alice@acme.test 2026-10-24T06:00:00.000Z', 'alice@acme.test 2026-10-25T07:00:00.000Z', 'alice@acme.test 2026-10-26T07:00:00.000Z']);
  });

  it('lists what she responds to, critical and unassigned first, then what she is interested in, with counts, reply addresses and a one-click unsubscribe', async () => {
    await sendDueDigests(t.deps, options); // the job runs all along: it has scheduled her digest
    const warn = await mse(':warn: :org:infra.db.pg: disk 85% on pg2');
    const critical = await mse(':critical: :org:infra.db.pg: pg3 down');
    const taken = await mse(':critical: :org:infra.db.mysql: my1 down');
    await changeEvent(t.deps, acme, taken, { command: 'assign', handle: 'bob', actor: 'bob', via: 'cli' });
    const web = await mse(':info: :org:infra.web: cert expires in 20 days');
    const done = await mse(':critical: :org:infra.db.pg: pg9 down');
    await changeEvent(t.deps, acme, done, { command: 'complete', actor: 'bob', via: 'cli' });
    t.clock.set(new Date('2026-10-24T06:00:00Z'));
    await sendDueDigests(t.deps, options);
    const [mail] = await digests('alice@acme.test');
    expect(mail!.subject).to.equal('[DaTamer] Daily digest: 2 CRITICAL, 1 WARNING, 1 INFO open');
    const order = [...mail!.text.matchAll(/^ {2}#(\d+) /gm)].map((m) => Number(m[1]));
    expect(order).to.deep.equal([critical, taken, warn, web]);
    expect(mail!.text).to.contain('You respond to:').and.contain('You are interested in:').and.contain('(bob): :critical: :org:infra.db.mysql: my1 down');
    expect(mail!.text).to.match(new RegExp(`reply "ASSIGN" to alerts\\+k[a-z2-7]{20}-e${critical}@acme\\.test`));
    expect(mail!.text).to.not.contain(`#${done} `);
    expect(mail!.headers['List-Unsubscribe-Post']).to.equal('List-Unsubscribe=One-Click');
    const link = /^<(https:\/\/datamer\.acme\.test\/digest\/unsubscribe\?token=[^>]+)>$/.exec(mail!.headers['List-Unsubscribe']!)![1]!;

    // A mail client's one-click unsubscribe: a POST to the link (RFC 8058 §3.2).
    const app = createApp(t.deps, { linkKey: () => KEY });
    const server: Server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
    try {
      const local = link.replace('https://datamer.acme.test', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const forged = await fetch(local.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), { method: 'POST', body: 'List-Unsubscribe=One-Click' });
      expect(forged.status).to.equal(400);
      const looked = await fetch(local);
      expect(looked.status).to.equal(200);
      expect((await t.db.models.User.findOne({ where: { tenantId: acme, handle: 'alice' } }))!.digestHour).to.equal(8);
      const posted = await fetch(local, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
      expect(posted.status).to.equal(200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect((await t.db.models.User.findOne({ where: { tenantId: acme, handle: 'alice' } }))!.digestHour).to.equal(null);
    const trail = await t.db.models.Activity.findAll({ where: { tenantId: acme, action: 'user-settings' } });
    expect(trail.map((a) => [a.actor, a.via, (a.detail as { handle?: string }).handle]), 'her change, in the activity trail').to.deep.equal([['alice', 'web', 'alice']]);
    t.clock.set(new Date('2026-10-25T09:00:00Z'));
    await sendDueDigests(t.deps, options);
    expect(await digests('alice@acme.test')).to.have.length(1);
  });
});
