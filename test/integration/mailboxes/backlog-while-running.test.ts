// The backlog organized while the service runs (docs/mailbox.md, "The backlog"): the folders the
// CLI makes are followed by the running service within one poll, so a claim made in them counts
// without a restart and without waiting for new mail of that org.
import { expect } from 'chai';
import type { ImapFlow } from 'imapflow';
import { addGroup, addUser, joinGroup, subscribe } from '../../../src/people/people.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { inProcess } from '../../helpers/cli.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { addTestMailbox, appendTo, engineerClient, freshMailboxUser, messageIdsIn, moveMessage, startWatching, TEST_KEY, type RunningWatcher } from '../../helpers/imap.js';
import { requireMailServers, waitFor } from '../../helpers/net.js';

describe('the backlog organized by the CLI while the service runs (Dovecot)', function () {
  this.timeout(60_000);
  let t: TestDb;
  let engineer: ImapFlow | null = null;
  let watcher: RunningWatcher | null = null;

  before(async () => {
    requireMailServers();
    t = await openTestDb();
  });

  after(async () => {
    await watcher?.stop();
    await engineer?.logout().catch(() => undefined);
    await t?.dispose();
  });

  it('a claim and a completion made in folders the backlog run made are seen by the running service', async () => {
    const { tenant } = await addTenant(t.deps, { name: 'ops', address: 'ops@datamer.test' });
    await addUser(t.deps, tenant.id, { email: 'alice@acme.test', handle: 'alice' });
    await addGroup(t.deps, tenant.id, 'dbas');
    await joinGroup(t.deps, tenant.id, 'dbas', 'alice');
    await subscribe(t.deps, tenant.id, 'dbas', 'acme.db', 'responder');
    const user = freshMailboxUser();
    engineer = await engineerClient(user);
    const broken = { subject: ':critical: :org:acme.db: replication broken on db1', messageId: `<1.${user}>` };
    const slow = { subject: ':warn: :org:acme.db: slow queries on db2', messageId: `<2.${user}>` };
    for (const m of [broken, slow]) await appendTo(engineer, 'INBOX', m, user);

    // The order the README gives: the service runs and has looked at the mailbox ...
    const mailbox = await addTestMailbox(t.deps, tenant.id, user);
    watcher = startWatching(t.deps, mailbox);
    await waitFor(async () => (await t.db.models.Mailbox.findByPk(mailbox.id))!.lastSyncedAt !== null, 'the first pass over the mailbox');
    // ... then another process files the backlog, making the org's folders.
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: t.url, DATAMER_SECRET_KEY: TEST_KEY.toString('hex'), DATAMER_LOG_LEVEL: 'silent' };
    delete env.DATAMER_SECRET_KEY_FILE;
    expect(await inProcess(env, 'mailbox', 'organize', '--backlog', '--tenant', 'ops')).to.deep.equal({ code: 0, stdout: 'organized 2 messages of the backlog\n', stderr: '' });
    expect(await messageIdsIn(engineer, 'DaTamer/acme/db')).to.have.members([broken.messageId, slow.messageId]);

    const eventOf = async (messageIdHeader: string) => {
      const message = (await t.db.models.Message.findOne({ where: { tenantId: tenant.id, messageIdHeader } }))!;
      const link = (await t.db.models.EventMessage.findOne({ where: { tenantId: tenant.id, messageId: message.id } }))!;
      return (await t.db.models.Event.findByPk(link.eventId))!;
    };
    expect(await moveMessage(engineer, 'DaTamer/acme/db', broken.messageId, 'DaTamer/acme/db/@alice')).to.equal(true);
    expect(await moveMessage(engineer, 'DaTamer/acme/db', slow.messageId, 'DaTamer/acme/db/completed')).to.equal(true);
    await waitFor(async () => (await eventOf(broken.messageId)).status === 'assigned', 'the claim in a folder the backlog run made');
    await waitFor(async () => (await eventOf(slow.messageId)).status === 'completed', 'the completion in a folder the backlog run made');
    const claim = await t.db.models.Activity.findOne({ where: { tenantId: tenant.id, eventId: (await eventOf(broken.messageId)).id, action: 'assigned' } });
    expect(claim).to.include({ via: 'mailbox', actor: 'alice' });
    // The service reads the claim folder from where the backlog run left it.
    const claimFolder = await t.db.models.MailboxFolder.findOne({ where: { mailboxId: mailbox.id, path: 'DaTamer/acme/db/@alice' } });
    // The IMAP provider's cursor is `<UIDVALIDITY>:<last UID read>`.
    expect(claimFolder!.cursor).to.match(/^\d+:[1-9]\d*$/);
  });
});
