// What each argument of `datamer import` is: a maildir, an mbox or one message (.eml).
import { open, stat } from 'node:fs/promises';
import { DatamerError } from '../errors.js';
import { isMaildir } from '../mailboxes/maildir.js';

export type ImportKind = 'maildir' | 'mbox' | 'eml';

export interface PathFacts {
  directory: boolean;
  /** a directory with cur/ or new/ inside */
  maildir: boolean;
  /** the first bytes of a file (empty for a directory) */
  head: Buffer;
}

const FROM_ = Buffer.from('From ', 'latin1');

/** A directory with cur/ or new/ is a maildir; a file whose first line starts with "From " is an mbox; any other file is one message. */
export function kindOf(where: string, facts: PathFacts): ImportKind {
  if (facts.directory) {
    if (facts.maildir) return 'maildir';
    throw new DatamerError('INPUT_INVALID', `${where} is a directory but not a maildir (it has no cur/ or new/ folder)`);
  }
  return facts.head.subarray(0, FROM_.length).equals(FROM_) ? 'mbox' : 'eml';
}

async function head(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(FROM_.length);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export async function detectKind(where: string): Promise<ImportKind> {
  const info = await stat(where).catch((err: NodeJS.ErrnoException) => {
    const why = err.code === 'ENOENT' ? 'no such file or directory' : err.code === 'EACCES' ? 'permission denied' : err.message;
    throw new DatamerError('INPUT_INVALID', `cannot read ${where}: ${why}`);
  });
  const directory = info.isDirectory();
  return kindOf(where, {
    directory,
    maildir: directory && (await isMaildir(where)),
    head: directory ? Buffer.alloc(0) : await head(where),
  });
}
