// Keeps every provider mailbox of every tenant worked: one loop per mailbox that connects,
// runs passes, waits for news (IMAP IDLE; polling elsewhere) and, when anything
// fails, records the error on the mailbox and tries again later with backoff. A broken mailbox
// (a wrong password, a server that is gone) only ever stops itself.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Deps } from '../deps.js';
import { isDatamerError, messageOf } from '../errors.js';
import type { Mailbox } from '../../models/index.js';
import { providerFor, providerMailboxes, recordMailboxError, recordMailboxSynced, releaseLease, secretOf, takeLease } from './mailbox-store.js';
import type { MailboxSession } from './provider.js';
import { runPass, startWorkspace } from './workspace/pass.js';

export interface WatchOptions {
  /** the key mailbox credentials are encrypted with (src/mailboxes/secrets.ts) */
  key: () => Buffer;
  /** how long to wait for news before looking at the folders anyway */
  pollMs: number;
  /** how long a lease lasts unless renewed; a crashed process's mailboxes wait this long */
  leaseMs: number;
  /** the first retry after a failure, doubling up to maxMs */
  backoff: { initialMs: number; maxMs: number };
  /** how often the list of mailboxes is read again (mailboxes added while running) */
  discoverMs: number;
  /** this process, in leases */
  owner?: string;
}

export const DEFAULT_WATCH: Omit<WatchOptions, 'key'> = {
  pollMs: 10_000,
  leaseMs: 60_000,
  backoff: { initialMs: 1_000, maxMs: 5 * 60_000 },
  discoverMs: 30_000,
};

export interface MailboxWatchers {
  stop(): Promise<void>;
}

const quietly = (promise: Promise<unknown>) => promise.then(
  () => undefined,
  () => undefined,
);

const sleep = (ms: number, signal: AbortSignal) => quietly(sleepFor(ms, undefined, { signal }));

/** The wait before the next try: doubling, capped, with jitter so mailboxes do not retry in step. */
export function backoffMs(failures: number, options: WatchOptions['backoff'], permanent: boolean): number {
  // A refused password will not fix itself: the admin has to act, so do not hammer the server.
  const base = permanent ? options.maxMs : Math.min(options.maxMs, options.initialMs * 2 ** Math.min(failures - 1, 20));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

async function openSession(deps: Deps, mailbox: Mailbox, options: WatchOptions): Promise<MailboxSession> {
  return providerFor(mailbox).open(mailbox.settings, secretOf(mailbox, options.key()), deps.log);
}

/** Works one mailbox until `signal` aborts or the mailbox is removed. */
export async function watchMailbox(deps: Deps, mailboxId: number, options: WatchOptions, signal: AbortSignal): Promise<void> {
  const owner = options.owner ?? randomUUID();
  let failures = 0;
  let mailbox: Mailbox | null = null;
  while (!signal.aborted) {
    let session: MailboxSession | null = null;
    let renewal: NodeJS.Timeout | undefined;
    let leaseLost = false;
    try {
      // Read afresh every time: a new password or mode applies at the next connection.
      mailbox = await deps.db.models.Mailbox.findByPk(mailboxId);
      if (!mailbox) return;
      if (!(await takeLease(deps, mailbox, owner, options.leaseMs))) {
        await sleep(Math.min(options.leaseMs, options.discoverMs), signal);
        continue;
      }
      session = await openSession(deps, mailbox, options);
      const ws = await startWorkspace(deps, mailbox, session, signal);
      deps.log.info({ mailbox: mailbox.address, mode: mailbox.mode }, 'mailbox connected');
      // Renewed while working, so a long pass (a day of mail after a restart) keeps the mailbox,
      // and a short lease lets another process take over soon after this one dies.
      const held = mailbox;
      renewal = setInterval(() => {
        takeLease(deps, held, owner, options.leaseMs).then(
          (ok) => (leaseLost ||= !ok),
          () => undefined,
        );
      }, options.leaseMs / 3);
      while (!signal.aborted && !leaseLost) {
        const report = await runPass(ws);
        if (report.taken + report.acted + report.moved > 0) deps.log.info({ mailbox: mailbox.address, ...report }, 'mailbox pass');
        await recordMailboxSynced(deps, mailbox);
        failures = 0;
        if (!(await takeLease(deps, mailbox, owner, options.leaseMs))) break;
        await session.waitForNews(ws.inbox, options.pollMs, signal);
      }
    } catch (err) {
      if (signal.aborted) break;
      failures++;
      const wait = backoffMs(failures, options.backoff, isDatamerError(err) && err.permanent);
      deps.log.warn({ mailbox: mailbox?.address ?? mailboxId, err: messageOf(err), retryInMs: wait }, 'mailbox failed; will try again');
      if (mailbox) await quietly(recordMailboxError(deps, mailbox, messageOf(err)));
      await sleep(wait, signal);
    } finally {
      clearInterval(renewal);
      if (session) await quietly(session.close());
    }
  }
  if (mailbox) await quietly(releaseLease(deps, mailbox, owner));
}

/** Watches every provider mailbox, including those added while running. */
export function watchMailboxes(deps: Deps, options: WatchOptions): MailboxWatchers {
  const controller = new AbortController();
  const owner = options.owner ?? randomUUID();
  const loops = new Map<number, { controller: AbortController; done: Promise<void> }>();

  const discover = async () => {
    const ids = new Set((await providerMailboxes(deps)).map((m) => m.id));
    for (const id of ids) {
      if (loops.has(id)) continue;
      const own = new AbortController();
      controller.signal.addEventListener('abort', () => own.abort(), { once: true });
      const done = watchMailbox(deps, id, { ...options, owner }, own.signal).catch((err) => deps.log.error({ mailboxId: id, err: messageOf(err) }, 'mailbox watcher stopped'));
      loops.set(id, { controller: own, done });
    }
    for (const [id, loop] of loops) {
      if (ids.has(id)) continue;
      loop.controller.abort();
      loops.delete(id);
    }
  };

  const discovering = (async () => {
    while (!controller.signal.aborted) {
      await discover().catch((err) => deps.log.error({ err: messageOf(err) }, 'could not read the list of mailboxes'));
      await sleep(options.discoverMs, controller.signal);
    }
  })();

  return {
    async stop() {
      controller.abort();
      await discovering;
      await Promise.all([...loops.values()].map((l) => l.done));
    },
  };
}
