// DaTamer's own heartbeat feeds its stream and nothing else: through its own SMTP listener and
// through a shared mailbox on Dovecot (delivered by Postfix), it is stored and counted, makes no
// event, and leaves no `DaTamer/datamer/self` folder behind; a critical self-report still is an event.
import { expect } from 'chai';
import type { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { syncStreams } from '../../../src/schedules/streams.js';
import { heartbeatMail, hourOf } from '../../../src/selfwatch/heartbeat.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import type { Mailbox, Tenant } from '../../../models/index.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { addTestMailbox, engineerClient, freshMailboxUser, messageIdsIn, startWatching, type RunningWatcher } from '../../helpers/imap.js';
import { mailServers, requireMailServers, waitFor } from '../../helpers/net.js';

describe('DaTamer\'s heartbeat in the shared mailbox (Dovecot)', function () {
  this.timeout(60_000);
  let t: TestDb;
  let tenant: Tenant;
  let user: string;
  let mailbox: Mailbox;
  let watcher: RunningWatcher;
  let engineer: ImapFlow;

  before(async () => {
    requireMailServers();
    t = await openTestDb();
    user = freshMailboxUser();
    ({ tenant } = await addTenant(t.deps, { name: 'ops', address: 'ops@datamer.test' }));
    await tenant.update({ selfAddress: user });
    mailbox = await addTestMailbox(t.deps, tenant.id, user);
    engineer = await engineerClient(user);
    watcher = startWatching(t.deps, mailbox);
    await waitFor(async () => (await t.db.models.Mailbox.findByPk(mailbox.id))!.lastSyncedAt !== null, 'the first pass over the mailbox');
  });

  after(async () => {
    await watcher?.stop();
    await engineer?.logout().catch(() => undefined);
    await t?.dispose();
  });

  /** Mail handed to Postfix, which delivers it to Dovecot: as the outbox sends it. */
  async function send(mail: { from: string; to: string[]; subject: string; text: string; headers: Record<string, string> }, messageId: string) {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: mailServers.postfixPort, ignoreTLS: true });
    try {
      await transport.sendMail({ ...mail, messageId });
    } finally {
      transport.close();
    }
  }
  const stored = async (messageIdHeader: string) => t.db.models.Message.findOne({ where: { tenantId: tenant.id, messageIdHeader } });

  it('stores and counts the heartbeat in its stream, makes no event and files it into no folder', async () => {
    const id = '<heartbeat-1@datamer.test>';
    await send(heartbeatMail(tenant, 'ops@datamer.test', hourOf(t.clock.now()), { server: 'dt1.example.test' }), id);
    await waitFor(async () => (await stored(id)) !== null, 'the heartbeat to be stored');
    await waitFor(async () => !(await messageIdsIn(engineer, 'INBOX')).includes(id), 'the heartbeat to leave the inbox');
    const message = (await stored(id))!;
    expect(message).to.deep.include({ org: 'datamer.self', streamKey: 'org=datamer.self|svr=|from=ops@datamer.test|per=hour' });
    expect(message.classifiedAt).to.not.equal(null);
    expect(await t.db.models.EventMessage.count({ where: { tenantId: tenant.id, messageId: message.id } })).to.equal(0);
    expect(await t.db.models.Event.count({ where: { tenantId: tenant.id } })).to.equal(0);
    const folders = (await engineer.list()).map((f) => f.path);
    expect(folders.filter((f) => f.startsWith('DaTamer/datamer'))).to.deep.equal([]);
    t.clock.advance(5 * 60_000);
    await syncStreams(t.deps);
    const stream = await t.db.models.Stream.findOne({ where: { tenantId: tenant.id } });
    expect(stream).to.deep.include({ key: message.streamKey, count: 0, period: 'hour' });
    expect(stream!.lastSeenAt.getTime()).to.equal(message.receivedAt.getTime());
  });

  it('still makes an event of a mail that only copies the heartbeat header', async () => {
    const id = '<not-a-heartbeat@monitor.example.com>';
    await send({ from: 'nagios@monitor.example.com', to: [user], subject: ':critical: :org:acme.db: disk full on db1', text: 'Disk full.', headers: { 'X-DaTamer-Self': 'heartbeat' } }, id);
    await waitFor(async () => (await messageIdsIn(engineer, 'DaTamer/acme/db')).includes(id), 'the message to be filed');
    expect(await t.db.models.EventMessage.count({ where: { tenantId: tenant.id, messageId: (await stored(id))!.id } })).to.equal(1);
  });
});
