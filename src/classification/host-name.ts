// Is this word a host name, of the kind a monitoring mail names a server by? Used where DaTamer
// guesses (a suggested rule's server capture, suggest.ts), never where a sender said so with
// `:svr:` (tags.ts takes any well-formed FQDN there).
//
// A dotted word is taken for a host name only when it ends in a top-level domain: one of the
// ICANN section of the Public Suffix List (https://publicsuffix.org/, through tldts), or one of
// the names set aside for private networks and tests, which internal hosts are named under
// (RFC 6761 §6, RFC 6762 for .local, RFC 8375 for home.arpa, ICANN's 2024 reservation of
// .internal, and the de-facto .lan, .corp, .home, .localdomain, .intranet, .private). Java
// packages, file names, org paths and version strings mostly end otherwise.
import { parse } from 'tldts';
import { isFqdn } from './tags.js';

const PRIVATE_TLDS = new Set(['test', 'example', 'invalid', 'localhost', 'local', 'internal', 'lan', 'corp', 'home', 'localdomain', 'intranet', 'private']);

export function isHostName(name: string): boolean {
  const lower = name.toLowerCase();
  if (!isFqdn(lower)) return false;
  if (PRIVATE_TLDS.has(lower.slice(lower.lastIndexOf('.') + 1))) return true;
  const parsed = parse(lower, { allowPrivateDomains: false });
  // A name that is only a public suffix (`co.uk`) names no host.
  return parsed.isIcann === true && parsed.domain !== null;
}
