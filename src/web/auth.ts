// Logging in and out, and the guard every other page stands behind. A login is for one user of
// one tenant: everything the site shows or does afterwards is scoped to that tenant (the tenant
// comes from the session, never from the URL or a form).
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { csrfSync } from 'csrf-sync';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Deps } from '../deps.js';
import { checkPassword } from '../people/passwords.js';
import type { Tenant, User } from '../../models/index.js';

/** Who is logged in, as pages see them. */
export interface SiteUser {
  id: number;
  tenantId: number;
  handle: string;
  displayName: string;
  email: string;
  tenantName: string;
  tenantDisplayName: string;
  /** an admin also changes mailboxes, people and other users' settings (docs/web.md, Roles) */
  isAdmin: boolean;
  /** their IANA time zone: the site writes times in it and reads the times typed into its forms in it */
  timeZone: string;
}

export const LOGIN_ATTEMPTS = { perAccount: 5, perAddress: 30, windowMs: 15 * 60_000 };

// The synchronizer token pattern (OWASP CSRF Prevention Cheat Sheet): one token per session,
// sent back in every form as `_csrf` (or, from the site's script, the x-csrf-token header).
const csrf = csrfSync({
  getTokenFromRequest: (req) => {
    const body = req.body as Record<string, unknown> | undefined;
    return typeof body?._csrf === 'string' ? body._csrf : (req.headers['x-csrf-token'] as string | undefined);
  },
});

export const csrfToken = (req: Request): string => csrf.generateToken(req);
export const csrfProtection: RequestHandler = csrf.csrfSynchronisedProtection;

/** The logged-in user (set by requireUser). */
export const siteUser = (res: Response): SiteUser => res.locals.user as SiteUser;

/** A local path to go back to after logging in; anything else (another site, `//host`) goes home. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/';
}

/** Who the session says is logged in, if that user (and their tenant) still exists. */
export async function sessionUser(deps: Deps, req: Request): Promise<SiteUser | null> {
  const { userId, tenantId } = req.session;
  if (!userId || !tenantId) return null;
  const user = await deps.db.models.User.findOne({ where: { id: userId, tenantId } });
  const tenant = user ? await deps.db.models.Tenant.findByPk(user.tenantId) : null;
  return user && tenant ? asSiteUser(user, tenant) : null;
}

/** Every page but login and health: a logged-in user of a tenant, or the login page. */
export function requireUser(deps: Deps): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const user = await sessionUser(deps, req);
      if (!user) {
        if (req.method === 'GET') return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
        return res.status(401).render('error', { title: 'Logged out', message: 'Log in again to do that.' });
      }
      res.locals.user = user;
      res.locals.csrfToken = csrfToken(req);
      res.locals.now = deps.clock.now().toISOString();
      // Shown by the next page only: a browser's own requests (an icon) must not swallow it.
      if (req.session.flash && req.method === 'GET' && req.accepts('html') === 'html' && req.headers['sec-fetch-dest'] !== 'image') {
        res.locals.flash = req.session.flash;
        delete req.session.flash;
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}

const asSiteUser = (u: User, t: Tenant): SiteUser => ({
  id: u.id, tenantId: u.tenantId, handle: u.handle, displayName: u.displayName, email: u.email, tenantName: t.name, tenantDisplayName: t.displayName,
  isAdmin: u.role === 'admin', timeZone: u.timeZone,
});

/** Behind requireUser: only a tenant admin goes on; anyone else gets 403 and nothing changes. */
export const requireAdmin: RequestHandler = (_req, res, next) => {
  if (siteUser(res).isAdmin) return next();
  res.status(403).render('error', { title: 'Not allowed', message: 'Only an admin of the tenant can do that (datamer user role, docs/web.md).' });
};

const field = (body: unknown, name: string): string => {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
};

function loginLimiters(): RequestHandler[] {
  const tooMany = (_req: Request, res: Response) =>
    res.status(429).render('login', {
      title: 'Log in', bare: true, csrfToken: csrfToken(_req),
      error: `Too many failed attempts. Wait ${LOGIN_ATTEMPTS.windowMs / 60_000} minutes and try again.`,
    });
  const common = { windowMs: LOGIN_ATTEMPTS.windowMs, skipSuccessfulRequests: true, standardHeaders: 'draft-8' as const, legacyHeaders: false, handler: tooMany };
  return [
    // Guessing one account's password: slowed after a handful of misses, from wherever they come.
    rateLimit({ ...common, limit: LOGIN_ATTEMPTS.perAccount, keyGenerator: (req) => `${field(req.body, 'tenant').trim().toLowerCase()}/${field(req.body, 'login').trim().toLowerCase()}` }),
    // Trying many accounts from one address.
    rateLimit({ ...common, limit: LOGIN_ATTEMPTS.perAddress, keyGenerator: (req) => ipKeyGenerator(req.ip ?? '') }),
  ];
}

export function authRoutes(deps: Deps): Router {
  const router = Router();

  router.get('/login', (req, res) => {
    if (req.session.userId) return res.redirect(303, safeNext(req.query.next));
    res.render('login', { title: 'Log in', bare: true, csrfToken: csrfToken(req), next: safeNext(req.query.next) });
  });

  router.post('/login', ...loginLimiters(), csrfProtection, async (req, res, next) => {
    try {
      const tenantName = field(req.body, 'tenant').trim().toLowerCase();
      const login = field(req.body, 'login');
      const tenant = tenantName ? await deps.db.models.Tenant.findOne({ where: { name: tenantName } }) : null;
      // An unknown tenant costs as much as a wrong password: the answer does not tell which exist.
      const user = await checkPassword(deps, tenant?.id ?? -1, login, field(req.body, 'password'));
      if (!tenant || !user) {
        return res.status(401).render('login', {
          title: 'Log in', bare: true, csrfToken: csrfToken(req), next: safeNext(field(req.body, 'next')),
          tenant: tenantName, login, error: 'That tenant, user and password do not match.',
        });
      }
      // A new session id at login (OWASP Session Management Cheat Sheet, "Renew the Session ID
      // After Any Privilege Level Change"): an id planted before login is worth nothing after it.
      req.session.regenerate((err) => {
        if (err) return next(err);
        req.session.userId = user.id;
        req.session.tenantId = tenant.id;
        deps.log.info({ tenant: tenant.name, user: user.handle }, 'web: logged in');
        req.session.save((saveErr) => (saveErr ? next(saveErr) : res.redirect(303, safeNext(field(req.body, 'next')))));
      });
    } catch (err) {
      next(err);
    }
  });

  router.post('/logout', csrfProtection, (req, res, next) => {
    req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie('datamer.sid');
      res.redirect(303, '/login');
    });
  });
  return router;
}
