// What DaTamer's own SMTP address does as the border of its tenants' mail (RFC 8601 §5): an
// Authentication-Results header is believed only from a relay the operator trusts (the tenant's
// receiving server, which checked DKIM and SPF and removed such headers that came from outside,
// docs/commands.md). From anyone else the header is a claim the sender wrote, so DaTamer deletes
// it before it stores the message, as §5 requires of a receiving MTA. Pure.
import { BlockList, isIP } from 'node:net';

/** The addresses that may relay mail with Authentication-Results to DaTamer, by default loopback. */
export const DEFAULT_TRUSTED_RELAYS = ['127.0.0.0/8', '::1'];

/** `10.1.2.3`, `10.0.0.0/8`, `2001:db8::/32`: an address or a network, or null when it is neither. */
export function relayEntry(text: string): { address: string; prefix: number | null; family: 'ipv4' | 'ipv6' } | null {
  const [address = '', prefixText, ...rest] = text.trim().split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return null;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (prefixText === undefined) return { address, prefix: null, family };
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > (version === 4 ? 32 : 128)) return null;
  return { address, prefix, family };
}

/** Whether a client address is one of the trusted relays. */
export function trustedRelays(entries: readonly string[]): (remoteAddress: string | undefined) => boolean {
  const list = new BlockList();
  for (const text of entries) {
    const entry = relayEntry(text);
    if (!entry) continue; // refused by config.ts before it gets here
    if (entry.prefix === null) list.addAddress(entry.address, entry.family);
    else list.addSubnet(entry.address, entry.prefix, entry.family);
  }
  return (remoteAddress) => {
    if (!remoteAddress) return false;
    // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d.
    const address = remoteAddress.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
    const family = isIP(address) === 4 ? 'ipv4' : isIP(address) === 6 ? 'ipv6' : null;
    return family !== null && list.check(address, family);
  };
}

/**
 * The message without its Authentication-Results header fields (and their folded lines). The
 * body and every other header stay byte for byte; a message without them is returned as it is.
 */
export function withoutAuthenticationResults(raw: Buffer): { raw: Buffer; removed: number } {
  const text = raw.toString('latin1'); // one char per byte: offsets stay byte offsets
  const end = text.search(/\r?\n\r?\n/);
  const headerBlock = end === -1 ? text : text.slice(0, end + 1);
  if (!/(^|\n)authentication-results[ \t]*:/i.test(headerBlock)) return { raw, removed: 0 };
  const kept: string[] = [];
  let dropping = false;
  let removed = 0;
  for (const line of headerBlock.split(/(?<=\n)/)) {
    const continuation = line.startsWith(' ') || line.startsWith('\t');
    if (!continuation) {
      dropping = /^authentication-results[ \t]*:/i.test(line);
      if (dropping) removed++;
    }
    if (!dropping) kept.push(line);
  }
  return { raw: Buffer.concat([Buffer.from(kept.join(''), 'latin1'), raw.subarray(headerBlock.length)]), removed };
}
