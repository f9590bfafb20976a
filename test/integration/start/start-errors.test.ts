// A start that cannot go on must say why in one line a user can act on: which variable, and
// what is wrong with it. Never a stack trace, never a half-started service.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openDb } from '../../../src/db.js';
import { migrate } from '../../../src/migrate.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { runDatamerUntilExit } from '../../helpers/datamer-process.js';
import { freePort } from '../../helpers/net.js';

describe('DaTamer refusing to start with a bad configuration', function () {
  this.timeout(60_000);
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'datamer-start-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Starts DaTamer with `env` (jobs off, a fresh data dir) and returns its one line of complaint. */
  async function complaint(env: Record<string, string>): Promise<string> {
    const run = await runDatamerUntilExit({ DATAMER_DATA_DIR: dataDir, DATAMER_JOBS: '0', ...env });
    const transcript = `exit ${run.code} ${run.signal ?? ''}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
    expect(run.code, transcript).to.be.a('number').and.not.equal(0);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines, transcript).to.have.length(1);
    // Nothing claims it is running.
    expect(run.stdout, transcript).to.equal('');
    return lines[0]!;
  }

  it('names DATAMER_SMTP_PORT when it is not a number', async () => {
    const line = await complaint({ DATAMER_SMTP_PORT: 'abc' });
    expect(line).to.match(/^datamer: DATAMER_SMTP_PORT: must be a port number/);
    expect(line).to.contain('"abc"');
  });

  it('names DATAMER_WEB_PORT when it is beyond 65535', async () => {
    const line = await complaint({ DATAMER_WEB_PORT: '70000' });
    expect(line).to.match(/^datamer: DATAMER_WEB_PORT: must be a port number between 1 and 65535/);
    expect(line).to.contain('70000');
  });

  it('names DATABASE_URL when it is not a database DaTamer supports', async () => {
    const line = await complaint({ DATABASE_URL: 'mysql://x' });
    expect(line).to.match(/^datamer: DATABASE_URL: must start with postgres:\/\/ .* or sqlite:/);
    expect(line).to.contain('mysql://x');
  });

  it('says the TLS certificate file is missing when only the key file is given', async () => {
    const key = path.join(dataDir, 'key.pem');
    writeFileSync(key, 'not used: the start stops before reading it');
    const line = await complaint({ DATAMER_SMTP_TLS_KEY_FILE: key });
    expect(line).to.equal('datamer: DATAMER_SMTP_TLS_CERT_FILE: must be set when DATAMER_SMTP_TLS_KEY_FILE is set');
  });

  it('lists the log levels when DATAMER_LOG_LEVEL is not one of them', async () => {
    const line = await complaint({ DATAMER_LOG_LEVEL: 'loud' });
    expect(line).to.match(/^datamer: DATAMER_LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent/);
    expect(line).to.contain('"loud"');
  });

  describe('when a port is already taken', () => {
    let database: TestDatabase;
    let occupier: net.Server;
    let port: number;

    beforeEach(async () => {
      // Already migrated, as on any start after the first: the complaint is then the only line
      // on stderr even at the default log level.
      database = await createTestDatabase();
      const db = await openDb(database.url);
      await migrate(db);
      await db.close();
      port = await freePort();
      occupier = net.createServer();
      await new Promise<void>((resolve) => occupier.listen(port, '127.0.0.1', resolve));
    });

    afterEach(async () => {
      await new Promise((resolve) => occupier.close(resolve));
      await database.drop();
    });

    it('names DATAMER_SMTP_PORT and asks whether DaTamer is already running', async () => {
      const line = await complaint({ DATABASE_URL: database.url, DATAMER_SMTP_PORT: String(port), DATAMER_WEB_PORT: String(await freePort()) });
      expect(line).to.equal(`datamer: DATAMER_SMTP_PORT: 127.0.0.1:${port} is already in use (is DaTamer already running?)`);
    });

    it('names DATAMER_WEB_PORT when the web port is the one taken', async () => {
      const line = await complaint({ DATABASE_URL: database.url, DATAMER_SMTP_PORT: String(await freePort()), DATAMER_WEB_PORT: String(port) });
      expect(line).to.equal(`datamer: DATAMER_WEB_PORT: 127.0.0.1:${port} is already in use (is DaTamer already running?)`);
    });
  });
});
