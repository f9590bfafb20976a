// Who is logged in: express-session with its sessions in the database (web_sessions), never
// express-session's MemoryStore, which its README says "is purposely not designed for a
// production environment". The cookie is httpOnly and SameSite=Lax, and Secure whenever the
// request came over TLS (directly, or through a proxy on this machine that says so).
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import sequelizeStore from 'connect-session-sequelize';
import type { Deps } from '../deps.js';

export const SESSION_COOKIE = 'datamer.sid';
/** A working day and a bit: a console left open overnight asks for the password again. */
export const SESSION_MAX_AGE_MS = 12 * 60 * 60_000;

/** What the site keeps in a session: who is logged in, for which tenant. */
export interface SiteSession {
  userId?: number;
  tenantId?: number;
  /** what the last action did, shown once on the next page */
  flash?: { kind: 'ok' | 'error'; text: string };
}

declare module 'express-session' {
  interface SessionData extends SiteSession {}
}

export function sessionMiddleware(deps: Deps, secret: string): RequestHandler {
  const Store = sequelizeStore(session.Store);
  const store = new Store({ db: deps.db.sequelize, table: 'WebSession', checkExpirationInterval: 15 * 60_000 });
  return session({
    name: SESSION_COOKIE,
    secret,
    store,
    resave: false,
    // No session (and no cookie) until there is something to keep: a CSRF token or a login.
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: SESSION_MAX_AGE_MS },
  });
}

/**
 * Saves the session, then redirects. express-session saves at the end of the response but has
 * already sent the headers by then, so a browser following a redirect can ask for the next page
 * before the session (and the message for it) is stored.
 */
export function redirectAfterSave(req: Request, res: Response, next: NextFunction, url: string): void {
  req.session.save((err) => (err ? next(err) : res.redirect(303, url)));
}
