// `datamer import`: mbox files, maildirs and .eml files into a tenant, every message through
// the same pipeline as live mail, at the time it was delivered then. Re-running an import is
// harmless: the pipeline stores each message once, so the second run only counts "already there".
import { readFile, stat } from 'node:fs/promises';
import type { Deps } from '../deps.js';
import { messageOf } from '../errors.js';
import { listMaildir } from '../mailboxes/maildir.js';
import { readMbox } from '../mailboxes/mbox.js';
import { receive } from '../pipeline.js';
import { rejectionOf } from '../ingest/admission.js';
import { deliveryTime } from '../replay/message-time.js';
import { detectKind, type ImportKind } from './import-kind.js';

export interface ImportTarget {
  tenantId: number;
  mailboxId: number | null;
  /** DATAMER_SMTP_MAX_BYTES: bigger messages are refused, as the SMTP address refuses them */
  maxBytes: number;
}

/** One argument of the command, looked at before anything is stored. */
export interface ImportSource {
  path: string;
  kind: ImportKind;
  /** the message files of a maildir, or the file itself */
  files: string[];
  /** bytes to read in all: what the progress bar measures */
  bytes: number;
}

export interface ImportTally {
  stored: number;
  alreadyThere: number;
  rejected: number;
  rejections: Array<{ where: string; reason: string }>;
}

export type ImportProgress = (bytesDone: number, tally: Readonly<ImportTally>) => void;

/** Finds out what every path is, so a typo in the last argument fails before the first is imported. */
export async function planImport(paths: readonly string[]): Promise<ImportSource[]> {
  const sources: ImportSource[] = [];
  for (const where of paths) {
    const kind = await detectKind(where);
    const files = kind === 'maildir' ? await listMaildir(where) : [where];
    let bytes = 0;
    for (const file of files) bytes += (await stat(file)).size;
    sources.push({ path: where, kind, files, bytes });
  }
  return sources;
}

interface Candidate {
  where: string;
  raw: Buffer;
  size: number;
  /** set when the message could not even be read */
  problem?: string;
  /** bytes of this source read so far */
  done: number;
}

async function* fileMessages(files: readonly string[], maxBytes: number): AsyncGenerator<Candidate> {
  let done = 0;
  for (const file of files) {
    try {
      const { size } = await stat(file);
      done += size;
      // Too big: say so without reading it.
      const raw = size > maxBytes ? Buffer.alloc(0) : await readFile(file);
      yield { where: file, raw, size: size > maxBytes ? size : raw.length, done };
    } catch (err) {
      yield { where: file, raw: Buffer.alloc(0), size: 0, problem: `cannot read it: ${messageOf(err)}`, done };
    }
  }
}

async function* mboxMessages(file: string, maxBytes: number): AsyncGenerator<Candidate> {
  let n = 0;
  for await (const message of readMbox(file, { keepAtMost: maxBytes })) {
    n++;
    yield { where: `${file}, message ${n}`, raw: message.raw, size: message.size, done: message.endOffset };
  }
}

/**
 * History keeps its own time: a message arrived when it was delivered (its Received header),
 * else when it was written (its Date), so its event, its schedule stream and what is counted in
 * which window are as they were. Never later than now: a sender's clock may run ahead.
 */
function arrivedAt(raw: Buffer, now: Date): Date {
  const delivered = deliveryTime(raw);
  return delivered && delivered < now ? delivered : now;
}

export async function importSources(deps: Deps, target: ImportTarget, sources: readonly ImportSource[], onProgress?: ImportProgress): Promise<ImportTally> {
  const tally: ImportTally = { stored: 0, alreadyThere: 0, rejected: 0, rejections: [] };
  let before = 0;
  for (const source of sources) {
    const candidates = source.kind === 'mbox' ? mboxMessages(source.path, target.maxBytes) : fileMessages(source.files, target.maxBytes);
    for await (const candidate of candidates) {
      const reason = candidate.problem ?? rejectionOf(candidate, target.maxBytes);
      if (reason) {
        tally.rejected++;
        tally.rejections.push({ where: candidate.where, reason });
      } else {
        const [stored] = await receive(deps, [
          { tenantId: target.tenantId, mailboxId: target.mailboxId, raw: candidate.raw, source: 'import', receivedAt: arrivedAt(candidate.raw, deps.clock.now()) },
        ]);
        if (stored!.duplicateOf === null) tally.stored++;
        else tally.alreadyThere++;
      }
      onProgress?.(before + candidate.done, tally);
    }
    before += source.bytes;
  }
  return tally;
}

export function summaryLine(tally: ImportTally): string {
  return `${tally.stored} stored, ${tally.alreadyThere} already there, ${tally.rejected} rejected`;
}
