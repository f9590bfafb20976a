// Logging in by a link sent by mail (src/web/login-links.ts, docs/web.md). Asking for a link
// answers alike whether the address has a user or not. Opening the link shows a button and only
// the button's POST logs in: mail scanners that fetch every link in a mail do not use it up.
import { Router, type Request, type Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Deps } from '../../deps.js';
import { csrfProtection, csrfToken } from '../auth.js';
import { LOGIN_LINK, loginLinkUsable, redeemLoginLink, requestLoginLink } from '../login-links.js';

/** Asks for links: per address asked for, and per client address, in a quarter of an hour. */
export const LINK_ASKS = { perAccount: 5, perAddress: 20, windowMs: 15 * 60_000 };

const field = (req: Request, name: string): string => {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v.trim() : '';
};

const SENT = `If that address belongs to a user of that tenant, a login link is on its way to it. It works once, within ${LOGIN_LINK.lifetimeMs / 60_000} minutes.`;
const SPENT = { title: 'Link used or expired', message: 'This login link was used already, or has expired. Ask for a new one on the login page.' };

export function loginLinkRoutes(deps: Deps, publicUrl: string): Router {
  const router = Router();
  const form = (req: Request, res: Response, extra: Record<string, unknown> = {}) =>
    res.render('login-link', { title: 'Log in by mail', bare: true, csrfToken: csrfToken(req), ...extra });

  // The login page offers this way in.
  router.use((_req, res, next) => {
    res.locals.loginByLink = true;
    next();
  });

  router.get('/login/link', (req, res) => form(req, res));

  const tooMany = (req: Request, res: Response) => form(req, res.status(429), { error: `Too many links asked for. Wait ${LINK_ASKS.windowMs / 60_000} minutes and try again.` });
  const common = { windowMs: LINK_ASKS.windowMs, standardHeaders: 'draft-8' as const, legacyHeaders: false, handler: tooMany };
  router.post(
    '/login/link',
    rateLimit({ ...common, limit: LINK_ASKS.perAccount, keyGenerator: (req) => `${field(req, 'tenant').toLowerCase()}/${field(req, 'email').toLowerCase()}` }),
    rateLimit({ ...common, limit: LINK_ASKS.perAddress, keyGenerator: (req) => ipKeyGenerator(req.ip ?? '') }),
    csrfProtection,
    async (req, res, next) => {
      try {
        const tenantName = field(req, 'tenant');
        const email = field(req, 'email');
        if (tenantName && email) await requestLoginLink(deps, { tenantName, email, publicUrl });
        form(req, res, { sent: SENT, tenant: tenantName, email });
      } catch (err) {
        next(err);
      }
    },
  );

  router.get('/login/link/:token', async (req, res, next) => {
    try {
      if (!(await loginLinkUsable(deps, String(req.params.token)))) return void res.status(410).render('error', SPENT);
      res.render('login-link-confirm', { title: 'Log in', bare: true, csrfToken: csrfToken(req), token: String(req.params.token) });
    } catch (err) {
      next(err);
    }
  });

  router.post('/login/link/:token', csrfProtection, async (req, res, next) => {
    try {
      const user = await redeemLoginLink(deps, String(req.params.token));
      if (!user) return void res.status(410).render('error', SPENT);
      // A new session id at login, as with a password (src/web/auth.ts).
      req.session.regenerate((err) => {
        if (err) return next(err);
        req.session.userId = user.id;
        req.session.tenantId = user.tenantId;
        deps.log.info({ tenantId: user.tenantId, user: user.handle }, 'web: logged in by a mailed link');
        req.session.save((saveErr) => (saveErr ? next(saveErr) : res.redirect(303, '/')));
      });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
