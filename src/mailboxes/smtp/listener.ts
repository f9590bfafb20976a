// DaTamer's own address: an SMTP server that takes mail only for its tenants' addresses,
// never relays, and answers 250 only once the message is committed to the database.
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { monotonicMs } from '../../clock.js';
import type { Config } from '../../config.js';
import type { Deps } from '../../deps.js';
import { messageOf } from '../../errors.js';
import { intake } from '../../intake.js';
import type { Arrival } from '../../pipeline.js';
import type { Mailbox } from '../../../models/index.js';
import { findPostmasterMailbox, findSmtpMailbox } from '../../tenants/tenants.js';
import { rejectionOf } from '../../ingest/admission.js';
import { trustedRelays, withoutAuthenticationResults } from './border.js';

export interface SmtpListener {
  listen(): Promise<AddressInfo>;
  /**
   * Stops taking connections, lets messages being stored finish (waiting at most the store
   * wait: a stalled database must not keep Ctrl-C from stopping DaTamer), then resolves.
   */
  close(): Promise<void>;
  /** What is stuck, for /health: messages waiting for the database longer than the store wait. */
  stuck(): string | null;
}

/** An error smtp-server turns into an SMTP reply with this code. */
function reply(code: number, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(text), { responseCode: code });
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Known addresses are remembered for a while: a monitoring burst asks for the same address
 * thousands of times. Unknown ones are always asked again, so a tenant added a moment ago
 * gets its mail at once.
 */
const ADDRESS_TTL_MS = 30_000;

export function createSmtpListener(deps: Deps, options: Config['smtp']): SmtpListener {
  // Per transaction, not per connection: smtp-server keeps the session across RSET and further
  // MAIL FROMs but gives each transaction a new envelope, so a refused or reset transaction's
  // recipients can never receive the next one's message.
  const recipients = new WeakMap<SMTPServerSession['envelope'], Array<{ address: string; mailbox: Mailbox }>>();
  const known = new Map<string, { mailbox: Mailbox; at: number }>();
  const mailboxFor = async (address: string): Promise<Mailbox | null> => {
    const key = address.toLowerCase();
    const hit = known.get(key);
    if (hit && monotonicMs() - hit.at < ADDRESS_TTL_MS) return hit.mailbox;
    const mailbox = (await findSmtpMailbox(deps, key)) ?? (await findPostmasterMailbox(deps, key));
    if (mailbox) known.set(key, { mailbox, at: monotonicMs() });
    else known.delete(key);
    return mailbox;
  };
  const storing = new Set<Promise<unknown>>();
  /** when each message still being stored started (monotonic ms) */
  const storingSince = new Map<Promise<unknown>, number>();
  const clientsFrom = new Map<string, number>();
  const sleep = (ms: number) => new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), ms).unref());
  const isTrustedRelay = trustedRelays(options.trustedRelays);
  /** bytes held by the DATA transfers in progress, all clients together */
  let held = 0;
  /** smtp-server's connection of a session (its id is the session's), to answer and close it from outside a command */
  const connectionOf = (session: SMTPServerSession) =>
    [...(server as unknown as { connections: Set<{ id: string; send(code: number, text: string): void; close(): void }> }).connections].find((c) => c.id === session.id);

  const server = new SMTPServer({
    banner: 'DaTamer',
    size: options.maxBytes,
    // One client more than this is answered 421 and disconnected (RFC 5321 §4.5.3.2: the server
    // may limit its connections), instead of running out of file descriptors and memory.
    maxClients: options.maxClients,
    logger: false,
    // Ctrl-C should not wait long for idle clients; messages in flight finish regardless.
    closeTimeout: 3_000,
    disabledCommands: [...(options.tls ? [] : ['STARTTLS']), ...(options.auth ? [] : ['AUTH'])],
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    authOptional: !options.auth,
    // Without TLS configured, AUTH over plain text is the operator's choice (loopback, private network).
    allowInsecureAuth: !options.tls,
    authMethods: ['PLAIN', 'LOGIN'],

    onConnect(session, callback) {
      // One address cannot take all of them: its clients beyond the limit are answered 421.
      const from = session.remoteAddress;
      const now = (clientsFrom.get(from) ?? 0) + 1;
      if (now > options.maxClientsPerAddress) {
        return callback(reply(421, `4.7.0 Too many connections from ${from}, try again later`));
      }
      clientsFrom.set(from, now);
      (session as SMTPServerSession & { counted?: boolean }).counted = true;
      callback();
    },

    onClose(session) {
      if (!(session as SMTPServerSession & { counted?: boolean }).counted) return;
      const left = (clientsFrom.get(session.remoteAddress) ?? 1) - 1;
      if (left <= 0) clientsFrom.delete(session.remoteAddress);
      else clientsFrom.set(session.remoteAddress, left);
    },

    onAuth(auth, _session, callback) {
      const ok = options.auth && sameSecret(auth.username ?? '', options.auth.user) && sameSecret(auth.password ?? '', options.auth.password);
      if (!ok) return callback(reply(535, '5.7.8 Authentication credentials invalid'));
      callback(null, { user: auth.username });
    },

    onRcptTo(address, session, callback) {
      mailboxFor(address.address).then(
        (mailbox) => {
          // Only our tenants' addresses: anything else would make DaTamer a relay.
          if (!mailbox) return callback(reply(550, `5.1.1 <${address.address}>: no such DaTamer address here`));
          recipients.set(session.envelope, [...(recipients.get(session.envelope) ?? []), { address: address.address.toLowerCase(), mailbox }]);
          callback();
        },
        (err) => {
          deps.log.error({ err: messageOf(err) }, 'smtp: recipient lookup failed');
          callback(reply(451, '4.3.0 Temporary failure, try again later'));
        },
      );
    },

    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      // The idle timeout bounds each read, not the whole: a client that drips a byte now and then
      // would hold its connection and its buffer for ever. DATA as a whole gets a deadline; past
      // it the client hears 421 and is disconnected (RFC 5321 §4.2.2, §3.8), and nothing is stored.
      let overdue = false;
      // A message is held in memory until its end: together they may hold at most dataMemory, so
      // many large transfers at once cannot take the process's memory. One that would pass it is
      // read to its end, not kept, and answered 452 (RFC 5321 §4.2.2: insufficient system
      // storage, try later); its sender retries when others have finished.
      let mine = 0;
      let overBudget = false;
      const release = () => {
        held -= mine;
        mine = 0;
      };
      const deadline = setTimeout(() => {
        overdue = true;
        chunks.length = 0;
        release();
        deps.log.warn({ remoteAddress: session.remoteAddress, limitMs: options.dataTimeoutMs }, 'smtp: DATA took too long; connection closed');
        const connection = connectionOf(session);
        connection?.send(421, `4.4.2 DATA took longer than ${Math.round(options.dataTimeoutMs / 1000)} s; closing connection, try again later`);
        connection?.close();
      }, options.dataTimeoutMs);
      deadline.unref();
      stream.on('data', (chunk: Buffer) => {
        // Past a limit, keep reading (the client is still sending) but stop keeping.
        if (stream.sizeExceeded || overdue || overBudget) return;
        if (held + chunk.length > options.dataMemory) {
          overBudget = true;
          chunks.length = 0;
          release();
          return;
        }
        held += chunk.length;
        mine += chunk.length;
        chunks.push(chunk);
      });
      stream.on('error', (err) => {
        clearTimeout(deadline);
        release();
        callback(err);
      });
      stream.on('end', () => {
        clearTimeout(deadline);
        release();
        if (overdue) return;
        if (overBudget && !stream.sizeExceeded) {
          deps.log.warn({ remoteAddress: session.remoteAddress, limit: options.dataMemory }, 'smtp: messages being received hold all the memory allowed; the client will retry');
          return callback(reply(452, '4.3.1 Insufficient system storage: too much mail arriving at once, try again later'));
        }
        if (stream.sizeExceeded) {
          return callback(reply(552, `5.3.4 Message too big: DaTamer accepts at most ${options.maxBytes} bytes`));
        }
        // Authentication-Results only from a trusted relay (border.ts, RFC 8601 §5); from anyone
        // else they are the sender's own claims, and DaTamer is the server that received the mail.
        let raw: Buffer = Buffer.concat(chunks);
        if (!isTrustedRelay(session.remoteAddress)) {
          const cleaned = withoutAuthenticationResults(raw);
          if (cleaned.removed > 0) {
            raw = cleaned.raw;
            deps.log.info({ remoteAddress: session.remoteAddress, removed: cleaned.removed }, 'smtp: Authentication-Results from a client that is no trusted relay deleted');
          }
        }
        // One rule with `datamer import` and replay: an empty message is refused, not stored.
        if (rejectionOf({ raw, size: raw.length }, options.maxBytes) === 'empty message') {
          return callback(reply(554, '5.6.0 Empty message: DaTamer takes no mail without headers or body'));
        }
        const accepted = recipients.get(session.envelope) ?? [];
        const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : null;
        const arrivals: Arrival[] = [];
        for (const { mailbox } of accepted) {
          // Several addresses of one tenant: one copy for that tenant.
          if (arrivals.some((a) => a.tenantId === mailbox.tenantId)) continue;
          // Each tenant's copy names only its own recipients: another tenant's address may carry
          // that tenant's user token (ops+k<token>-…), a secret of theirs.
          const envelopeTo = [...new Set(accepted.filter((r) => r.mailbox.tenantId === mailbox.tenantId).map((r) => r.address))];
          arrivals.push({ tenantId: mailbox.tenantId, mailboxId: mailbox.id, raw, source: 'smtp', envelopeFrom, envelopeTo });
        }
        const work = intake(deps, arrivals);
        storing.add(work);
        storingSince.set(work, monotonicMs());
        void work.then(
          () => undefined,
          () => undefined,
        ).finally(() => {
          storing.delete(work);
          storingSince.delete(work);
        });
        // A stalled database (a lock held elsewhere) must not hold the client without an answer:
        // after the store wait it hears 451 and retries. Should the commit still happen, the
        // retry is recognised as the same message (src/ingest/dedup.ts): nothing doubled.
        Promise.race([work, sleep(options.storeWaitMs)]).then(
          (taken) => {
            if (taken === 'late') {
              deps.log.error({ waitedMs: options.storeWaitMs }, 'smtp: the database did not store a message in time; the client will retry');
              return callback(reply(451, '4.3.0 The database is busy, try again later'));
            }
            const ids = taken.map((t) => (t.kind === 'message' ? t.received.messageId : `reply ${t.commandMailId}`)).join(',');
            callback(null, `2.0.0 Stored by DaTamer as ${ids}`);
          },
          (err) => {
            deps.log.error({ err: messageOf(err) }, 'smtp: could not store a message; the client will retry');
            callback(reply(451, '4.3.0 Could not store the message, try again later'));
          },
        );
      });
    },
  });

  server.on('error', (err) => {
    // smtp-server re-emits the listening socket's errors here too; listen() already reports those.
    if ((err as NodeJS.ErrnoException).syscall === 'listen') return;
    deps.log.warn({ err: messageOf(err) }, 'smtp: connection error');
  });

  return {
    listen: () =>
      new Promise((resolve, reject) => {
        server.server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.server.off('error', reject);
          resolve(server.server.address() as AddressInfo);
        });
      }),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.race([Promise.allSettled([...storing]), sleep(options.storeWaitMs)]);
    },
    stuck: () => {
      const now = monotonicMs();
      const late = [...storingSince.values()].filter((since) => now - since > options.storeWaitMs);
      if (late.length === 0) return null;
      const oldest = Math.round((now - Math.min(...late)) / 1000);
      return `SMTP: ${late.length} message${late.length === 1 ? '' : 's'} waiting for the database, the oldest for ${oldest} s (clients were answered 451)`;
    },
  };
}
