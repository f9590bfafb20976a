// Reading a maildir: one file per message in cur/ (seen by a mail client) and new/ (not yet
// seen). tmp/ holds deliveries still being written, so it is never read.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

const FOLDERS = ['cur', 'new'] as const;

/** A directory is a maildir when it has a cur/ or a new/ folder. */
export async function isMaildir(dir: string): Promise<boolean> {
  for (const folder of FOLDERS) {
    const info = await stat(path.join(dir, folder)).catch(() => null);
    if (info?.isDirectory()) return true;
  }
  return false;
}

/**
 * The message files of a maildir, cur/ first then new/, each folder sorted by file name.
 * Maildir names start with the delivery time in seconds, so this is roughly arrival order.
 * Dot files (editor and sync tool leftovers) are skipped.
 */
export async function listMaildir(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const folder of FOLDERS) {
    const entries = await readdir(path.join(dir, folder), { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    const names = entries.filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name);
    names.sort();
    files.push(...names.map((name) => path.join(dir, folder, name)));
  }
  return files;
}
