// Parsing off the main thread. A parser thread is a fence: a message that makes the parser run
// for ever, or take its thread down (a crash, a heap exhausted), costs that thread, not DaTamer;
// on the main thread it would stop every SMTP session, mailbox watcher and page at once. Such a message gets a parse
// error and is stored raw with it, like any mail the parser cannot read. Which message it was is
// not guessed: when a thread that held several dies, each of them is parsed again alone, one at a
// time, in a thread of its own, so only the message that does it again is given up on.
//
// Everything else that reads message content runs behind the same fence: turning HTML into text,
// tags and rule matching (`classify`), and the lines of a reply with commands (`reply-lines`).
// Each task has its own time budget; one that runs out, or whose thread dies, is answered
// `{ ok: false, why }` and its caller degrades (src/classification/fenced.ts).
//
// Speed is not the reason: on the two cores DaTamer is measured on, ingest is as fast either way
// (BENCHMARKS.md); with more cores, several threads parse at once.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { parseMessage, unparsed, type ParsedMessage } from './parse.js';
import type { FenceRequest, FenceTask, Shared } from './parse-thread.js';

export const PARSE_TIMEOUT_MS = 30_000;

/**
 * Messages a thread is given at once; the rest wait in order. A thread given a whole batch would
 * interleave all of it and finish all of it at the end; a few at a time, the first of a batch
 * are ready first, and a caller can commit them while the rest are parsed (pipeline.ts).
 */
const IN_FLIGHT = 4;

/** What a fenced task came to: its answer, or why it has none (too slow, or its thread died). */
export type Fenced<T> = { ok: true; value: T } | { ok: false; cause: 'time' | 'died'; why: string };

/** A failed task in words: "it took longer than 10 s" or "its thread stopped (exit code 3)". */
export const whyNot = (failure: { cause: 'time' | 'died'; why: string }): string =>
  failure.cause === 'time' ? `it ${failure.why}` : `its thread stopped (${failure.why})`;

interface Job {
  id: number;
  request: FenceTask;
  timeoutMs: number;
  started: number;
  resolve(result: Fenced<unknown>): void;
}

interface Thread {
  worker: Worker;
  jobs: Map<number, Job>;
  /** keys of the shared values (rule sets) this thread was sent; it keeps them, so they go once */
  sent: Set<string>;
  /** set when the pool ends the thread itself, so its death convicts no message */
  stopped: boolean;
  /** set once the thread has loaded its code: a task's time counts from then, not from its start */
  ready: boolean;
}

export interface ParsePoolOptions {
  /** how many parser threads (default: one fewer than the cores, at least 1, at most 4) */
  threads?: number;
  /** the time budget of a parse */
  timeoutMs?: number;
  /** the thread's script; tests put a misbehaving parser here */
  script?: string;
  /** the thread's heap limit: a message that needs more fails alone */
  maxHeapMb?: number;
}

/**
 * A message's bytes, or the file they are in (a large message the SMTP listener received into
 * its spool, src/mailboxes/smtp/spool.ts): the thread reads that itself, so the bytes are not
 * held on the main thread while the message waits to be parsed.
 */
export type RawSource = Buffer | { file: string };

/** The part of a fence task that names the message. */
export const rawOf = (source: RawSource): { raw: Uint8Array } | { file: string } => (Buffer.isBuffer(source) ? { raw: source } : { file: source.file });

export const readRaw = (source: RawSource): Promise<Buffer> => (Buffer.isBuffer(source) ? Promise.resolve(source) : readFile(source.file));

export interface ParsePool {
  parse(raw: RawSource): Promise<ParsedMessage>;
  /** runs any task of parse-thread.ts behind the fence, within `timeoutMs` */
  run<T>(request: FenceTask, timeoutMs: number): Promise<Fenced<T>>;
  /** stops the threads; what they were still doing is done on the calling thread */
  close(): Promise<void>;
}

type Answer = { id: number; value: unknown } | { id: number; missing: true } | { ready: true };

export function createParsePool(options: ParsePoolOptions = {}): ParsePool {
  const size = options.threads ?? Math.max(1, Math.min(4, os.availableParallelism() - 1));
  const parseTimeoutMs = options.timeoutMs ?? PARSE_TIMEOUT_MS;
  const script = options.script ?? path.join(__dirname, 'parse-thread.js');
  const threads: Array<Thread | null> = Array.from({ length: size }, () => null);
  const waiting: Job[] = [];
  const suspects: Job[] = [];
  let isolation: Thread | null = null;
  let nextId = 0;
  let closed = false;
  let watchdog: NodeJS.Timeout | null = null;
  let shortest = parseTimeoutMs;

  const open = (onDeath: (thread: Thread, why: string) => void): Thread => {
    const worker = new Worker(script, { resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 512 } });
    const thread: Thread = { worker, jobs: new Map(), sent: new Set(), stopped: false, ready: false };
    worker.on('message', (answer: Answer) => {
      if ('ready' in answer) {
        thread.ready = true;
        const now = performance.now();
        for (const job of thread.jobs.values()) job.started = now;
        return;
      }
      const job = thread.jobs.get(answer.id);
      if (!job) return;
      if ('missing' in answer) {
        // The thread no longer keeps a value it was sent (it keeps a few): send them all again.
        thread.sent.clear();
        post(thread, job);
        return;
      }
      thread.jobs.delete(answer.id);
      // Referenced only while it holds work: an idle parser thread keeps no process alive, and a
      // command waiting for a parse is not ended early.
      if (thread.jobs.size === 0) worker.unref();
      job.resolve({ ok: true, value: answer.value });
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

  // Shared values (a tenant's rules) go to a thread once; after that only their key does.
  const post = (thread: Thread, job: Job): void => {
    const request = job.request as FenceTask & { shared?: Shared[] };
    const shared = request.shared?.map((s) => (thread.sent.has(s.key) ? { key: s.key } : (thread.sent.add(s.key), s)));
    thread.worker.postMessage({ ...request, id: job.id, ...(shared ? { shared } : {}) } satisfies FenceRequest);
  };

  const give = (thread: Thread, job: Job): void => {
    job.started = performance.now();
    thread.jobs.set(job.id, job);
    thread.worker.ref();
    post(thread, job);
    if (job.timeoutMs < shortest) {
      // The watchdog looks often enough for the shortest budget it has seen.
      shortest = job.timeoutMs;
      if (watchdog) clearInterval(watchdog);
      watchdog = null;
    }
    watch();
  };

  const failed = (job: Job, why: string) => job.resolve({ ok: false, cause: 'died', why });

  const orphansOf = (thread: Thread): Job[] => {
    const orphans = [...thread.jobs.values()];
    thread.jobs.clear();
    return orphans;
  };

  // Suspects are run again one at a time, each alone in the isolation thread.
  const isolateNext = (): void => {
    if (closed || suspects.length === 0 || (isolation && (isolation.stopped || isolation.jobs.size > 0))) return;
    isolation ??= open((thread, why) => {
      isolation = null;
      for (const job of orphansOf(thread)) failed(job, why);
      isolateNext();
    });
    give(isolation, suspects.shift()!);
  };

  /** Hands waiting tasks to the least busy threads, starting threads as needed. */
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
      // Alone in the thread when it died: that task did it.
      if (orphans.length === 1 && !dead.stopped) failed(orphans[0]!, why);
      else {
        suspects.push(...orphans);
        isolateNext();
      }
      pump();
    });

  // One timer for all threads, running only while something is being done.
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
        const late = thread.ready ? [...thread.jobs.values()].filter((job) => now - job.started > job.timeoutMs) : [];
        if (late.length === 0) {
          busy ||= thread.jobs.size > 0;
          continue;
        }
        // Alone in its thread, a late task is the one that is stuck. Otherwise any of them
        // could be: the thread is ended and each is run again alone.
        if (thread === isolation || thread.jobs.size === 1) {
          thread.jobs.delete(late[0]!.id);
          late[0]!.resolve({ ok: false, cause: 'time', why: `took longer than ${late[0]!.timeoutMs / 1000} s` });
        }
        thread.stopped = true;
        void thread.worker.terminate();
      }
      if (!busy && suspects.length === 0) {
        clearInterval(watchdog!);
        watchdog = null;
      }
    }, Math.max(10, Math.min(1_000, shortest / 4)));
    watchdog.unref();
  };

  // After close (the process is stopping), tasks are done on the calling thread, by the thread's own code.
  const local = (request: FenceTask): Promise<unknown> => (require(script) as { runTask(r: FenceTask): Promise<unknown> }).runTask(request);

  const run = <T>(request: FenceTask, timeoutMs: number): Promise<Fenced<T>> => {
    if (closed) return local(request).then((value) => ({ ok: true, value: value as T }));
    return new Promise((resolve) => {
      waiting.push({ id: nextId++, request, timeoutMs, started: 0, resolve: resolve as Job['resolve'] });
      pump();
    });
  };

  return {
    async parse(raw) {
      if (closed) return parseMessage(await readRaw(raw));
      const result = await run<ParsedMessage>({ task: 'parse', ...rawOf(raw) }, parseTimeoutMs);
      if (result.ok) return result.value;
      return unparsed(result.cause === 'died' ? `the parser thread stopped while reading this message (${result.why})` : `parsing ${result.why}; stopped`);
    },
    run,
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
      for (const job of left) job.resolve({ ok: true, value: await local(job.request) });
    },
  };
}

/** The fence's budgets (docs/operations.md); set from the configuration at start (src/config.ts). */
export interface FenceLimits {
  parseTimeoutMs: number;
  classifyTimeoutMs: number;
}

export const CLASSIFY_TIMEOUT_MS = 10_000;

let limits: FenceLimits = { parseTimeoutMs: PARSE_TIMEOUT_MS, classifyTimeoutMs: CLASSIFY_TIMEOUT_MS };
let script: string | undefined;
let shared: ParsePool | null = null;

/**
 * Takes the configured budgets; the process's threads, if started, are started again with them.
 * `script`: the threads' script, for tests that need a misbehaving one (default: parse-thread.js).
 */
export function configureFence(next: FenceLimits, options: { script?: string } = {}): void {
  if (next.parseTimeoutMs === limits.parseTimeoutMs && next.classifyTimeoutMs === limits.classifyTimeoutMs && options.script === script) return;
  limits = { parseTimeoutMs: next.parseTimeoutMs, classifyTimeoutMs: next.classifyTimeoutMs };
  script = options.script;
  const old = shared;
  shared = null;
  void old?.close();
}

export const fenceLimits = (): FenceLimits => limits;

/** The process's fence: its parser threads, started on first use. */
export function fence(): ParsePool {
  return (shared ??= createParsePool({ timeoutMs: limits.parseTimeoutMs, ...(script ? { script } : {}) }));
}

/** Parses on the process's parser threads, started on first use. */
export function parseOffThread(raw: RawSource): Promise<ParsedMessage> {
  return fence().parse(raw);
}
