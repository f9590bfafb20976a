import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { isDatamerError } from '../../src/errors.js';
import { projectRoot } from '../../src/paths.js';

function problem(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (err) {
    if (isDatamerError(err, 'CONFIG_INVALID')) return err.message;
    throw err;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration', () => {
  it('starts on SQLite under ./data, SMTP on 127.0.0.1:2525 and the web on 127.0.0.1:3000 when nothing is set', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).to.equal(`sqlite:${path.resolve('data', 'datamer.sqlite')}`);
    expect(c.smtp).to.include({ host: '127.0.0.1', port: 2525, maxBytes: 25 * 1024 * 1024 });
    expect(c.smtp.tls).to.equal(null);
    expect(c.smtp.auth).to.equal(null);
    expect(c.web).to.deep.equal({ host: '127.0.0.1', port: 3000, trustProxy: ['loopback'], metricsToken: null });
    expect(c.outgoingSmtpUrl).to.equal(null);
    expect(c.jobs).to.equal(true);
  });

  it('keeps the database and its key in the installation\'s data directory, wherever the command is run from', () => {
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'datamer-cwd-'));
    const cwd = process.cwd();
    try {
      process.chdir(elsewhere);
      const c = loadConfig({});
      expect(c.dataDir).to.equal(path.join(projectRoot, 'data'));
      expect(c.databaseUrl).to.equal(`sqlite:${path.join(projectRoot, 'data', 'datamer.sqlite')}`);
      expect(c.secretKeyFile).to.equal(path.join(projectRoot, 'data', 'secret.key'));
      expect(c.databaseChosenBy).to.equal('default');
      // A directory given is a path as the user typed it, from where they are.
      const given = loadConfig({ DATAMER_DATA_DIR: 'mine' });
      expect([given.dataDir, given.secretKeyFile, given.databaseChosenBy]).to.deep.equal([path.join(process.cwd(), 'mine'), path.join(process.cwd(), 'mine', 'secret.key'), 'DATAMER_DATA_DIR']);
    } finally {
      process.chdir(cwd);
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('switches to PostgreSQL with DATABASE_URL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/datamer' }).databaseUrl).to.equal('postgres://u:p@db:5432/datamer');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATAMER_SMTP_PORT: '' }).smtp.port).to.equal(2525);
  });

  it('is frozen, so no part of DaTamer can change it behind the others', () => {
    const c = loadConfig({});
    expect(Object.isFrozen(c) && Object.isFrozen(c.smtp)).to.equal(true);
  });

  it('believes the proxies DATAMER_TRUST_PROXY names, or none', () => {
    expect(loadConfig({ DATAMER_TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::/8, 192.168.1.7' }).web.trustProxy).to.deep.equal(['loopback', '10.0.0.0/8', 'fd00::/8', '192.168.1.7']);
    expect(loadConfig({ DATAMER_TRUST_PROXY: 'none' }).web.trustProxy).to.equal(false);
  });

  const refused: Array<[NodeJS.ProcessEnv, RegExp]> = [
    [{ DATAMER_METRICS_TOKEN: 'short' }, /^DATAMER_METRICS_TOKEN: must have at least 16 characters.*got 5 characters$/],
    [{ DATAMER_TRUST_PROXY: 'proxy.example.com' }, /^DATAMER_TRUST_PROXY: must be none, or a comma-separated list/],
    [{ DATAMER_TRUST_PROXY: '10.0.0.0/33' }, /^DATAMER_TRUST_PROXY: must be none/],
    [{ DATAMER_SMTP_PORT: 'abc' }, /^DATAMER_SMTP_PORT: must be a port number.*got "abc"$/],
    [{ DATAMER_WEB_PORT: '70000' }, /^DATAMER_WEB_PORT: must be a port number between 1 and 65535, got "70000"$/],
    [{ DATAMER_WEB_PORT: '80.5' }, /^DATAMER_WEB_PORT: must be a whole number/],
    [{ DATABASE_URL: 'mysql://localhost/x' }, /^DATABASE_URL: must start with postgres:\/\/.*got "mysql:\/\/localhost\/x"$/],
    [{ DATAMER_SMTP_MAX_BYTES: '10' }, /^DATAMER_SMTP_MAX_BYTES: must be at least 1024 bytes/],
    [{ DATAMER_LOG_LEVEL: 'loud' }, /^DATAMER_LOG_LEVEL: must be one of/],
    [{ DATAMER_ANSWERS_PER_HOUR: '-1' }, /^DATAMER_ANSWERS_PER_HOUR: must be 0 or more, got "-1"$/],
    [{ DATAMER_ANSWERS_PER_HOUR: 'a few' }, /^DATAMER_ANSWERS_PER_HOUR: must be a number/],
    [{ DATAMER_SMTP_SPOOL_ABOVE: '100' }, /^DATAMER_SMTP_SPOOL_ABOVE: must be at least 1024 bytes/],
    [{ DATAMER_JOBS: 'maybe' }, /^DATAMER_JOBS: must be 1 or 0/],
    [{ DATAMER_TEST_HOLD: 'yes' }, /^DATAMER_TEST_HOLD: must be alert-mail-commit \(for DaTamer's own tests\)/],
    [{ DATAMER_GRACE_DAY: 'two hours' }, /^DATAMER_GRACE_DAY: must be a duration such as 90s, 10m, 2h or 1d, got "two hours"$/],
    [{ DATAMER_OUTGOING_SMTP_URL: 'mail.example.com' }, /^DATAMER_OUTGOING_SMTP_URL: must look like smtp:\/\/host:port/],
    [{ DATAMER_SMTP_TLS_KEY_FILE: '/k.pem' }, /^DATAMER_SMTP_TLS_CERT_FILE: must be set when DATAMER_SMTP_TLS_KEY_FILE is set$/],
    [{ DATAMER_SMTP_AUTH_PASSWORD: 'x' }, /^DATAMER_SMTP_AUTH_USER: must be set when DATAMER_SMTP_AUTH_PASSWORD is set$/],
    [{ DATAMER_SMTP_TLS_KEY_FILE: '/nonexistent/k', DATAMER_SMTP_TLS_CERT_FILE: '/nonexistent/c' }, /^DATAMER_SMTP_TLS_KEY_FILE: cannot read \/nonexistent\/k \(ENOENT\)$/],
  ];
  for (const [env, expected] of refused) {
    it(`refuses ${JSON.stringify(env)} with one line naming the variable`, () => {
      const line = problem(env);
      expect(line).to.match(expected);
      expect(line).not.to.contain('\n');
    });
  }

  it('answers 5 replies that applied nothing an hour, or as many as DATAMER_ANSWERS_PER_HOUR says', () => {
    expect(loadConfig({}).answersPerHour).to.equal(5);
    expect(loadConfig({ DATAMER_ANSWERS_PER_HOUR: '2' }).answersPerHour).to.equal(2);
    expect(loadConfig({ DATAMER_ANSWERS_PER_HOUR: '0' }).answersPerHour).to.equal(0);
  });

  it('receives messages above 1 MiB into the spool under the data directory, or above DATAMER_SMTP_SPOOL_ABOVE', () => {
    expect(loadConfig({ DATAMER_DATA_DIR: '/srv/datamer' }).smtp).to.include({ spoolAboveBytes: 1024 * 1024, spoolDir: path.join('/srv/datamer', 'smtp-spool') });
    expect(loadConfig({ DATAMER_SMTP_SPOOL_ABOVE: '65536' }).smtp.spoolAboveBytes).to.equal(65536);
  });

  it('takes the schedule grace periods per period, defaulting to 10 minutes, 2 hours and a day', () => {
    expect(loadConfig({}).grace).to.deep.equal({ hour: 600_000, day: 7_200_000, month: 86_400_000 });
    expect(loadConfig({ DATAMER_GRACE_DAY: '30m', DATAMER_GRACE_HOUR: '90s' }).grace).to.deep.equal({ hour: 90_000, day: 1_800_000, month: 86_400_000 });
  });

  it('holds the alert pass before its commit only when a crash test asks for it', () => {
    expect(loadConfig({}).alerts).to.deep.equal({ groupWaitMs: 30_000, repeatMs: 14_400_000, holdBeforeCommit: false });
    expect(loadConfig({ DATAMER_TEST_HOLD: 'alert-mail-commit', DATAMER_ALERT_GROUP_WAIT: '1s' }).alerts).to.deep.equal({ groupWaitMs: 1_000, repeatMs: 14_400_000, holdBeforeCommit: true });
  });

  it('reads the SMTP AUTH password from a file, as secrets should be', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'datamer-cfg-'));
    writeFileSync(path.join(dir, 'pw'), 'from-a-file\n');
    const c = loadConfig({ DATAMER_SMTP_AUTH_USER: 'monitor', DATAMER_SMTP_AUTH_PASSWORD_FILE: path.join(dir, 'pw') });
    expect(c.smtp.auth).to.deep.equal({ user: 'monitor', password: 'from-a-file' });
  });
});
