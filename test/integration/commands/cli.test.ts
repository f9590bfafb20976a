// The admin's side of commands by email: `datamer user token` shows (or rotates) a user's
// secret, `datamer tenant trust-authserv` names the receiving server whose DKIM/SPF verdict
// stands in for it.
import { expect } from 'chai';
import { openDb } from '../../../src/db.js';
import { datamer, inProcess } from '../../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';

describe('datamer user token and tenant trust-authserv', () => {
  let database: TestDatabase;
  let env: NodeJS.ProcessEnv;

  async function inDb<T>(work: (db: Awaited<ReturnType<typeof openDb>>) => Promise<T>): Promise<T> {
    const db = await openDb(database.url);
    try {
      return await work(db);
    } finally {
      await db.close();
    }
  }

  beforeEach(async () => {
    database = await createTestDatabase();
    env = { ...process.env, DATABASE_URL: database.url, DATAMER_LOG_LEVEL: 'silent' };
    expect((await inProcess(env, 'tenant', 'add', 'acme', '--address', 'alerts@acme.example')).code).to.equal(0);
    expect((await inProcess(env, 'user', 'add', 'ann@acme.example', '--handle', 'ann', '--tenant', 'acme')).code).to.equal(0);
  });
  afterEach(() => database.drop());

  it("prints ann's token and her reply address, the same every time", async () => {
    const run = await datamer(env, 'user', 'token', 'ann', '--tenant', 'acme');
    expect(run).to.include({ code: 0, stderr: '' });
    const token = /^command token of ann: ([a-z2-7]{20})$/m.exec(run.stdout)?.[1];
    expect(token, run.stdout).to.be.a('string');
    expect(run.stdout).to.contain(`replies to alerts+k${token}@acme.example (or with key:${token} in the subject) command as ann`);
    expect(await inDb(async (db) => (await db.models.User.findOne({ where: { handle: 'ann' } }))!.commandToken)).to.equal(token);
    const again = await inProcess(env, 'user', 'token', 'ann', '--tenant', 'acme');
    expect(again.stdout).to.equal(run.stdout);
  });

  it('--rotate replaces the token and says that older mail no longer commands', async () => {
    const before = /: ([a-z2-7]{20})$/m.exec((await inProcess(env, 'user', 'token', 'ann', '--tenant', 'acme')).stdout)![1];
    const run = await inProcess(env, 'user', 'token', 'ann', '--rotate', '--tenant', 'acme');
    expect(run.code).to.equal(0);
    const after = /^new command token of ann: ([a-z2-7]{20})$/m.exec(run.stdout)![1];
    expect(after).to.not.equal(before);
    expect(run.stdout).to.contain('replies to mail DaTamer sent ann before no longer command');
    expect(await inDb(async (db) => (await db.models.User.findOne({ where: { handle: 'ann' } }))!.commandToken)).to.equal(after);
  });

  it('fails with one clear line for an unknown handle', async () => {
    const run = await inProcess(env, 'user', 'token', 'zed', '--tenant', 'acme');
    expect(run.code).to.equal(1);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.equal('datamer: no user with handle "zed"\n');
  });

  it('trust-authserv sets the trusted receiving server, and none removes it', async () => {
    const set = await inProcess(env, 'tenant', 'trust-authserv', 'acme', 'MX1.Acme.Example');
    expect(set.code).to.equal(0);
    expect(set.stdout).to.equal('tenant acme: a reply from a user whose domain passes DKIM or SPF in Authentication-Results of mx1.acme.example commands without a token\n');
    expect(await inDb(async (db) => (await db.models.Tenant.findOne({ where: { name: 'acme' } }))!.trustedAuthservId)).to.equal('mx1.acme.example');

    const none = await inProcess(env, 'tenant', 'trust-authserv', 'acme', 'none');
    expect(none.stdout).to.equal("tenant acme: commands by email need the user's token\n");
    expect(await inDb(async (db) => (await db.models.Tenant.findOne({ where: { name: 'acme' } }))!.trustedAuthservId)).to.equal(null);
  });

  it('trust-authserv refuses what cannot be an authserv-id, and an unknown tenant', async () => {
    const bad = await inProcess(env, 'tenant', 'trust-authserv', 'acme', 'mx.acme.example; dkim=pass');
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.match(/^datamer: "mx\.acme\.example; dkim=pass" is not an authserv-id/);
    const unknown = await inProcess(env, 'tenant', 'trust-authserv', 'nope', 'mx.acme.example');
    expect(unknown.stderr).to.equal('datamer: no tenant named "nope" (see: datamer tenant list)\n');
    expect(await inDb(async (db) => (await db.models.Tenant.findOne({ where: { name: 'acme' } }))!.trustedAuthservId)).to.equal(null);
  });
});
