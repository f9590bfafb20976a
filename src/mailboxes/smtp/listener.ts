// DaTamer's own address: an SMTP server that takes mail only for its tenants' addresses,
// never relays, and answers 250 only once the message is committed to the database.
import { readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { monotonicMs } from '../../clock.js';
import type { Config } from '../../config.js';
import type { Deps } from '../../deps.js';
import { messageOf } from '../../errors.js';
import { HEAD_LIMIT, intake, type Taken } from '../../intake.js';
import type { Incoming } from '../../pipeline.js';
import type { Mailbox } from '../../../models/index.js';
import { findPostmasterMailbox, findSmtpMailbox } from '../../tenants/tenants.js';
import { rejectionOf } from '../../ingest/admission.js';
import { trustedRelays, withoutAuthenticationResults } from './border.js';
import { MemoryBudget } from './memory.js';
import { headOf, Receiving, Spool, type Received } from './spool.js';

export interface SmtpListener {
  listen(): Promise<AddressInfo>;
  /**
   * Stops taking connections, lets messages being stored finish (waiting at most the store
   * wait: a stalled database must not keep Ctrl-C from stopping DaTamer), then resolves.
   */
  close(): Promise<void>;
  /** What is stuck, for /health: messages waiting for the database longer than the store wait. */
  stuck(): string | null;
  /** The memory messages hold (DATAMER_SMTP_DATA_MEMORY): now, and the most at once since the start. */
  memory(): { held: number; peak: number; limit: number };
  /** where this listener receives large messages (a directory of its own under the spool directory) */
  readonly spoolDir: string;
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
  /** when each message still being stored reached the database (monotonic ms) */
  const storingSince = new Map<object, number>();
  const clientsFrom = new Map<string, number>();
  const sleep = (ms: number) => new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), ms).unref());
  const isTrustedRelay = trustedRelays(options.trustedRelays);
  /** memory held by messages being received, parsed and stored, all clients together (memory.ts) */
  const memory = new MemoryBudget(options.dataMemory);
  const spool = new Spool(options.spoolDir);
  /** DATA transfers still arriving: what they hold in memory can go to their files when room is short */
  const inProgress = new Set<Receiving>();
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
      // Small messages are held in memory, large ones (or any, once memory is short) go to a
      // file as they arrive (spool.ts); either way the listener's memory stays within dataMemory.
      const receiving = new Receiving(memory, spool, options.spoolAboveBytes);
      inProgress.add(receiving);
      stream.once('close', () => inProgress.delete(receiving));
      stream.once('end', () => inProgress.delete(receiving));
      // Past a limit, the rest is read (the client is still sending) but not kept.
      let dropped: Promise<void> | null = null;
      const drop = () =>
        (dropped ??= receiving.release().catch((err: unknown) => {
          deps.log.error({ err: messageOf(err), dir: spool.dir }, 'smtp: could not remove the file of a message not kept');
        }));
      // The idle timeout bounds each read, not the whole: a client that drips a byte now and then
      // would hold its connection and its buffer for ever. DATA as a whole gets a deadline; past
      // it the client hears 421 and is disconnected (RFC 5321 §4.2.2, §3.8), and nothing is stored.
      let overdue = false;
      const deadline = setTimeout(() => {
        overdue = true;
        void drop();
        deps.log.warn({ remoteAddress: session.remoteAddress, limitMs: options.dataTimeoutMs }, 'smtp: DATA took too long; connection closed');
        const connection = connectionOf(session);
        connection?.send(421, `4.4.2 DATA took longer than ${Math.round(options.dataTimeoutMs / 1000)} s; closing connection, try again later`);
        connection?.close();
      }, options.dataTimeoutMs);
      deadline.unref();
      stream.on('data', (chunk: Buffer) => {
        if (stream.sizeExceeded) void drop();
        if (dropped) return;
        receiving.add(chunk, stream);
      });
      stream.on('error', (err) => {
        clearTimeout(deadline);
        void drop();
        callback(err);
      });
      stream.on('end', () => {
        clearTimeout(deadline);
        if (overdue) return;
        if (stream.sizeExceeded) {
          // Answered once its file is gone: a refused message leaves nothing behind.
          void drop().then(() => callback(reply(552, `5.3.4 Message too big: DaTamer accepts at most ${options.maxBytes} bytes`)));
          return;
        }
        receiving.finish().then(
          (received) =>
            store(received, session, callback)
              .catch((err: unknown) => {
                // Only before the client was answered (its file could not be read back): it retries.
                deps.log.error({ err: messageOf(err) }, 'smtp: could not store a message; the client will retry');
                callback(reply(451, '4.3.0 Could not store the message, try again later'));
              })
              .finally(() => receiving.release()),
          (err) => {
            // Its file could not be written (a full disk): RFC 5321 §4.2.2, insufficient system storage.
            void drop();
            deps.log.error({ err: messageOf(err), dir: spool.dir }, 'smtp: could not write a message to the spool; the client will retry');
            callback(reply(452, '4.3.1 Insufficient system storage, try again later'));
          },
        );
      });
    },
  });

  type DataCallback = (err: Error | null, message?: string) => void;

  // Authentication-Results only from a trusted relay (border.ts, RFC 8601 §5); from anyone else
  // they are the sender's own claims, and DaTamer is the server that received the mail.
  function withoutForgedResults(raw: Buffer, remoteAddress: string): Buffer {
    if (isTrustedRelay(remoteAddress)) return raw;
    const cleaned = withoutAuthenticationResults(raw);
    if (cleaned.removed === 0) return raw;
    deps.log.info({ remoteAddress, removed: cleaned.removed }, 'smtp: Authentication-Results from a client that is no trusted relay deleted');
    return cleaned.raw;
  }

  /**
   * The same for a message in its file, during its turn in memory. Usually its head shows a
   * header without such fields and the file is left as it is; otherwise the file is rewritten.
   */
  async function spooledHead(file: string, head: Buffer, remoteAddress: string): Promise<Buffer> {
    if (isTrustedRelay(remoteAddress)) return head;
    const headerEnds = /\r?\n\r?\n/.test(head.toString('latin1'));
    if (headerEnds && withoutAuthenticationResults(head).removed === 0) return head;
    const raw = await readFile(file);
    const cleaned = withoutForgedResults(raw, remoteAddress);
    if (cleaned === raw) return head;
    await writeFile(file, cleaned);
    return cleaned.subarray(0, HEAD_LIMIT);
  }

  /**
   * Stores a message received to its end and answers its client: 250 once committed (and only
   * then), 451 when the database does not store it within the store wait. Resolves once the
   * message is stored or given up, so its memory and its file can go.
   */
  async function store(received: Received, session: SMTPServerSession, callback: DataCallback): Promise<void> {
    const head = received.raw ?? (await headOf(received.file, HEAD_LIMIT));
    // One rule with `datamer import` and replay: an empty message is refused, not stored.
    if (rejectionOf({ raw: head, size: received.size, blank: received.blank }, options.maxBytes) === 'empty message') {
      return callback(reply(554, '5.6.0 Empty message: DaTamer takes no mail without headers or body'));
    }
    const accepted = recipients.get(session.envelope) ?? [];
    const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : null;
    const tenants = [...new Set(accepted.map((r) => r.mailbox.tenantId))];
    const arrivalsOf = (content: { raw: Buffer } | { raw: null; file: string; head: Buffer }): Incoming[] =>
      tenants.map((tenantId) => {
        const mailbox = accepted.find((r) => r.mailbox.tenantId === tenantId)!.mailbox;
        // One copy per tenant, naming only its own recipients: another tenant's address may carry
        // that tenant's user token (ops+k<token>-…), a secret of theirs.
        const envelopeTo = [...new Set(accepted.filter((r) => r.mailbox.tenantId === tenantId).map((r) => r.address))];
        return { tenantId, mailboxId: mailbox.id, source: 'smtp', envelopeFrom, envelopeTo, ...content };
      });

    // This message while the database has it, for stuck(): a wait for memory is not one for the database.
    const key = {};
    let work: Promise<Taken[]>;
    if (received.raw) {
      // Held in memory since it arrived: its room is already taken.
      storingSince.set(key, monotonicMs());
      work = intake(deps, arrivalsOf({ raw: withoutForgedResults(received.raw, session.remoteAddress) }));
    } else {
      // In its file: it waits for its turn in memory (for each tenant's copy), then is parsed from
      // the file and read only to be committed.
      const bytes = received.size * tenants.length;
      const { file } = received;
      if (memory.held + bytes > memory.limit) for (const r of inProgress) r.spill();
      work = memory.turn(bytes).then(async () => {
        try {
          storingSince.set(key, monotonicMs());
          return await intake(deps, arrivalsOf({ raw: null, file, head: await spooledHead(file, head, session.remoteAddress) }));
        } finally {
          memory.give(bytes);
        }
      });
    }
    storing.add(work);
    void work.then(() => undefined, () => undefined).finally(() => {
      storing.delete(work);
      storingSince.delete(key);
    });
    // A stalled database (a lock held elsewhere) must not hold the client without an answer:
    // after the store wait it hears 451 and retries. Should the commit still happen, the
    // retry is recognised as the same message (src/ingest/dedup.ts): nothing doubled.
    const taken = await Promise.race([work, sleep(options.storeWaitMs)]).catch((err: unknown) => err instanceof Error ? err : new Error(String(err)));
    if (taken === 'late') {
      deps.log.error({ waitedMs: options.storeWaitMs }, 'smtp: the database did not store a message in time; the client will retry');
      callback(reply(451, '4.3.0 The database is busy, try again later'));
    } else if (taken instanceof Error) {
      deps.log.error({ err: messageOf(taken) }, 'smtp: could not store a message; the client will retry');
      callback(reply(451, '4.3.0 Could not store the message, try again later'));
    } else {
      const ids = taken.map((t) => (t.kind === 'message' ? t.received.messageId : `reply ${t.commandMailId}`)).join(',');
      callback(null, `2.0.0 Stored by DaTamer as ${ids}`);
    }
    // The memory and the file go once the message is stored, not when the client was answered.
    await work.catch(() => undefined);
  }

  server.on('error', (err) => {
    // smtp-server re-emits the listening socket's errors here too; listen() already reports those.
    if ((err as NodeJS.ErrnoException).syscall === 'listen') return;
    deps.log.warn({ err: messageOf(err) }, 'smtp: connection error');
  });

  return {
    listen: async () => {
      const removed = await spool.open();
      if (removed.length > 0) deps.log.info({ removed }, 'smtp: spool files of a DaTamer that stopped removed (their senders were never answered 250, and send again)');
      return new Promise((resolve, reject) => {
        server.server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.server.off('error', reject);
          resolve(server.server.address() as AddressInfo);
        });
      });
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.race([Promise.allSettled([...storing]), sleep(options.storeWaitMs)]);
      // Files of messages still being stored stay; the next start removes them.
      if (storing.size === 0) await spool.close();
    },
    memory: () => ({ held: memory.held, peak: memory.peak, limit: memory.limit }),
    spoolDir: spool.dir,
    stuck: () => {
      const now = monotonicMs();
      const late = [...storingSince.values()].filter((since) => now - since > options.storeWaitMs);
      if (late.length === 0) return null;
      const oldest = Math.round((now - Math.min(...late)) / 1000);
      return `SMTP: ${late.length} message${late.length === 1 ? '' : 's'} waiting for the database, the oldest for ${oldest} s (clients were answered 451)`;
    },
  };
}
