// Which messages DaTamer takes at all, by one rule whatever the source (its SMTP address, an mbox,
// a maildir, .eml files): nothing bigger than DATAMER_SMTP_MAX_BYTES, and nothing empty; a
// refused message is refused with its reason (SMTP 5xx, or counted and reported), never a crash.

/** true when the bytes hold nothing but spaces, tabs and line breaks */
export function blank(raw: Uint8Array): boolean {
  for (const byte of raw) {
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d && byte !== 0x0a) return false;
  }
  return true;
}

/**
 * Why this message is refused, or null when it may be received. `size` is the full size in bytes;
 * `blank`, when given, says whether all of it is blank (a message received into a file, whose
 * bytes were looked at as they came, src/mailboxes/smtp/spool.ts), else `raw` is looked at.
 */
export function rejectionOf(message: { raw: Buffer; size: number; blank?: boolean }, maxBytes: number): string | null {
  if (message.size > maxBytes) return `too large: ${message.size} bytes, the limit is ${maxBytes} (DATAMER_SMTP_MAX_BYTES)`;
  if (message.size === 0 || (message.blank ?? blank(message.raw))) return 'empty message';
  return null;
}
