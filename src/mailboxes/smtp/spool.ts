// Large messages are received into a file, not held: thirty clients sending 20 MB each would
// otherwise hold 600 MB of DaTamer's memory before a single one is stored. A message stays in
// memory while it is small (DATAMER_SMTP_SPOOL_ABOVE) and while the listener's memory has room
// (memory.ts); past either, what has arrived goes to a file in the spool directory under
// DaTamer's data directory, and the rest follows as it comes. The file waits there while the
// message is parsed (the fence reads it from the file) and is removed once the message is
// committed or refused. Writing is paced by the disk: while a write waits, the client's stream
// is paused, so a fast client cannot make DaTamer buffer what the disk has not taken.
//
// Each listener spools into a directory of its own, named by its process; at start, the
// directories of processes that are gone (a crash, kill -9) are removed with what they held.
// Their messages were never acknowledged: their senders send them again.
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { blank } from '../../ingest/admission.js';
import type { MemoryBudget } from './memory.js';

/** Spool directories of listeners running in this process (tests run several). */
const live = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The spool of one listener: `<root>/<pid>-<random>/<n>.eml`. */
export class Spool {
  readonly dir: string;
  private files = 0;

  constructor(readonly root: string) {
    this.dir = path.join(root, `${process.pid}-${randomBytes(4).toString('hex')}`);
  }

  /** Removes what listeners that are gone left behind, and makes this one's directory. */
  async open(): Promise<string[]> {
    await mkdir(this.root, { recursive: true });
    const removed: string[] = [];
    for (const name of await readdir(this.root)) {
      const owner = /^(\d+)-[0-9a-f]+$/.exec(name);
      if (!owner) continue;
      const pid = Number(owner[1]);
      const dir = path.join(this.root, name);
      // This process's own pid, but no listener of it: a DaTamer before a restart that got the same
      // pid (pid 1 in a container).
      const gone = pid === process.pid ? !live.has(dir) : !alive(pid);
      if (!gone) continue;
      await rm(dir, { recursive: true, force: true });
      removed.push(dir);
    }
    await mkdir(this.dir, { recursive: true });
    live.add(this.dir);
    return removed;
  }

  /** Removes this listener's directory and anything still in it. */
  async close(): Promise<void> {
    live.delete(this.dir);
    await rm(this.dir, { recursive: true, force: true });
  }

  nextFile(): string {
    return path.join(this.dir, `${++this.files}.eml`);
  }
}

/** A message received to its end: its bytes in memory, or its file. */
export type Received = { raw: Buffer; file: null; size: number; blank: boolean } | { raw: null; file: string; size: number; blank: boolean };

/** The first `bytes` bytes of a file (all of it when it is shorter). */
export async function headOf(file: string, bytes: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** One DATA transfer, as it arrives. */
export class Receiving {
  /** bytes received so far */
  size = 0;
  /** nothing but spaces, tabs and line breaks so far (an empty message, admission.ts) */
  blank = true;
  private chunks: Buffer[] = [];
  /** memory this transfer holds in the budget */
  private held = 0;
  private file: { path: string; stream: WriteStream; failed: Error | null } | null = null;
  /** its last byte has arrived */
  private finished = false;
  /** the client's data, paused while the disk catches up */
  private source: Readable | null = null;

  constructor(
    private readonly memory: MemoryBudget,
    private readonly spool: Spool,
    private readonly aboveBytes: number,
  ) {}

  /** Keeps one chunk of the message: in memory while it is small and fits, in its file otherwise. */
  add(chunk: Buffer, source: Readable): void {
    this.size += chunk.length;
    this.source = source;
    if (this.blank) this.blank = blank(chunk);
    if (!this.file && this.size <= this.aboveBytes && this.memory.take(chunk.length)) {
      this.held += chunk.length;
      this.chunks.push(chunk);
      return;
    }
    if (!this.file) this.toFile();
    const file = this.file!;
    if (file.failed) return;
    // The disk paces the client: while the write waits, the client's data is not read.
    if (!file.stream.write(chunk)) {
      source.pause();
      file.stream.once('drain', () => source.resume());
    }
  }

  /**
   * Moves what is held to the file now, and the rest after it: a message that waits for its turn
   * (memory.ts) must not wait for a client that holds its room and sends nothing more.
   */
  spill(): void {
    if (!this.file && !this.finished && this.held > 0) this.toFile();
  }

  private toFile(): void {
    const stream = createWriteStream(this.spool.nextFile(), { flags: 'wx' });
    const file = { path: String(stream.path), stream, failed: null as Error | null };
    stream.on('error', (err) => {
      // A full disk: the rest is read and dropped (the client hears 452 at its end), never left paused.
      file.failed = err;
      this.source?.resume();
    });
    this.file = file;
    // What was held goes first; its room is given back once the disk has it.
    const held = this.held;
    this.held = 0;
    const chunks = this.chunks;
    this.chunks = [];
    if (chunks.length > 0) stream.write(Buffer.concat(chunks), () => this.memory.give(held));
    else this.memory.give(held);
  }

  /**
   * The message, once its last byte has arrived. A file that could not be written (a full disk)
   * rejects: the message is not kept. In memory, the message keeps its room until `release()`.
   */
  async finish(): Promise<Received> {
    this.finished = true;
    if (!this.file) {
      const raw = Buffer.concat(this.chunks);
      this.chunks = [];
      return { raw, file: null, size: this.size, blank: this.blank };
    }
    const { stream, path: file } = this.file;
    await new Promise<void>((resolve) => {
      if (stream.closed) return resolve();
      stream.once('close', () => resolve());
      stream.end();
    });
    if (this.file.failed) throw this.file.failed;
    return { raw: null, file, size: this.size, blank: this.blank };
  }

  /** Gives back the memory held and removes the file: the message is stored, refused or abandoned. */
  async release(): Promise<void> {
    this.finished = true;
    // The client may still be sending (a message too big is read to its end): never leave it paused.
    this.source?.resume();
    this.chunks = [];
    this.memory.give(this.held);
    this.held = 0;
    if (!this.file) return;
    const { stream, path: file } = this.file;
    if (!stream.closed) await new Promise<void>((resolve) => {
      stream.once('close', () => resolve());
      stream.destroy();
    });
    await rm(file, { force: true });
  }
}
