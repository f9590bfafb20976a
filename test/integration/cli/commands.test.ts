// The `datamer` commands as a user runs them (helpers/cli.ts).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { describeDatabase } from '../../../src/config.js';
import { openDb } from '../../../src/db.js';
import { projectRoot } from '../../../src/paths.js';
import { datamer, inProcess } from '../../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';

const MBOX = path.join(projectRoot, 'fixtures', 'mbox', 'monitoring.mbox');

describe('the datamer command', () => {
  let database: TestDatabase;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    database = await createTestDatabase();
    env = { ...process.env, DATABASE_URL: database.url, DATAMER_LOG_LEVEL: 'silent' };
  });
  afterEach(() => database.drop());

  describe('run as a program', () => {
    it('adds a tenant and lists it as JSON', async () => {
      const added = await datamer(env, 'tenant', 'add', 'acme', '--address', 'Alerts@Acme.test', '--display-name', 'Acme Corp');
      expect(added).to.include({ code: 0, stderr: `datamer: made a new, empty database: ${describeDatabase(database.url)} (DATABASE_URL)\n` });
      expect(added.stdout).to.equal('tenant acme added; its address is alerts@acme.test\n');

      const listed = await datamer(env, 'tenant', 'list', '--json');
      expect(listed.code).to.equal(0);
      const tenants = JSON.parse(listed.stdout) as Array<{ name: string; displayName: string; addresses: string[] }>;
      expect(tenants.map(({ name, displayName, addresses }) => ({ name, displayName, addresses }))).to.deep.equal([
        { name: 'acme', displayName: 'Acme Corp', addresses: ['alerts@acme.test'] },
      ]);
    });

    it('says which database it made when it made one, and only then, from any directory', async () => {
      const docs = path.join(projectRoot, 'docs');
      const fresh = await datamer(env, 'tenant', 'list');
      expect(fresh.stderr).to.equal(`datamer: made a new, empty database: ${describeDatabase(database.url)} (DATABASE_URL)\n`);
      const again = await new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile(process.execPath, [path.join(projectRoot, 'dist', 'src', 'cli', 'main.js'), 'tenant', 'list'], { env, cwd: docs }, (err, _out, stderr) => resolve({ code: err ? 1 : 0, stderr })),
      );
      expect(again).to.deep.equal({ code: 0, stderr: '' });
    });

    it('imports an mbox, and stores nothing new the second time', async () => {
      await datamer(env, 'tenant', 'add', 'acme', '--address', 'alerts@acme.test');
      const first = await datamer(env, 'import', MBOX, '--tenant', 'acme');
      expect(first).to.deep.equal({ code: 0, stdout: '3 stored, 0 already there, 0 rejected\n', stderr: '' });
      const second = await datamer(env, 'import', MBOX, '--tenant', 'acme');
      expect(second).to.deep.equal({ code: 0, stdout: '0 stored, 3 already there, 0 rejected\n', stderr: '' });
    });

    it('fails with one clear line and stores nothing for an unknown tenant', async () => {
      await datamer(env, 'tenant', 'add', 'acme', '--address', 'alerts@acme.test');
      const run = await datamer(env, 'import', MBOX, '--tenant', 'nope');
      expect(run.code).to.not.equal(0);
      expect(run.stdout).to.equal('');
      expect(run.stderr).to.equal('datamer: no tenant named "nope" (see: datamer tenant list)\n');
      const db = await openDb(database.url);
      try {
        expect(await db.models.Message.count()).to.equal(0);
      } finally {
        await db.close();
      }
    });

    it('names the variable when DATABASE_URL is wrong', async () => {
      const run = await datamer({ ...env, DATABASE_URL: 'mysql://localhost/x' }, 'tenant', 'list');
      expect(run.code).to.not.equal(0);
      expect(run.stderr.trim().split('\n')).to.have.length(1);
      expect(run.stderr).to.match(/^datamer: DATABASE_URL: must start with postgres:\/\//);
    });
  });

  describe('people', () => {
    it('adds users, groups, memberships and subscriptions to a tenant', async () => {
      await inProcess(env, 'tenant', 'add', 'acme', '--address', 'alerts@acme.test');
      const steps = [
        ['user', 'add', 'Ann@Acme.test', '--handle', 'ann', '--name', 'Ann Admin', '--tenant', 'acme'],
        ['user', 'add', 'bob@acme.test', '--handle', 'bob', '--tenant', 'acme'],
        ['group', 'add', 'dba', '--tenant', 'acme'],
        ['group', 'join', 'dba', 'ann', '--tenant', 'acme'],
        ['subscribe', 'dba', 'datamer.data.*', 'responder', '--tenant', 'acme'],
      ];
      const out: string[] = [];
      for (const step of steps) {
        const run = await inProcess(env, ...step);
        expect(run, step.join(' ')).to.include({ code: 0, stderr: '' });
        out.push(run.stdout);
      }
      expect(out.join('')).to.equal(
        [
          'user ann <ann@acme.test> added to tenant acme',
          'user bob <bob@acme.test> added to tenant acme',
          'group "dba" added to tenant acme',
          'ann joined group "dba"',
          'group "dba" is now responder for datamer.data.*',
          '',
        ].join('\n'),
      );
      const listed = await inProcess(env, 'user', 'list', '--tenant', 'acme', '--json');
      expect((JSON.parse(listed.stdout) as Array<{ handle: string; displayName: string }>).map((u) => [u.handle, u.displayName])).to.deep.equal([
        ['ann', 'Ann Admin'],
        ['bob', 'bob'],
      ]);
      const table = await inProcess(env, 'user', 'list', '--tenant', 'acme');
      expect(table.stdout.split('\n')[0]).to.match(/^HANDLE\s+EMAIL\s+NAME\s+ROLE$/);
    });

    it('keeps each tenant to its own people', async () => {
      await inProcess(env, 'tenant', 'add', 'acme', '--address', 'alerts@acme.test');
      await inProcess(env, 'tenant', 'add', 'globex', '--address', 'alerts@globex.test');
      await inProcess(env, 'user', 'add', 'ann@acme.test', '--handle', 'ann', '--tenant', 'acme');
      const other = await inProcess(env, 'user', 'list', '--tenant', 'globex', '--json');
      expect(JSON.parse(other.stdout)).to.deep.equal([]);
      const join = await inProcess(env, 'group', 'add', 'ops', '--tenant', 'globex').then(() => inProcess(env, 'group', 'join', 'ops', 'ann', '--tenant', 'globex'));
      expect(join).to.deep.equal({ code: 1, stdout: '', stderr: 'datamer: no user with handle "ann"\n' });
    });

    it('uses the default tenant when --tenant is left out, making it on a fresh database', async () => {
      const run = await inProcess(env, 'group', 'add', 'ops');
      expect(run).to.deep.equal({ code: 0, stdout: 'group "ops" added to tenant default\n', stderr: `datamer: made a new, empty database: ${describeDatabase(database.url)} (DATABASE_URL)\n` });
      const tenants = JSON.parse((await inProcess(env, 'tenant', 'list', '--json')).stdout) as Array<{ name: string; addresses: string[] }>;
      expect(tenants.map((x) => [x.name, x.addresses])).to.deep.equal([['default', ['datamer@localhost']]]);
    });

    it('explains a wrong subscription level, an existing tenant and a missing option in one line each', async () => {
      await inProcess(env, 'tenant', 'add', 'acme', '--address', 'alerts@acme.test');
      await inProcess(env, 'group', 'add', 'dba', '--tenant', 'acme');
      const cases: Array<[string[], string]> = [
        [['subscribe', 'dba', 'datamer.data.*', 'boss', '--tenant', 'acme'], 'datamer: level "boss": use responder or interested\n'],
        [['tenant', 'add', 'acme', '--address', 'other@acme.test'], 'datamer: a tenant named "acme" already exists\n'],
        [['tenant', 'add', 'initech'], "datamer: required option '--address <address>' not specified\n"],
        [['frobnicate'], "datamer: unknown command 'frobnicate'\n"],
      ];
      for (const [args, stderr] of cases) {
        const run = await inProcess(env, ...args);
        expect(run, args.join(' ')).to.deep.equal({ code: 1, stdout: '', stderr });
      }
    });
  });
});
