// Group commit. Every commit waits for the database to make it durable (PostgreSQL flushes its
// write-ahead log; SQLite takes its one write lock), so commits a second are limited however fast
// the code is. Here, at most `slots` commits run at once per database; arrivals that find them all
// busy wait, and then go together in the next commit. Alone, an arrival goes at once.
import type { Deps } from '../deps.js';

const MAX_BATCH = 64;

interface Waiting<I, R> {
  items: I[];
  resolve(results: R[]): void;
  reject(err: unknown): void;
}

interface Queue<I, R> {
  waiting: Array<Waiting<I, R>>;
  inFlight: number;
}

const queues = new WeakMap<object, Map<string, Queue<unknown, unknown>>>();

function takeBatch<I, R>(queue: Queue<I, R>): Array<Waiting<I, R>> {
  const batch: Array<Waiting<I, R>> = [];
  let size = 0;
  while (queue.waiting.length > 0 && (batch.length === 0 || size + queue.waiting[0]!.items.length <= MAX_BATCH)) {
    const next = queue.waiting.shift()!;
    batch.push(next);
    size += next.items.length;
  }
  return batch;
}

async function commitWaiting<I, R>(batch: Array<Waiting<I, R>>, commit: (items: I[]) => Promise<R[]>): Promise<void> {
  try {
    const results = await commit(batch.flatMap((w) => w.items));
    let at = 0;
    for (const w of batch) {
      w.resolve(results.slice(at, at + w.items.length));
      at += w.items.length;
    }
  } catch (err) {
    if (batch.length === 1) return batch[0]!.reject(err);
    // One bad arrival must not fail those it was batched with: each goes again on its own.
    for (const w of batch) await commit(w.items).then(w.resolve, w.reject);
  }
}

/**
 * Commits `items` with `commit`, possibly together with items of other callers; resolves with
 * this caller's results, in order, once they are committed.
 */
export function groupCommit<I, R>(deps: Deps, name: string, slots: number, items: I[], commit: (deps: Deps, items: I[]) => Promise<R[]>): Promise<R[]> {
  let perDb = queues.get(deps.db);
  if (!perDb) queues.set(deps.db, (perDb = new Map()));
  let queue = perDb.get(name) as Queue<I, R> | undefined;
  if (!queue) perDb.set(name, (queue = { waiting: [], inFlight: 0 }) as Queue<unknown, unknown>);
  const q = queue;
  const pump = (): void => {
    while (q.inFlight < slots && q.waiting.length > 0) {
      q.inFlight++;
      void commitWaiting(takeBatch(q), (batch) => commit(deps, batch)).finally(() => {
        q.inFlight--;
        pump();
      });
    }
  };
  return new Promise((resolve, reject) => {
    q.waiting.push({ items, resolve, reject });
    pump();
  });
}
