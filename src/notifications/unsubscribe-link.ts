// The one-click unsubscribe link of the digest (RFC 8058): it names the user and is signed, so
// only DaTamer can make one and the web site honours it without a login. The signing key is
// derived from DaTamer's secret key (src/mailboxes/secrets.ts) for this one purpose.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function linkKey(secretKey: Buffer): Buffer {
  return createHmac('sha256', secretKey).update('datamer digest unsubscribe v1').digest();
}

const mac = (key: Buffer, tenantId: number, userId: number) => createHmac('sha256', key).update(`${tenantId}.${userId}`).digest('base64url');

export function unsubscribeToken(key: Buffer, tenantId: number, userId: number): string {
  return `${tenantId}.${userId}.${mac(key, tenantId, userId)}`;
}

/** Who the token names, or null when it is not one DaTamer signed. */
export function verifyUnsubscribeToken(key: Buffer, token: string): { tenantId: number; userId: number } | null {
  const m = /^(\d{1,12})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return null;
  const tenantId = Number(m[1]);
  const userId = Number(m[2]);
  const expected = Buffer.from(mac(key, tenantId, userId));
  const given = Buffer.from(m[3]!);
  return expected.length === given.length && timingSafeEqual(expected, given) ? { tenantId, userId } : null;
}
