// Is DaTamer up, can it reach its database, and does every mailbox work? /healthz and /readyz for
// an external watchdog (a Kubernetes probe, a cron curl), /health for people. Anyone may ask, so
// what anyone gets is the verdict and counts only: no tenant, address or error text. A logged-in
// user's /health adds the details of their own tenant's mailboxes (docs/operations.md).
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { Op } from 'sequelize';
import type { Deps } from '../../deps.js';
import { messageOf } from '../../errors.js';
import { csrfToken, sessionUser, type SiteUser } from '../auth.js';

interface FailingMailbox {
  tenantId: number;
  kind: string;
  address: string;
  error: string;
}

export interface Readiness {
  ready: boolean;
  /** null: it answers; otherwise why not (for logged-in users and the log, never for anyone) */
  databaseError: string | null;
  failing: FailingMailbox[];
  /** what the SMTP listener says is stuck, or null */
  smtpStuck: string | null;
}

/** The one verdict /health and /readyz both give: the database answers and every mailbox works. */
export async function readiness(deps: Deps, smtpStuck?: () => string | null): Promise<Readiness> {
  // A database that answers SELECT 1 can still hold the tables behind a lock: then the listener's
  // messages are what shows it.
  const stuck = smtpStuck?.() ?? null;
  let databaseError: string | null = null;
  let failing: FailingMailbox[] = [];
  try {
    await deps.db.sequelize.query('SELECT 1');
    const rows = await deps.db.models.Mailbox.findAll({ where: { lastError: { [Op.ne]: null } }, attributes: ['tenantId', 'kind', 'address', 'lastError'], order: [['id', 'ASC']] });
    failing = rows.map((m) => ({ tenantId: m.tenantId, kind: m.kind, address: m.address, error: m.lastError! }));
  } catch (err) {
    databaseError = messageOf(err);
    deps.log.warn({ err: databaseError }, 'health: the database does not answer');
  }
  return { ready: databaseError === null && failing.length === 0 && stuck === null, databaseError, failing, smtpStuck: stuck };
}

/** What anyone may read: the verdict and how many of what, naming nobody. */
export function publicHealth(r: Readiness) {
  const reasons: string[] = [];
  // The listener's words are counts and seconds only (src/mailboxes/smtp/listener.ts).
  if (r.smtpStuck) reasons.push(r.smtpStuck);
  if (r.databaseError) reasons.push('the database is unreachable');
  if (r.failing.length > 0) reasons.push(`${r.failing.length} mailbox${r.failing.length === 1 ? ' is' : 'es are'} failing`);
  return { database: r.databaseError ? 'unreachable' : 'ok', failingMailboxes: r.failing.length, smtp: r.smtpStuck ? 'stuck' : 'ok', reasons };
}

/** What a logged-in user reads besides: the causes, and their own tenant's mailboxes by name. */
export function tenantHealth(r: Readiness, user: SiteUser) {
  const mine = r.failing.filter((m) => m.tenantId === user.tenantId).map(({ kind, address, error }) => ({ kind, address, error }));
  const details: string[] = [];
  if (r.databaseError) details.push(`database unreachable: ${r.databaseError}`);
  for (const m of mine) details.push(`mailbox ${m.address} (${m.kind}) is failing: ${m.error}`);
  const others = r.failing.length - mine.length;
  if (others > 0) details.push(`${others} mailbox${others === 1 ? '' : 'es'} of other tenants ${others === 1 ? 'is' : 'are'} failing`);
  return { tenantMailboxes: mine, details };
}

/** /healthz and /readyz: for probes, before any session is read. */
export function probeRoutes(deps: Deps, smtpStuck?: () => string | null): Router {
  const router = Router();
  // Liveness: the process answers. Deliberately touches nothing else: a database outage must not
  // get a healthy process restarted (that is what /readyz is for).
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Readiness: the database answers and every mailbox works; otherwise 503 and how many of what.
  router.get('/readyz', async (_req, res) => {
    const r = await readiness(deps, smtpStuck);
    res.status(r.ready ? 200 : 503).json({ status: r.ready ? 'ready' : 'not ready', ...publicHealth(r), checkedAt: deps.clock.now().toISOString() });
  });
  return router;
}

/** Reads the session (from the database) for this request only; null when that fails. */
function readSession(sessions: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => void sessions(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
}

/**
 * /health: the same verdict as /readyz, as JSON or as a page, so a person and a probe never
 * disagree. A logged-in user also gets their tenant's details. Mounted before the sessions, which
 * it reads itself only when the database answers: with the database down it still answers.
 */
export function healthPageRoutes(deps: Deps, sessions: RequestHandler, smtpStuck?: () => string | null): Router {
  const router = Router();
  router.get('/health', async (req: Request, res, next) => {
    try {
      const r = await readiness(deps, smtpStuck);
      const user = r.databaseError ? null : await readSession(sessions, req, res).then(() => sessionUser(deps, req)).catch(() => null);
      const body = {
        status: r.ready ? 'ok' : 'degraded',
        dialect: deps.db.dialect,
        ...publicHealth(r),
        ...(user ? tenantHealth(r, user) : {}),
        checkedAt: deps.clock.now().toISOString(),
      };
      res.status(r.ready ? 200 : 503);
      if (req.accepts(['json', 'html']) !== 'html') return void res.json(body);
      if (user) {
        res.locals.user = user;
        res.locals.csrfToken = csrfToken(req);
      }
      res.render('health', { title: 'Health', ...body, healthy: r.ready, loggedIn: user !== null });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
