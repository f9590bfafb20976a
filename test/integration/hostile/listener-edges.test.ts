// What the listener and the CLI make of mail at the edges: a subject and a sender name built to
// drive an engineer's terminal (fixtures/hostile/terminal), postmaster@ a tenant's domain
// (RFC 5321 §4.5.1), and an empty message, refused by the listener as `datamer import` refuses it.
import { expect } from 'chai';
import { loadConfig } from '../../../src/config.js';
import { createSmtpListener, type SmtpListener } from '../../../src/mailboxes/smtp/listener.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { inProcess } from '../../helpers/cli.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { freePort } from '../../helpers/net.js';
import { conversation } from '../../helpers/smtp-conversation.js';
import { hostileMail, sendRaw } from './corpus.js';

describe('hostile mail: the listener and the CLI at the edges', () => {
  let t: TestDb;
  let listener: SmtpListener;
  let port: number;
  let acme: number;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    t = await openTestDb();
    acme = (await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' })).tenant.id;
    await addTenant(t.deps, { name: 'globex', address: 'ops@globex.test' });
    port = await freePort();
    listener = createSmtpListener(t.deps, { ...loadConfig({}).smtp, host: '127.0.0.1', port });
    await listener.listen();
    env = { ...process.env, DATABASE_URL: t.url, DATAMER_LOG_LEVEL: 'silent' };
  });
  afterEach(async () => {
    await listener.close();
    await t.dispose();
  });

  it('prints a subject and a sender built to drive the terminal with their control characters escaped', async () => {
    const raw = hostileMail('terminal').get('escape-sequences.eml')!;
    expect(await sendRaw(port, raw, { from: 'cron@db1.example.com', to: ['alerts@acme.test'] })).to.match(/^250 /);
    const list = await inProcess(env, 'event', 'list', '--tenant', 'acme');
    const event = (await t.db.models.Event.findOne({ where: { tenantId: acme } }))!;
    const show = await inProcess(env, 'event', 'show', String(event.id), '--tenant', 'acme');
    for (const out of [list.stdout, show.stdout]) {
      expect(out).to.not.match(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      // Still one line per event: the forged line is part of the title, not a line of its own.
      expect(out.split('\n').filter((line) => line.startsWith('event #999'))).to.deep.equal([]);
    }
    expect(list.stdout).to.contain('\\e[2J\\e[Hdisk ok\\r\\nevent #999 (message): forged line');
    expect(show.stdout).to.contain('event #1 (message): \\e[2J\\e[Hdisk ok\\r\\nevent #999');
    // Scripts reading --json get the text itself, escaped the JSON way.
    const json = await inProcess(env, 'event', 'list', '--tenant', 'acme', '--json');
    expect((JSON.parse(json.stdout) as Array<{ title: string }>)[0]!.title).to.equal('\u001b[2J\u001b[Hdisk ok\r\nevent #999 (message): forged line');
  });

  it('takes mail for postmaster@ each tenant domain, for that tenant, and still refuses other unknown addresses', async () => {
    const replies = await conversation(port, ['EHLO client.example', 'MAIL FROM:<reporter@example.net>', 'RCPT TO:<Postmaster@globex.test>', 'RCPT TO:<postmaster@unknown.example>', 'RCPT TO:<nobody@globex.test>']);
    expect(replies[3]).to.match(/^250 /);
    expect(replies[4]).to.match(/^550 /);
    expect(replies[5]).to.match(/^550 /);
    const raw = Buffer.from('From: reporter@example.net\r\nTo: postmaster@acme.test\r\nSubject: your server is an open relay?\r\nMessage-ID: <pm-1@example.net>\r\n\r\nplease check\r\n');
    expect(await sendRaw(port, raw, { from: 'reporter@example.net', to: ['postmaster@acme.test'] })).to.match(/^250 /);
    const stored = await t.db.models.Message.findAll({ where: { messageIdHeader: '<pm-1@example.net>' } });
    expect(stored.map((m) => m.tenantId)).to.deep.equal([acme]);
  });

  it('refuses an empty message with 554, as datamer import refuses it, and stores nothing', async () => {
    const replies = await conversation(port, ['EHLO client.example', 'MAIL FROM:<cron@db1.example.com>', 'RCPT TO:<alerts@acme.test>', 'DATA', '.']);
    expect(replies[4]).to.match(/^354 /);
    expect(replies[5]).to.match(/^554 5\.6\.0 Empty message/);
    expect(await t.db.models.Message.count()).to.equal(0);
    expect(await t.db.models.Event.count()).to.equal(0);
  });
});
