// The project's own trial mail servers (scripts/mail-up.sh), started as the README says, with no
// ports given: they must not take 2525, where DaTamer's own SMTP listener goes, and must say
// which ports they took.
import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { repoRoot } from '../../helpers/datamer-process.js';

const run = promisify(execFile);

/** The first line a server says on connecting. */
function greeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no greeting on ${port}`)));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString('latin1').split('\r\n')[0]!);
    });
    socket.once('error', reject);
  });
}

describe('scripts/mail-up.sh with no ports given', function () {
  this.timeout(120_000);
  let dir: string;
  let datamerPort: net.Server | null = null;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'datamer-mail-up-'));
    // DaTamer (or anything) already listens on 2525, as it does after `npm start`.
    datamerPort = await new Promise<net.Server | null>((resolve) => {
      const server = net.createServer((s) => s.end('220 DaTamer\r\n'));
      server.once('error', () => resolve(null)); // something else holds 2525 already: as good
      server.listen(2525, '127.0.0.1', () => resolve(server));
    });
  });

  after(async () => {
    await run('bash', [path.join(repoRoot, 'scripts', 'mail-down.sh')], { env: { ...process.env, MAILTEST_DIR: dir } }).catch(() => undefined);
    await new Promise<void>((resolve) => (datamerPort ? datamerPort.close(() => resolve()) : resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts Dovecot and Postfix on free ports, not 2525, and says which', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, MAILTEST_DIR: dir };
    for (const name of ['IMAP_PORT', 'SMTP_PORT', 'LMTP_PORT', 'RELAY_PORT']) delete env[name];
    // The daemons it starts keep whatever output they were given: a file, not a pipe to wait on.
    const log = path.join(dir, 'mail-up.out');
    const fd = openSync(log, 'w');
    const code = await new Promise<number | null>((resolve) => {
      spawn('bash', [path.join(repoRoot, 'scripts', 'mail-up.sh')], { env, stdio: ['ignore', fd, fd] }).once('exit', resolve);
    });
    closeSync(fd);
    const stdout = readFileSync(log, 'utf8');
    expect(code, stdout).to.equal(0);
    const ports = Object.fromEntries(readFileSync(path.join(dir, 'ports.env'), 'utf8').trim().split('\n').map((l) => l.split('=') as [string, string]));
    const imap = Number(ports.IMAP_PORT);
    const smtp = Number(ports.SMTP_PORT);
    expect(stdout).to.contain(`mail-up: IMAP 127.0.0.1:${imap}  SMTP 127.0.0.1:${smtp}`);
    expect([imap, smtp, Number(ports.LMTP_PORT)]).to.not.include(2525);
    expect(new Set([imap, smtp, Number(ports.LMTP_PORT)]).size).to.equal(3);
    expect(await greeting(imap)).to.match(/^\* OK/);
    expect(await greeting(smtp)).to.match(/^220 mail\.example\.test ESMTP/);
  });
});
