// What an admin reaches for on the command line, against a real database with real mail in it.
import path from 'node:path';
import { expect } from 'chai';
import { runCli } from '../../../src/cli/program.js';
import { projectRoot } from '../../../src/paths.js';
import { inProcess, type Run } from '../../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';

const MBOX = path.join(projectRoot, 'fixtures', 'mbox', 'monitoring.mbox');

describe('admin commands from the command line', () => {
  let database: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const run = (...args: string[]) => inProcess(env, ...args);
  /** As in a terminal this many characters wide. */
  const inTerminal = async (columns: number, ...args: string[]): Promise<Run> => {
    let stdout = '';
    let stderr = '';
    const terminal = { write: (s: string) => void (stdout += s), isTTY: true, columns };
    const code = await runCli(args, { env, stdout: terminal, stderr: { write: (s: string) => void (stderr += s) } });
    return { code, stdout, stderr };
  };

  beforeEach(async () => {
    database = await createTestDatabase();
    env = { ...process.env, DATABASE_URL: database.url, DATAMER_LOG_LEVEL: 'silent' };
    expect((await run('tenant', 'add', 'acme', '--address', 'alerts@acme.test')).code).to.equal(0);
    expect((await run('user', 'add', 'alice@acme.test', '--handle', 'alice', '--tenant', 'acme')).code).to.equal(0);
    expect((await run('import', MBOX, '--tenant', 'acme')).code).to.equal(0);
  });
  afterEach(() => database.drop());

  it('event list cuts its lines to the terminal\'s width, and leaves them whole for a pipe', async () => {
    const wide = await run('event', 'list', '--tenant', 'acme');
    expect(wide.stdout.split('\n').some((l) => l.length > 60)).to.equal(true);
    const narrow = await inTerminal(60, 'event', 'list', '--tenant', 'acme');
    const lines = narrow.stdout.trimEnd().split('\n');
    expect(lines.length).to.equal(wide.stdout.trimEnd().split('\n').length);
    for (const line of lines) expect([...line].length).to.be.at.most(60);
    expect(lines.some((l) => l.endsWith('…'))).to.equal(true);
  });
});
