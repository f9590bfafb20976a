// Logging in to the site by a link sent by mail (docs/web.md), as healthchecks does: a random
// token, mailed to the user's own address through the outbox in the same transaction that
// records it, kept only as its SHA-256 (OWASP Forgot Password Cheat Sheet: single use, short
// lived, stored hashed), and good for one login within 15 minutes. The only writer of login_links.
import { createHash, randomBytes } from 'node:crypto';
import { Op } from 'sequelize';
import type { Deps } from '../deps.js';
import { enqueueMail } from '../notifications/outbox.js';
import { renderMail } from '../notifications/templates.js';
import { normalizeAddress } from '../reply-address.js';
import { senderAddressOf } from '../tenants/tenants.js';
import type { User } from '../../models/index.js';

export const LOGIN_LINK = {
  /** how long a link works */
  lifetimeMs: 15 * 60_000,
  /** links one user may be sent in that time; more asks are answered alike and send nothing */
  perUser: 3,
} as const;

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/** 32 random bytes (256 bits), URL-safe: nothing to guess. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface LinkRequest {
  tenantName: string;
  email: string;
  /** where the site is reached from a mail client: the link starts with it */
  publicUrl: string;
}

/**
 * Sends a login link when the tenant has a user with that address who has not been sent too
 * many lately. Says nothing either way: the page that asks answers alike, so it cannot be used
 * to learn who has an account.
 */
export async function requestLoginLink(deps: Deps, request: LinkRequest): Promise<void> {
  const email = normalizeAddress(request.email);
  const tenant = await deps.db.models.Tenant.findOne({ where: { name: request.tenantName.trim().toLowerCase() } });
  const user = tenant ? await deps.db.models.User.findOne({ where: { tenantId: tenant.id, email } }) : null;
  if (!tenant || !user) {
    deps.log.info({ tenant: request.tenantName }, 'web: a login link was asked for an address that has no user; nothing sent');
    return;
  }
  const now = deps.clock.now();
  const token = randomBytes(32).toString('base64url');
  const sent = await deps.db.transaction(async (transaction) => {
    const recent = await deps.db.models.LoginLink.count({ where: { userId: user.id, createdAt: { [Op.gt]: new Date(now.getTime() - LOGIN_LINK.lifetimeMs) } }, transaction });
    if (recent >= LOGIN_LINK.perUser) return false;
    const expiresAt = new Date(now.getTime() + LOGIN_LINK.lifetimeMs);
    await deps.db.models.LoginLink.create({ tenantId: tenant.id, userId: user.id, tokenHash: hashOf(token), expiresAt, createdAt: now }, { transaction });
    const link = `${request.publicUrl.replace(/\/+$/, '')}/login/link/${token}`;
    const mail = renderMail('login-link', { user: { displayName: user.displayName }, tenant: tenant.displayName, link, minutes: LOGIN_LINK.lifetimeMs / 60_000 });
    const from = await senderAddressOf(deps, tenant.id, transaction);
    await enqueueMail(deps, { tenantId: tenant.id, kind: 'login-link', from, to: [user.email], ...mail }, transaction);
    return true;
  });
  if (sent) deps.log.info({ tenant: tenant.name, user: user.handle }, 'web: login link queued');
  else deps.log.warn({ tenant: tenant.name, user: user.handle }, `web: login link refused, ${LOGIN_LINK.perUser} sent in the last ${LOGIN_LINK.lifetimeMs / 60_000} minutes`);
}

/** Is this the shape of a token DaTamer makes (before anything is looked up)? */
export const isLoginToken = (token: unknown): token is string => typeof token === 'string' && TOKEN.test(token);

/**
 * Logs in with a link, once: the user it was sent to, or null when it is unknown, used or
 * expired. Of two clicks at once, the conditional update lets exactly one through.
 */
export async function redeemLoginLink(deps: Deps, token: string): Promise<User | null> {
  if (!isLoginToken(token)) return null;
  const now = deps.clock.now();
  const { LoginLink, User } = deps.db.models;
  const link = await LoginLink.findOne({ where: { tokenHash: hashOf(token) } });
  if (!link || link.usedAt !== null || link.expiresAt <= now) return null;
  const [claimed] = await LoginLink.update({ usedAt: now }, { where: { id: link.id, usedAt: null, expiresAt: { [Op.gt]: now } } });
  if (claimed !== 1) return null;
  return User.findOne({ where: { id: link.userId, tenantId: link.tenantId } });
}

/** Whether a link could still log someone in (for the page a click shows first). */
export async function loginLinkUsable(deps: Deps, token: string): Promise<boolean> {
  if (!isLoginToken(token)) return false;
  const link = await deps.db.models.LoginLink.findOne({ where: { tokenHash: hashOf(token) }, attributes: ['usedAt', 'expiresAt'] });
  return link !== null && link.usedAt === null && link.expiresAt > deps.clock.now();
}
