// `datamer tenant self-address`: where DaTamer mails its own MSEs for a tenant.
import { expect } from 'chai';
import { inProcess } from '../../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';

describe('datamer tenant self-address', () => {
  let database: TestDatabase;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    database = await createTestDatabase();
    env = { ...process.env, DATABASE_URL: database.url, DATAMER_LOG_LEVEL: 'silent' };
    await inProcess(env, 'tenant', 'add', 'acme', '--address', 'ops@acme.test');
    await inProcess(env, 'tenant', 'add', 'globex', '--address', 'alerts@globex.test');
  });
  afterEach(() => database.drop());

  const listed = async () =>
    Object.fromEntries(
      (JSON.parse((await inProcess(env, 'tenant', 'list', '--json')).stdout) as Array<{ name: string; selfAddress: string | null }>).map((t) => [t.name, t.selfAddress]),
    );

  it('sets a self-address, shows it in tenant list --json, and removes it with none', async () => {
    expect(await listed()).to.deep.equal({ acme: null, globex: null });
    const set = await inProcess(env, 'tenant', 'self-address', 'acme', 'OPS@acme.test');
    expect(set).to.deep.equal({ code: 0, stdout: 'tenant acme: DaTamer mails its hourly heartbeat and critical self-reports to ops@acme.test\n', stderr: '' });
    expect(await listed()).to.deep.equal({ acme: 'ops@acme.test', globex: null });

    const off = await inProcess(env, 'tenant', 'self-address', 'acme', 'none');
    expect(off.stdout).to.equal('tenant acme: DaTamer no longer mails its own heartbeat and self-reports\n');
    expect(await listed()).to.deep.equal({ acme: null, globex: null });
  });

  it('accepts an address elsewhere with a note that the mail must reach DaTamer to count', async () => {
    const run = await inProcess(env, 'tenant', 'self-address', 'acme', 'oncall@example.test');
    expect(run.code).to.equal(0);
    expect(run.stdout.split('\n')[1]).to.equal(
      "note: oncall@example.test is not one of acme's DaTamer addresses (ops@acme.test); the heartbeat only counts if mail to it reaches DaTamer",
    );
  });

  it("refuses another tenant's address, so self-reports never land in another tenant", async () => {
    const run = await inProcess(env, 'tenant', 'self-address', 'acme', 'alerts@globex.test');
    expect(run.code).to.not.equal(0);
    expect(run.stderr).to.equal("datamer: alerts@globex.test is an address of tenant globex; use one of acme's: ops@acme.test\n");
    expect(await listed()).to.deep.equal({ acme: null, globex: null });
  });

  it('refuses something that is not an address, and an unknown tenant, with one line', async () => {
    const bad = await inProcess(env, 'tenant', 'self-address', 'acme', 'not-an-address');
    expect(bad.stderr).to.equal('datamer: "not-an-address" is not an email address (or "none" to stop)\n');
    const unknown = await inProcess(env, 'tenant', 'self-address', 'nope', 'ops@acme.test');
    expect(unknown.stderr).to.equal('datamer: no tenant named "nope" (see: datamer tenant list)\n');
  });
});
