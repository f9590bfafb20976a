import { Router } from 'express';
import { Op } from 'sequelize';
import type { Deps } from '../../deps.js';
import { messageOf } from '../../errors.js';

interface FailingMailbox {
  tenant: string;
  kind: string;
  address: string;
  error: string;
}

/** Mailboxes whose provider reported an error, with the tenant each belongs to. */
async function failingMailboxes(deps: Deps): Promise<FailingMailbox[]> {
  const { Mailbox, Tenant } = deps.db.models;
  const failing = await Mailbox.findAll({ where: { lastError: { [Op.ne]: null } }, order: [['id', 'ASC']] });
  if (failing.length === 0) return [];
  const tenants = await Tenant.findAll({ where: { id: failing.map((m) => m.tenantId) } });
  const nameOf = new Map(tenants.map((t) => [t.id, t.name]));
  return failing.map((m) => ({ tenant: nameOf.get(m.tenantId) ?? String(m.tenantId), kind: m.kind, address: m.address, error: m.lastError! }));
}

export interface Readiness {
  ready: boolean;
  database: string;
  failingMailboxes: FailingMailbox[];
  reasons: string[];
}

/** The one verdict /health and /readyz both give: the database answers and every mailbox works. */
export async function readiness(deps: Deps, smtpStuck?: () => string | null): Promise<Readiness> {
  const reasons: string[] = [];
  // A database that answers SELECT 1 can still hold the tables behind a lock: then the listener's
  // messages are what shows it.
  const stuck = smtpStuck?.() ?? null;
  if (stuck) reasons.push(stuck);
  let database = 'ok';
  let failing: FailingMailbox[] = [];
  try {
    await deps.db.sequelize.query('SELECT 1');
    failing = await failingMailboxes(deps);
  } catch (err) {
    database = `unreachable: ${messageOf(err)}`;
    reasons.push(`database ${database}`);
  }
  for (const m of failing) reasons.push(`mailbox ${m.address} of tenant ${m.tenant} is failing: ${m.error}`);
  return { ready: reasons.length === 0, database, failingMailboxes: failing, reasons };
}

/**
 * Is DaTamer up, can it reach its database, and does every mailbox work? JSON for probes, a page
 * for people (/health); /healthz and /readyz for an external watchdog such as a Kubernetes probe
 * or a cron curl. /health and /readyz give the same verdict, so a person and a probe never disagree.
 */
export function healthRoutes(deps: Deps, smtpStuck?: () => string | null): Router {
  const router = Router();
  router.get('/health', async (req, res) => {
    const r = await readiness(deps, smtpStuck);
    const body = { status: r.ready ? 'ok' : 'degraded', database: r.database, dialect: deps.db.dialect, failingMailboxes: r.failingMailboxes, reasons: r.reasons, checkedAt: deps.clock.now().toISOString() };
    res.status(r.ready ? 200 : 503);
    if (req.accepts(['json', 'html']) === 'html') res.render('health', { title: 'Health', ...body, healthy: r.ready });
    else res.json(body);
  });

  // Liveness: the process answers. Deliberately touches nothing else: a database outage must not
  // get a healthy process restarted (that is what /readyz is for).
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Readiness: the database answers and every mailbox works; otherwise 503 and why.
  router.get('/readyz', async (_req, res) => {
    const r = await readiness(deps, smtpStuck);
    res.status(r.ready ? 200 : 503).json({
      status: r.ready ? 'ready' : 'not ready',
      database: r.database,
      failingMailboxes: r.failingMailboxes,
      reasons: r.reasons,
      checkedAt: deps.clock.now().toISOString(),
    });
  });
  return router;
}
