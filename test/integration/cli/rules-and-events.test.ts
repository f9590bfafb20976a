// `datamer rule …`, `datamer reclassify` and `datamer event …` as an engineer uses them.
import path from 'node:path';
import { expect } from 'chai';
import { cliActor } from '../../../src/cli/session.js';
import { projectRoot } from '../../../src/paths.js';
import { datamer, inProcess } from '../../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';

const MBOX = path.join(projectRoot, 'fixtures', 'mbox', 'monitoring.mbox');

describe('rules and events from the command line', () => {
  let database: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const run = (...args: string[]) => inProcess(env, ...args);
  const json = async <T>(...args: string[]): Promise<T> => {
    const r = await run(...args, '--json');
    expect(r.stderr).to.equal('');
    return JSON.parse(r.stdout) as T;
  };

  beforeEach(async () => {
    database = await createTestDatabase();
    env = { ...process.env, DATABASE_URL: database.url, DATAMER_LOG_LEVEL: 'silent' };
    expect((await run('tenant', 'add', 'acme', '--address', 'alerts@acme.test')).code).to.equal(0);
    expect((await run('user', 'add', 'alice@acme.test', '--handle', 'alice', '--tenant', 'acme')).code).to.equal(0);
    expect((await run('import', MBOX, '--tenant', 'acme')).code).to.equal(0);
  });
  afterEach(() => database.drop());

  it('adds a rule, lists and shows it, and refuses a broken one with the engine\'s words', async () => {
    const added = await run('rule', 'add', 'cron mail', '--from', '^cron@(?P<host>[a-z0-9.-]+)$', '--org', 'ops.cron', '--svr', '$host', '--severity', 'info', '--tenant', 'acme');
    expect(added.code).to.equal(0);
    expect(added.stdout).to.match(/^rule 1 "cron mail" added at position 10\n/);

    const [rule] = await json<Array<Record<string, unknown>>>('rule', 'list', '--tenant', 'acme');
    expect(rule).to.deep.include({ id: 1, name: 'cron mail', position: 10, enabled: true, continue: false, override: false, hits: 0, lastMatchedAt: null, createdBy: cliActor() });
    expect(rule!.conditions).to.deep.equal([{ field: 'from', pattern: '^cron@(?P<host>[a-z0-9.-]+)$' }]);
    expect(rule!.actions).to.deep.equal({ severity: 'info', org: 'ops.cron', servers: ['$host'] });
    expect((await run('rule', 'show', 'cron mail', '--tenant', 'acme')).stdout).to.contain('when from ~ /^cron@(?P<host>[a-z0-9.-]+)$/i');

    const broken = await run('rule', 'add', 'broken', '--subject', 'disk (full', '--org', 'x', '--tenant', 'acme');
    expect(broken).to.deep.equal({ code: 1, stdout: '', stderr: 'datamer: rule "broken" cannot be saved: /disk (full/ is not a valid expression: missing ): disk (full\n' });
  });

  it('previews a draft, saves nothing, then reclassifies what is stored', async () => {
    const preview = await json<{ scanned: number; matched: Array<{ changed: boolean; after: { org: string } }> }>(
      'rule', 'preview', '--subject', 'backup', '--org', 'ops.backup', '--tenant', 'acme',
    );
    expect(preview.scanned).to.be.greaterThan(0);
    expect(preview.matched.length).to.be.greaterThan(0);
    expect(preview.matched.every((m) => m.after.org !== undefined)).to.equal(true);
    expect(await json<unknown[]>('rule', 'list', '--tenant', 'acme')).to.deep.equal([]);

    // The rotate-logs mail from root@batch3 has no tags: the rule gives it an org.
    await run('rule', 'add', 'cron mail', '--from', '^root@', '--org', 'ops.cron', '--tenant', 'acme');
    const first = await run('reclassify', '--tenant', 'acme');
    expect(first.stdout).to.equal('finished run 1: 3 messages looked at, 1 changed\n');
    const events = await json<Array<{ org: string | null; triage: boolean }>>('event', 'list', '--tenant', 'acme');
    expect(events.some((e) => e.org === 'ops.cron' && !e.triage)).to.equal(true);
  });

  it('tests a rule against a stored message, condition by condition', async () => {
    await run('rule', 'add', 'disk', '--subject', 'disk', '--body', 'no such text anywhere', '--org', 'ops.disk', '--tenant', 'acme');
    const events = await json<Array<{ id: number; title: string }>>('event', 'list', '--tenant', 'acme');
    const disk = events.find((e) => /disk/.test(e.title))!;
    const detail = await json<{ messages: Array<{ id: number }> }>('event', 'show', String(disk.id), '--tenant', 'acme');
    const tested = await run('rule', 'test', 'disk', String(detail.messages[0]!.id), '--tenant', 'acme');
    expect(tested.stdout).to.contain('does not match');
    expect(tested.stdout).to.contain('  yes subject ~ /disk/i');
    expect(tested.stdout).to.contain('  no  body ~ /no such text anywhere/i');
  });

  it('works an event: assign, complete with a note, reopen; JSON for scripts', async () => {
    const [event] = await json<Array<{ id: number; status: string; assignee: string | null }>>('event', 'list', '--open', '--tenant', 'acme');
    const id = String(event!.id);
    expect((await run('event', 'assign', id, 'alice', '--as', 'alice', '--tenant', 'acme')).stdout).to.equal(`event #${id} is now assigned\n`);
    expect((await run('event', 'complete', id, '--note', 'disk cleaned', '--as', 'alice', '--tenant', 'acme')).stdout).to.equal(`event #${id} is now completed\n`);
    expect((await json<Array<{ id: number }>>('event', 'list', '--open', '--tenant', 'acme')).map((e) => e.id)).not.to.include(event!.id);

    const detail = await json<Record<string, unknown> & { activity: Array<Record<string, unknown>> }>('event', 'show', id, '--tenant', 'acme');
    expect(Object.keys(detail)).to.deep.equal(['id', 'kind', 'status', 'title', 'severity', 'org', 'servers', 'triage', 'assignee', 'createdAt', 'assignedAt', 'completedAt', 'mergedInto', 'messages', 'activity']);
    expect(detail).to.deep.include({ status: 'completed', assignee: 'alice' });
    expect(detail.activity.map((a) => [a.action, a.actor, a.via])).to.deep.equal([['assigned', 'alice', 'cli'], ['completed', 'alice', 'cli']]);
    expect(detail.activity[1]!.detail).to.deep.include({ note: 'disk cleaned' });

    const again = await run('event', 'complete', id, '--tenant', 'acme');
    expect(again).to.deep.equal({ code: 1, stdout: '', stderr: `datamer: event #${id} cannot be completed: it is already completed\n` });
    expect((await run('event', 'reopen', id, '--tenant', 'acme')).stdout).to.equal(`event #${id} is now assigned\n`);
  });

  it('acts --as a user of the tenant only; without --as the command line is recorded with the login name; the log says to whom it was assigned', async () => {
    expect((await run('tenant', 'add', 'globex', '--address', 'alerts@globex.test')).code).to.equal(0);
    expect((await run('user', 'add', 'zed@globex.test', '--handle', 'zed', '--tenant', 'globex')).code).to.equal(0);
    const [event] = await json<Array<{ id: number }>>('event', 'list', '--open', '--tenant', 'acme');
    const id = String(event!.id);
    const notOurs = 'datamer: --as zed: not a user of tenant acme (see datamer user list --tenant acme)\n';
    // zed exists, but in another tenant: nobody of acme.
    expect(await run('event', 'complete', id, '--as', 'zed', '--tenant', 'acme')).to.deep.equal({ code: 1, stdout: '', stderr: notOurs });
    expect(await run('rule', 'add', 'x', '--subject', 'x', '--org', 'ops', '--as', 'zed', '--tenant', 'acme')).to.deep.include({ code: 1, stderr: notOurs });
    expect(await run('maintenance', 'add', '--scope', '*', '--until', '2099-01-01T00:00Z', '--reason', 'r', '--as', 'zed', '--tenant', 'acme')).to.deep.include({ code: 1, stderr: notOurs });
    expect((await json<{ status: string; activity: unknown[] }>('event', 'show', id, '--tenant', 'acme'))).to.deep.include({ status: 'open', activity: [] });

    expect((await run('event', 'assign', id, 'alice', '--tenant', 'acme')).code).to.equal(0);
    expect((await run('event', 'complete', id, '--as', 'ALICE', '--tenant', 'acme')).code).to.equal(0);
    const detail = await json<{ activity: Array<{ action: string; actor: string }> }>('event', 'show', id, '--tenant', 'acme');
    expect(detail.activity.map((a) => [a.action, a.actor])).to.deep.equal([['assigned', cliActor()], ['completed', 'alice']]);
    expect(cliActor()).to.match(/^cli:\S+$/);
    const shown = (await run('event', 'show', id, '--tenant', 'acme')).stdout;
    expect(shown).to.match(new RegExp(`\n  \\S+  assigned to alice by ${cliActor()} via cli\n  \\S+  completed by alice via cli\n$`));
  });

  it('says clearly what is wrong with an unknown event, handle or rule (as a program)', async () => {
    expect(await datamer(env, 'event', 'assign', '999', 'alice', '--tenant', 'acme')).to.deep.include({ code: 1, stderr: 'datamer: no event #999\n' });
    expect(await datamer(env, 'event', 'assign', '1', 'nobody', '--tenant', 'acme')).to.deep.include({ code: 1, stderr: 'datamer: no user with handle "nobody"\n' });
    expect(await datamer(env, 'rule', 'show', 'nope', '--tenant', 'acme')).to.deep.include({ code: 1, stderr: 'datamer: no rule "nope" (see: datamer rule list)\n' });
  });
});
