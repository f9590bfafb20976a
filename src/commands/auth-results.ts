// The Authentication-Results header (RFC 8601) of the tenant's own receiving server: when the
// tenant trusts it, a DKIM or SPF pass for the sender's domain stands in for a command token.
// Pure. Only the topmost header of the trusted server counts: that server adds it on top of
// whatever the sender wrote, so a forged one below it changes nothing.
import { getDomain } from 'tldts';

export interface AuthVerdict {
  pass: boolean;
  /** dkim, spf or dmarc: what passed */
  method: string | null;
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/**
 * Relaxed alignment (RFC 7489 §3.1): the two domains have the same organizational domain, found
 * with the Public Suffix List (tldts). `mail.example.com` is aligned with `example.com`; `com`
 * and `co.uk` are public suffixes, no organization's domain, and align with nothing.
 */
// The whole list, the private section too (github.io, …), as DMARC reads it: every name under such
// a suffix belongs to someone else.
const PSL = { allowPrivateDomains: true };

function aligned(a: string, b: string): boolean {
  const organization = getDomain(a, PSL);
  return organization !== null && organization === getDomain(b, PSL);
}

export function authenticationVerdict(headerValues: string[], trustedAuthservId: string, fromAddress: string): AuthVerdict {
  const fromDomain = domainOf(fromAddress);
  const header = headerValues.find((v) => v.split(';')[0]!.trim().split(/\s+/)[0]!.toLowerCase() === trustedAuthservId.toLowerCase());
  if (!header) return { pass: false, method: null };
  // Comments (in parentheses) say nothing that counts.
  const results = header.replace(/\([^)]*\)/g, ' ').split(';').slice(1);
  for (const result of results) {
    const method = /^\s*(dkim|spf|dmarc)\s*=\s*(\w+)/i.exec(result);
    if (!method || method[2]!.toLowerCase() !== 'pass') continue;
    const kind = method[1]!.toLowerCase();
    const property = kind === 'dkim' ? /header\.d\s*=\s*([^\s;]+)/i : kind === 'spf' ? /smtp\.mailfrom\s*=\s*([^\s;]+)/i : /header\.from\s*=\s*([^\s;]+)/i;
    const value = property.exec(result)?.[1];
    if (value && aligned(domainOf(value), fromDomain)) return { pass: true, method: kind };
  }
  return { pass: false, method: null };
}
