// `datamer mailbox …` as an admin uses it, against the suite's Dovecot: adding the team's shared
// mailbox (the password checked by logging in, then stored encrypted), seeing how it is doing,
// filing the mail that was already in it, and giving it a new password.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { ImapFlow } from 'imapflow';
import { openDb, type Db } from '../../../src/db.js';
import { decryptSecret } from '../../../src/mailboxes/secrets.js';
import { projectRoot } from '../../../src/paths.js';
import { inProcess } from '../../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { appendTo, engineerClient, freshMailboxUser, imapUrl, keywordsOf, MAIL_PASSWORD, messageIdsIn, TEST_KEY } from '../../helpers/imap.js';
import { requireMailServers, waitFor } from '../../helpers/net.js';

const MAIN = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');
const NEXT_STEP = 'DaTamer takes in new mail from now on; to file what is already in it: datamer mailbox organize --backlog\n';
const LOGIN_REFUSED = /^datamer: imap:\/\/\S+: login refused: wrong user name or password[^\n]*\n$/;

interface Listed {
  id: number;
  kind: string;
  address: string;
  mode: string;
  status: string;
  lastSyncedAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  sendsMail: boolean;
}

describe('datamer mailbox (Dovecot)', function () {
  this.timeout(60_000);
  let database: TestDatabase;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let user: string;
  let address: string;
  let engineer: ImapFlow | null = null;
  let db: Db | null = null;

  const run = (...args: string[]) => inProcess(env, ...args);
  const passwordFile = (name: string, password: string) => {
    const file = path.join(dir, name);
    // As an editor saves it: the newline is not part of the password.
    writeFileSync(file, `${password}\n`, { mode: 0o600 });
    return file;
  };
  const listed = async (): Promise<Listed[]> => {
    const r = await run('mailbox', 'list', '--tenant', 'acme', '--json');
    expect(r.stderr).to.equal('');
    return (JSON.parse(r.stdout) as Listed[]).filter((m) => m.kind === 'imap');
  };
  // The test's own connection, to look at what the commands stored.
  const sharedDb = async (): Promise<Db> => (db ??= await openDb(database.url));
  const storedImapMailboxes = async () => (await sharedDb()).models.Mailbox.findAll({ where: { kind: 'imap' } });
  const add = async () => {
    const r = await run('mailbox', 'add', '--tenant', 'acme', '--imap', address, '--password-file', passwordFile('password', MAIL_PASSWORD));
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    return Number(/^mailbox (\d+) added/.exec(r.stdout)![1]);
  };
  const mail = (subject: string, n: number) => ({ subject, messageId: `<${n}.${user}>` });

  beforeEach(async () => {
    requireMailServers();
    database = await createTestDatabase();
    dir = mkdtempSync(path.join(os.tmpdir(), 'datamer-mailbox-cli-'));
    env = { ...process.env, DATABASE_URL: database.url, DATAMER_DATA_DIR: dir, DATAMER_SECRET_KEY: TEST_KEY.toString('hex'), DATAMER_LOG_LEVEL: 'silent' };
    delete env.DATAMER_SECRET_KEY_FILE; // one key or the other, never both
    user = freshMailboxUser();
    address = imapUrl(user);
    expect((await run('tenant', 'add', 'acme', '--address', 'alerts@acme.test')).code).to.equal(0);
  });

  afterEach(async () => {
    await engineer?.logout().catch(() => undefined);
    engineer = null;
    await db?.close();
    db = null;
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds the shared mailbox once its password logs in, stores the password encrypted, and lists it with its status', async () => {
    const r = await run('mailbox', 'add', '--tenant', 'acme', '--imap', address, '--password-file', passwordFile('password', MAIL_PASSWORD));
    expect(r.stderr).to.equal('');
    expect(r.stdout).to.match(new RegExp(`^mailbox \\d+ added to acme: ${address.replace(/[.?]/g, '\\$&')} \\(organize\\)\n`));
    expect(r.stdout.endsWith(NEXT_STEP)).to.equal(true);
    const id = Number(/^mailbox (\d+)/.exec(r.stdout)![1]);

    const table = (await run('mailbox', 'list', '--tenant', 'acme')).stdout.split('\n');
    expect(table[0]).to.match(/^ID +KIND +ADDRESS +MODE +STATUS +SENDS +LAST SYNC +LAST ERROR$/);
    expect(table.find((line) => line.includes(address))).to.match(new RegExp(`^${id} +imap +\\S+ +organize +not yet connected +-`));
    // DaTamer's own address is listed beside it.
    expect(table.find((line) => line.includes('alerts@acme.test'))).to.match(/ smtp +alerts@acme\.test +ingest +listening /);
    expect(await listed()).to.deep.equal([{ id, kind: 'imap', address, mode: 'organize', status: 'not yet connected', lastSyncedAt: null, lastError: null, lastErrorAt: null, sendsMail: false }]);

    // At rest the password is encrypted with the configured key, and nowhere in the settings.
    const [stored] = await storedImapMailboxes();
    expect(stored!.secret).to.match(/^v1:/);
    expect(stored!.secret).not.to.contain(MAIL_PASSWORD);
    expect(decryptSecret(TEST_KEY, stored!.secret!)).to.equal(MAIL_PASSWORD);
    expect(JSON.stringify(stored!.settings)).not.to.contain(MAIL_PASSWORD);
  });

  it('refuses a password the server does not take, in one line without the password, and adds nothing', async () => {
    const r = await run('mailbox', 'add', '--tenant', 'acme', '--imap', address, '--password-file', passwordFile('wrong', 'not-the-password-42'));
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.match(LOGIN_REFUSED);
    expect(r.stderr).to.contain(address);
    expect(r.stderr).not.to.contain('not-the-password-42');
    expect(await listed()).to.deep.equal([]);
    expect(await storedImapMailboxes()).to.have.length(0);
  });

  it('refuses the same mailbox spelled differently, for this tenant or another: %40 or @, localhost or 127.0.0.1, a trailing /, ?tls=none', async () => {
    await add();
    expect((await run('tenant', 'add', 'other', '--address', 'alerts@other.test')).code).to.equal(0);
    const pw = passwordFile('password', MAIL_PASSWORD);
    const port = new URL(address.replace(/^imap:/, 'http:')).port;
    const spellings = [
      `imap://${user}@localhost:${port}/INBOX?tls=none`,
      `imap://${user.toUpperCase()}@127.0.0.1:${port}/?tls=none`,
      `imap://${encodeURIComponent(user)}@localhost.:${port}`,
      `imap://${encodeURIComponent(user)}@127.0.0.1:${port}/Other%20folder?tls=none&root=Elsewhere`,
    ];
    for (const spelling of spellings) {
      for (const tenant of ['acme', 'other']) {
        const again = await run('mailbox', 'add', '--tenant', tenant, '--imap', spelling, '--password-file', pw, '--no-check');
        expect(again.code, `${spelling} for ${tenant}`).to.equal(1);
        expect(again.stderr, `${spelling} for ${tenant}`).to.match(/is already a mailbox of a tenant \(as imap:\/\/\S+\): one mailbox is watched once\n$/);
      }
    }
    expect(await storedImapMailboxes()).to.have.length(1);
  });

  it('says that the server did not answer TLS when imaps:// is pointed at a plain IMAP port', async () => {
    const plain = address.replace(/^imap:/, 'imaps:').replace('?tls=none', '');
    const r = await run('mailbox', 'add', '--tenant', 'acme', '--imap', plain, '--password-file', passwordFile('password', MAIL_PASSWORD));
    expect(r).to.deep.equal({
      code: 1,
      stdout: '',
      stderr: `datamer: ${plain}: the server did not answer TLS on this port; did you mean imap:// with ?tls=starttls or none?\n`,
    });
    expect(await storedImapMailboxes()).to.have.length(0);
  });

  it('refuses a password written into the address, without repeating it', async () => {
    const withPassword = address.replace('@127.0.0.1', ':hunter2-secret@127.0.0.1');
    const r = await run('mailbox', 'add', '--tenant', 'acme', '--imap', withPassword, '--password-file', passwordFile('password', MAIL_PASSWORD));
    expect(r).to.deep.equal({
      code: 1,
      stdout: '',
      stderr: 'datamer: the IMAP address holds a password; leave it out and give it with --password-file, so it never sits in shell history or the mailbox settings\n',
    });
    expect(await listed()).to.deep.equal([]);
  });

  it('adds a mailbox in ingest mode saying what that means, refuses it twice, and takes in its backlog by storing and deleting it', async () => {
    const pw = passwordFile('password', MAIL_PASSWORD);
    engineer = await engineerClient(user);
    const backlog = [mail(':warn: :org:acme.db: old news', 1), mail('older news', 2)];
    for (const m of backlog) await appendTo(engineer, 'INBOX', m, user);
    const r = await run('mailbox', 'add', '--tenant', 'acme', '--imap', address, '--password-file', pw, '--mode', 'ingest');
    expect(r.stderr).to.equal('');
    expect(r.stdout.split('\n').slice(1)).to.deep.equal([
      'DaTamer takes in new mail from now on and deletes each message from the mailbox once it is stored; to take in what is already in it: datamer mailbox organize --backlog',
      '',
    ]);
    const again = await run('mailbox', 'add', '--tenant', 'acme', '--imap', address, '--password-file', pw);
    expect(again).to.deep.equal({ code: 1, stdout: '', stderr: `datamer: ${address} is already a mailbox of a tenant: one mailbox is watched once\n` });
    expect(await run('mailbox', 'organize', '--backlog', '--tenant', 'acme')).to.deep.equal({
      code: 0,
      stdout: `took in (stored, then deleted from the mailbox) ${backlog.length} messages of the backlog\n`,
      stderr: '',
    });
    expect(await messageIdsIn(engineer, 'INBOX')).to.deep.equal([]);
    expect(await (await sharedDb()).models.Message.count({ where: { messageIdHeader: backlog.map((m) => m.messageId) } })).to.equal(backlog.length);
    expect((await listed()).map((m) => m.mode)).to.deep.equal(['ingest']);
  });

  it('files the mail that was in the inbox before, with severities and claim folders; a second run finds nothing left', async () => {
    await run('user', 'add', 'alice@acme.test', '--handle', 'alice', '--tenant', 'acme');
    await run('group', 'add', 'dbas', '--tenant', 'acme');
    await run('group', 'join', 'dbas', 'alice', '--tenant', 'acme');
    await run('subscribe', 'dbas', 'acme.db', 'responder', '--tenant', 'acme');
    engineer = await engineerClient(user);
    const broken = mail(':critical: :org:acme.db: replication broken on db1', 1);
    const slow = mail(':warn: :org:acme.db: slow queries on db2', 2);
    const backup = mail('Backup of web3 finished', 3);
    for (const m of [broken, slow, backup]) await appendTo(engineer, 'INBOX', m, user);
    await add();

    const first = await run('mailbox', 'organize', '--backlog', '--tenant', 'acme');
    expect(first).to.deep.equal({ code: 0, stdout: 'organized 3 messages of the backlog\n', stderr: '' });
    expect(await messageIdsIn(engineer, 'INBOX')).to.deep.equal([]);
    expect(await messageIdsIn(engineer, 'DaTamer/acme/db')).to.have.members([broken.messageId, slow.messageId]);
    expect(await messageIdsIn(engineer, 'DaTamer/Unclassified')).to.deep.equal([backup.messageId]);
    expect(await keywordsOf(engineer, 'DaTamer/acme/db', broken.messageId)).to.include('datamer-critical');
    expect(await keywordsOf(engineer, 'DaTamer/acme/db', slow.messageId)).to.include('datamer-warn');
    const folders = (await engineer.list()).map((f) => f.path);
    expect(folders).to.include.members(['DaTamer/acme/db/@alice', 'DaTamer/acme/db/completed']);
    const events = JSON.parse((await run('event', 'list', '--json', '--tenant', 'acme')).stdout) as Array<{ title: string; status: string }>;
    expect(events.map((e) => e.title)).to.have.members([broken.subject, slow.subject, backup.subject]);
    expect(events.every((e) => e.status === 'open')).to.equal(true);

    // Mail that comes after DaTamer first looked is not backlog: the running service files it.
    const later = mail(':info: :org:acme.db: vacuum done on db3', 4);
    await appendTo(engineer, 'INBOX', later, user);
    expect(await run('mailbox', 'organize', '--backlog', '--tenant', 'acme')).to.deep.equal({ code: 0, stdout: 'nothing left to organize\n', stderr: '' });
    expect(await messageIdsIn(engineer, 'INBOX')).to.deep.equal([later.messageId]);
  });

  it('a backlog run killed half-way is finished by the next one: the rest filed, nothing stored twice', async () => {
    engineer = await engineerClient(user);
    const backlog = Array.from({ length: 30 }, (_, i) => mail(`:org:acme.web: certificate of web${i} expires soon`, i));
    for (const m of backlog) await appendTo(engineer, 'INBOX', m, user);
    await add();

    const child = spawn(process.execPath, [MAIN, 'mailbox', 'organize', '--backlog', '--batch', '1', '--tenant', 'acme'], { env, cwd: projectRoot, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const inbox = async () => (await sharedDb()).models.MailboxFolder.findOne({ where: { role: 'inbox' } });
    try {
      await waitFor(async () => ((await inbox())?.backlogDone ?? null) !== null, 'the first batch of the backlog to be filed');
    } finally {
      child.kill('SIGKILL');
    }
    expect(await exited, 'the first run was still going when it was killed').to.equal('SIGKILL');

    const left = await messageIdsIn(engineer, 'INBOX');
    expect(left.length).to.be.within(1, backlog.length - 1);
    const second = await run('mailbox', 'organize', '--backlog', '--tenant', 'acme');
    expect(second).to.deep.equal({ code: 0, stdout: `organized ${left.length} messages of the backlog\n`, stderr: '' });
    expect(await messageIdsIn(engineer, 'INBOX')).to.deep.equal([]);
    const filed = await messageIdsIn(engineer, 'DaTamer/acme/web');
    expect(filed).to.have.length(backlog.length);
    expect(filed).to.have.members(backlog.map((m) => m.messageId));
    expect(await (await sharedDb()).models.Message.count()).to.equal(backlog.length);
    expect(await run('mailbox', 'organize', '--backlog', '--tenant', 'acme')).to.deep.include({ stdout: 'nothing left to organize\n' });
  });

  it('takes a new password only when it logs in, clears the error it fixes, and removes the mailbox', async () => {
    const id = await add();
    await (await sharedDb()).models.Mailbox.update({ lastError: 'login refused', lastErrorAt: new Date('2026-11-24T03:00:00Z') }, { where: { id } });
    expect((await listed())[0]).to.include({ status: 'failing', lastError: 'login refused' });

    const wrong = await run('mailbox', 'password', String(id), '--tenant', 'acme', '--password-file', passwordFile('wrong', 'typo-in-the-new-one'));
    expect(wrong.code).to.equal(1);
    expect(wrong.stderr).to.match(LOGIN_REFUSED);
    expect(wrong.stderr).not.to.contain('typo-in-the-new-one');
    // The password that works is kept.
    const [kept] = await storedImapMailboxes();
    expect(decryptSecret(TEST_KEY, kept!.secret!)).to.equal(MAIL_PASSWORD);

    const right = await run('mailbox', 'password', String(id), '--tenant', 'acme', '--password-file', passwordFile('right', MAIL_PASSWORD));
    expect(right).to.deep.equal({ code: 0, stdout: `mailbox ${id}: password stored\n`, stderr: '' });
    expect((await listed())[0]).to.include({ status: 'not yet connected', lastError: null });

    const own = await run('mailbox', 'remove', 'alerts@acme.test', '--tenant', 'acme');
    expect(own).to.deep.equal({ code: 1, stdout: '', stderr: "datamer: alerts@acme.test is DaTamer's own address, not a mailbox it watches\n" });
    expect(await run('mailbox', 'remove', address, '--tenant', 'acme')).to.deep.equal({ code: 0, stdout: `mailbox ${id} removed: ${address}\n`, stderr: '' });
    expect(await listed()).to.deep.equal([]);
    expect(await run('mailbox', 'organize', '--backlog', '--tenant', 'acme')).to.deep.equal({
      code: 1,
      stdout: '',
      stderr: 'datamer: the tenant has no shared mailbox (add one with: datamer mailbox add)\n',
    });
  });
});
