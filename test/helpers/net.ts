import net from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls until `check` is true; fails with `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const mailServers = {
  postfixPort: Number(process.env.DATAMER_TEST_POSTFIX_PORT ?? 0),
  relayPort: Number(process.env.DATAMER_TEST_RELAY_PORT ?? 0),
  relayDomain: process.env.DATAMER_TEST_RELAY_DOMAIN ?? 'relay.test',
  imapPort: Number(process.env.DATAMER_TEST_IMAP_PORT ?? 0),
  lmtpPort: Number(process.env.DATAMER_TEST_LMTP_PORT ?? 0),
};

/** The suite needs the servers `npm test` starts; say so instead of failing obscurely. */
export function requireMailServers(): void {
  if (!mailServers.postfixPort) throw new Error('the test mail servers are not running: run the suite with `npm test`');
}
