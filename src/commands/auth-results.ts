// The Authentication-Results header (RFC 8601) of the tenant's own receiving server: when the
// tenant trusts it, a DKIM or SPF pass for the sender's domain stands in for a command token.
// Pure. Only the topmost header of the trusted server counts: that server adds it on top of
// whatever the sender wrote, so a forged one below it changes nothing.

export interface AuthVerdict {
  pass: boolean;
  /** dkim, spf or dmarc: what passed */
  method: string | null;
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/** `example.com` is aligned with `mail.example.com` and the other way round (relaxed alignment). */
function aligned(a: string, b: string): boolean {
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);
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
