// The hostile corpus: content and rules an attacker can write, each of which stopped DaTamer
// once (issue 13). Generated, not stored: the bombs are small to write and large to read.

/** 154 bytes: a table cell spanning 100,000 columns, as the only (text/html) part. */
export const COLSPAN_BOMB = '<table><tr><td colspan="100000">x</td></tr></table>';

/** 100 KB of `<b><i><u>` never closed: 34,000 levels of nesting. */
export const NESTING_BOMB = '<b><i><u>'.repeat(Math.ceil((100 * 1024) / 9));

/** A table of 2,000 single cells in one row: a wide layout without any colspan. */
export const WIDE_TABLE = `<table><tr>${'<td>x</td>'.repeat(2000)}</tr></table>`;

/** A rule pattern that thrashes RE2's DFA: `a` then 990 characters of a or b up to the end. */
export const DFA_THRASHER = 'a[ab]{990}$';

/** `(a|b)` repeated: a pattern whose program is large for its few characters. */
export const ALTERNATION_CHAIN = (times: number) => '(a|b)'.repeat(times);

/** Random a and b: the text the rule bombs above are slowest on. */
export function abText(bytes: number, seed = 1): string {
  let x = seed;
  let out = '';
  for (let i = 0; i < bytes; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out += x & 0x10000 ? 'a' : 'b';
  }
  return out;
}

/** Waits for `promise` at most `ms`; past that, fails saying what did not happen. */
export async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
