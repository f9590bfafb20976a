// Parsing off the main thread. A parser thread is a fence: a message that makes the parser run
// for ever, or take its thread down (a crash, a heap exhausted), costs that thread, not DaTamer;
// on the main thread it would stop every SMTP session, mailbox watcher and page at once. Such a message gets a parse
// error and is stored raw with it, like any mail the parser cannot read. Which message it was is
// not guessed: when a thread that held several dies, each of them is parsed again alone, one at a
// time, in a thread of its own, so only the message that does it again is given up on.
//
// Speed is not the reason: on the two cores DaTamer is measured on, ingest is as fast either way
// (BENCHMARKS.md); with more cores, several threads parse at once.
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { parseMessage, unparsed, type ParsedMessage } from './parse.js';
import type { ParseRequest } from './parse-thread.js';

export const PARSE_TIMEOUT_MS = 30_000;

/**
 * Messages a thread is given at once; the rest wait in order. A thread given a whole batch would
 * interleave all of it and finish all of it at the end; a few at a time, the first of a batch
 * are ready first, and a caller can commit them while the rest are parsed (pipeline.ts).
 */
const IN_FLIGHT = 4;

interface Job {
  id: number;
  raw: Buffer;
  started: number;
  resolve(parsed: ParsedMessage): void;
}

interface Thread {
  worker: Worker;
  jobs: Map<number, Job>;
  /** set when the pool ends the thread itself, so its death convicts no message */
  stopped: boolean;
}

export interface ParsePoolOptions {
  /** how many parser threads (default: one fewer than the cores, at least 1, at most 4) */
  threads?: number;
  timeoutMs?: number;
  /** the thread's script; tests put a misbehaving parser here */
  script?: string;
  /** the thread's heap limit: a message that needs more fails alone */
  maxHeapMb?: number;
}

export interface ParsePool {
  parse(raw: Buffer): Promise<ParsedMessage>;
  /** stops the threads; what they were still parsing is parsed on the calling thread */
  close(): Promise<void>;
}

export function createParsePool(options: ParsePoolOptions = {}): ParsePool {
  const size = options.threads ?? Math.max(1, Math.min(4, os.availableParallelism() - 1));
  const timeoutMs = options.timeoutMs ?? PARSE_TIMEOUT_MS;
  const script = options.script ?? path.join(__dirname, 'parse-thread.js');
  const threads: Array<Thread | null> = Array.from({ length: size }, () => null);
  const waiting: Job[] = [];
  const suspects: Job[] = [];
  let isolation: Thread | null = null;
  let nextId = 0;
  let closed = false;
  let watchdog: NodeJS.Timeout | null = null;

  const open = (onDeath: (thread: Thread, why: string) => void): Thread => {
    const worker = new Worker(script, { resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 512 } });
    const thread: Thread = { worker, jobs: new Map(), stopped: false };
    worker.on('message', ({ id, parsed }: { id: number; parsed: ParsedMessage }) => {
      const job = thread.jobs.get(id);
      if (!job) return;
      thread.jobs.delete(id);
      // Referenced only while it holds work: an idle parser thread keeps no process alive, and a
      // command waiting for a parse is not ended early.
      if (thread.jobs.size === 0) worker.unref();
      job.resolve(parsed);
      if (thread === isolation) isolateNext();
      else if (!thread.stopped) pump();
    });
    let dead = false;
    const died = (why: string) => {
      if (dead) return;
      dead = true;
      onDeath(thread, why);
    };
    worker.on('error', (err) => died(err.message));
    worker.on('exit', (code) => died(`exit code ${code}`));
    return thread;
  };

  const give = (thread: Thread, job: Job): void => {
    job.started = performance.now();
    thread.jobs.set(job.id, job);
    thread.worker.ref();
    thread.worker.postMessage({ id: job.id, raw: job.raw } satisfies ParseRequest);
    watch();
  };

  const failed = (job: Job, why: string) => job.resolve(unparsed(`the parser thread stopped while reading this message (${why})`));

  const orphansOf = (thread: Thread): Job[] => {
    const orphans = [...thread.jobs.values()];
    thread.jobs.clear();
    return orphans;
  };

  // Suspects are parsed one at a time, each alone in the isolation thread.
  const isolateNext = (): void => {
    if (closed || suspects.length === 0 || (isolation && (isolation.stopped || isolation.jobs.size > 0))) return;
    isolation ??= open((thread, why) => {
      isolation = null;
      for (const job of orphansOf(thread)) failed(job, why);
      isolateNext();
    });
    give(isolation, suspects.shift()!);
  };

  /** Hands waiting messages to the least busy threads, starting threads as needed. */
  const pump = (): void => {
    while (waiting.length > 0) {
      let slot = 0;
      for (let i = 1; i < size; i++) if (load(i) < load(slot)) slot = i;
      if (load(slot) >= IN_FLIGHT) return;
      give(threads[slot] && !threads[slot]!.stopped ? threads[slot]! : (threads[slot] = openIn(slot)), waiting.shift()!);
    }
  };

  // A thread being ended takes no more work: its slot counts as free for a fresh one.
  const load = (slot: number): number => (threads[slot] && !threads[slot]!.stopped ? threads[slot]!.jobs.size : 0);

  const openIn = (slot: number): Thread =>
    open((dead, why) => {
      if (threads[slot] === dead) threads[slot] = null;
      const orphans = orphansOf(dead);
      // Alone in the thread when it died: that message did it.
      if (orphans.length === 1 && !dead.stopped) failed(orphans[0]!, why);
      else {
        suspects.push(...orphans);
        isolateNext();
      }
      pump();
    });

  // One timer for all threads, running only while something is being parsed.
  const watch = (): void => {
    if (watchdog) return;
    watchdog = setInterval(() => {
      const now = performance.now();
      let busy = false;
      for (const thread of [...threads, isolation]) {
        if (!thread) continue;
        if (thread.stopped) {
          busy ||= thread.jobs.size > 0;
          continue;
        }
        const late = [...thread.jobs.values()].filter((job) => now - job.started > timeoutMs);
        if (late.length === 0) {
          busy ||= thread.jobs.size > 0;
          continue;
        }
        // Alone in its thread, a late message is the one that is stuck. Otherwise any of them
        // could be: the thread is ended and each is parsed again alone.
        if (thread === isolation || thread.jobs.size === 1) {
          thread.jobs.delete(late[0]!.id);
          late[0]!.resolve(unparsed(`parsing took longer than ${timeoutMs / 1000} s; stopped`));
        }
        thread.stopped = true;
        void thread.worker.terminate();
      }
      if (!busy && suspects.length === 0) {
        clearInterval(watchdog!);
        watchdog = null;
      }
    }, Math.max(10, Math.min(1_000, timeoutMs / 4)));
    watchdog.unref();
  };

  return {
    parse(raw) {
      if (closed) return parseMessage(raw);
      return new Promise((resolve) => {
        waiting.push({ id: nextId++, raw, started: 0, resolve });
        pump();
      });
    },
    async close() {
      closed = true;
      if (watchdog) clearInterval(watchdog);
      const running = [...threads, isolation].filter((t): t is Thread => t !== null);
      threads.fill(null);
      isolation = null;
      const left = [...suspects.splice(0), ...waiting.splice(0)];
      for (const thread of running) {
        left.push(...orphansOf(thread));
        thread.stopped = true;
        await thread.worker.terminate();
      }
      for (const job of left) job.resolve(await parseMessage(job.raw));
    },
  };
}

let shared: ParsePool | null = null;

/** Parses on the process's parser threads, started on first use. */
export function parseOffThread(raw: Buffer): Promise<ParsedMessage> {
  return (shared ??= createParsePool()).parse(raw);
}
