// The hosts a message names in its subject and first lines, beside the ones it is about: a
// Monit alert from api1 that says "failed protocol test at [db1.example.test]:5432" is about
// db1 too, and so is a failover script's "primary db1.example.test unreachable". Grouping
// (grouping.ts, the `mention` signal) joins mail that names a host another message of an open
// event is about or names. Only names that are host names (host-name.ts) count.
import { isHostName } from '../classification/host-name.js';

/** How much of the body is read: what names the host comes first. */
export const MENTION_SCAN = 4096;
/** A message naming more hosts than this names a list, not a neighbour: the first ones count. */
const MAX_MENTIONS = 16;

// A dotted word; linear (no nested quantifiers), and what it takes is checked by isHostName.
const DOTTED = /[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+/gi;

export function mentionedHosts(subject: string, body: string): string[] {
  const found = new Set<string>();
  for (const text of [subject, body.slice(0, MENTION_SCAN)]) {
    for (const match of text.matchAll(DOTTED)) {
      const name = match[0].toLowerCase().replace(/[.-]+$/, '');
      if (isHostName(name)) found.add(name);
      if (found.size >= MAX_MENTIONS) return [...found].sort();
    }
  }
  return [...found].sort();
}
