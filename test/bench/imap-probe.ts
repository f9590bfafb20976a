// Where the time of the workspace goes, measured from outside without changing DaTamer: the
// benchmark wraps the module functions the workspace calls (receive, factsOf, ensureDestination,
// place, saveCursor, scanFolder) and every method of the IMAP sessions it opens, and adds up
// their self time (time inside a call minus the wrapped calls it made). The compiled modules
// look their imports up on the exporting module at every call, so replacing an export here is
// seen by every caller. The wrappers also note when each message was stored (receive resolved)
// and filed (place resolved), by Message-ID, for the delivery-to-filed delay.
import { AsyncLocalStorage } from 'node:async_hooks';
import * as pipeline from '../../src/pipeline.js';
import * as imapSession from '../../src/mailboxes/imap/session.js';
import * as workspaceStore from '../../src/mailboxes/workspace-store.js';
import * as facts from '../../src/mailboxes/workspace/facts.js';
import * as layout from '../../src/mailboxes/workspace/layout.js';
import * as inbox from '../../src/mailboxes/workspace/inbox.js';
import * as watched from '../../src/mailboxes/workspace/watched.js';
import type { MailboxSession } from '../../src/mailboxes/provider.js';
import type { Arrival, Received } from '../../src/pipeline.js';
import type { Placement } from '../../src/mailboxes/workspace-store.js';
import { messageIdOf } from './imap-mail.js';

/** A pass of the watcher: new mail taken in, then every folder read for what engineers did. */
export const SYNC_INBOX = 'syncInbox() (rest)';
export const SCAN_FOLDER = 'scanFolder() (rest)';

interface Frame {
  children: number;
}

export interface Cost {
  calls: number;
  ms: number;
  /** messages handled (fetched, stored, moved), where that means something */
  messages: number;
}

type AnyFunction = (...args: never[]) => unknown;

export class Probe {
  /** self time by wrapped call */
  readonly costs = new Map<string, Cost>();
  /** time including the wrapped calls made inside, by wrapped call */
  readonly inclusive = new Map<string, Cost>();
  /** Message-ID header → when receive() resolved with it, first time (performance.now()) */
  readonly storedAt = new Map<string, number>();
  /** Message-ID header → when place() first resolved with it */
  readonly filedAt = new Map<string, number>();
  /** each waitForNews: when it began (performance.now()) and how long it lasted, ms */
  readonly waits: Array<{ start: number; ms: number }> = [];
  private readonly headerOf = new Map<number, string>();
  private readonly stack = new AsyncLocalStorage<Frame>();
  private readonly restore: Array<() => void> = [];

  reset(): void {
    this.costs.clear();
    this.inclusive.clear();
    this.storedAt.clear();
    this.filedAt.clear();
    this.headerOf.clear();
    this.waits.length = 0;
  }

  private static add(costs: Map<string, Cost>, name: string, ms: number, messages: number): void {
    const cost = costs.get(name) ?? { calls: 0, ms: 0, messages: 0 };
    cost.calls++;
    cost.ms += ms;
    cost.messages += messages;
    costs.set(name, cost);
  }

  /** Runs `work` as the wrapped call `name`, counting its self time. */
  async time<T>(name: string, work: () => Promise<T>, messages: (result: T) => number = () => 0): Promise<T> {
    const parent = this.stack.getStore();
    const frame: Frame = { children: 0 };
    const started = performance.now();
    let result: T | undefined;
    try {
      result = await this.stack.run(frame, work);
      return result;
    } finally {
      const elapsed = performance.now() - started;
      if (parent) parent.children += elapsed;
      const handled = result === undefined ? 0 : messages(result);
      Probe.add(this.costs, name, elapsed - frame.children, handled);
      Probe.add(this.inclusive, name, elapsed, handled);
    }
  }

  private wrapExport<M extends object>(module: M, key: keyof M & string, wrap: (original: AnyFunction) => AnyFunction): void {
    const exports = module as Record<string, unknown>;
    const original = exports[key] as AnyFunction;
    exports[key] = wrap(original);
    this.restore.push(() => {
      exports[key] = original;
    });
  }

  private timeExport<M extends object>(module: M, key: keyof M & string, name: string): void {
    this.wrapExport(module, key, (original) => (...args: never[]) => this.time(name, () => original(...args) as Promise<unknown>));
  }

  private wrapSession(session: MailboxSession): MailboxSession {
    const time = <T>(name: string, work: () => Promise<T>, count: (r: T) => number = () => 0) => this.time(name, work, count);
    const where = (path: string) => (path === 'INBOX' ? 'inbox' : 'folders');
    return {
      delimiter: session.delimiter,
      prefix: session.prefix,
      createFolder: (path) => time('IMAP CREATE', () => session.createFolder(path)),
      listFolders: (path) => time('IMAP LIST', () => session.listFolders(path), (r) => r.length),
      start: (path) => time(`IMAP STATUS (${where(path)})`, () => session.start(path)),
      changes: (path, cursor, limit) => time(`IMAP STATUS + UID SEARCH (${where(path)})`, () => session.changes(path, cursor, limit), (r) => r.arrived.length),
      backlog: (path, mark, done) => time(`IMAP UID SEARCH (${where(path)})`, () => session.backlog(path, mark, done)),
      fetch: (path, refs) => time(`IMAP FETCH source (${where(path)})`, () => session.fetch(path, refs), (r) => r.length),
      markSeverity: (path, refs, severity) => time('IMAP STORE keyword', () => session.markSeverity(path, refs, severity), () => refs.length),
      move: (path, refs, target) => time('IMAP MOVE', () => session.move(path, refs, target), () => refs.length),
      remove: (path, refs) => time('IMAP delete', () => session.remove(path, refs)),
      findByMessageId: (path, header) => time('IMAP SEARCH Message-ID', () => session.findByMessageId(path, header)),
      // Waiting is not work: not counted, only noted.
      waitForNews: async (path, ms, signal) => {
        const started = performance.now();
        await session.waitForNews(path, ms, signal);
        if (!signal.aborted) this.waits.push({ start: started, ms: performance.now() - started });
      },
      close: () => session.close(),
    };
  }

  /** Starts timing; `uninstall` puts DaTamer's functions back. */
  install(): void {
    this.wrapExport(pipeline, 'receive', (original) => async (...args: never[]) => {
      const [, arrivals] = args as unknown as [unknown, Arrival[]];
      const received = await this.time('receive() (parse, classify, store)', () => original(...args) as Promise<Received[]>, (r) => r.length);
      const now = performance.now();
      received.forEach((r, i) => {
        const header = messageIdOf(arrivals[i]!.raw);
        if (header === null) return;
        this.headerOf.set(r.messageId, header);
        if (!this.storedAt.has(header)) this.storedAt.set(header, now);
      });
      return received;
    });
    this.wrapExport(workspaceStore, 'place', (original) => async (...args: never[]) => {
      const [, , placements] = args as unknown as [unknown, unknown, Placement[]];
      await this.time('place() (placements)', () => original(...args) as Promise<void>, () => placements.length);
      const now = performance.now();
      for (const p of placements) {
        const header = this.headerOf.get(p.messageId);
        if (header !== undefined && !this.filedAt.has(header)) this.filedAt.set(header, now);
      }
    });
    this.timeExport(facts, 'factsOf', 'factsOf()');
    this.timeExport(layout, 'ensureDestination', 'ensureDestination() (folders)');
    this.timeExport(workspaceStore, 'saveCursor', 'saveCursor()');
    this.timeExport(watched, 'scanFolder', SCAN_FOLDER);
    this.timeExport(inbox, 'syncInbox', SYNC_INBOX);
    this.wrapExport(imapSession, 'openImapSession', (original) => async (...args: never[]) => this.wrapSession(await (original(...args) as Promise<MailboxSession>)));
  }

  uninstall(): void {
    for (const undo of this.restore.splice(0).reverse()) undo();
  }
}
