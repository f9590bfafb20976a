import { Router } from 'express';
import { Op } from 'sequelize';
import type { Deps } from '../../deps.js';
import { dashboardCounts, openScheduleAlerts } from '../../events/site-queries.js';
import { siteUser } from '../auth.js';
import { severityLabel } from '../helpers.js';
import { listUrl } from '../list-params.js';

/** The start page: the tenant's open events by severity × assigned, open schedule alerts, failing mailboxes. */
export function dashboardRoutes(deps: Deps): Router {
  const router = Router();
  router.get(['/', '/dashboard'], async (_req, res, next) => {
    try {
      const { tenantId } = siteUser(res);
      const [cells, alerts, failing] = await Promise.all([
        dashboardCounts(deps, tenantId),
        openScheduleAlerts(deps, tenantId),
        deps.db.models.Mailbox.findAll({ where: { tenantId, lastError: { [Op.ne]: null } }, order: [['id', 'ASC']] }),
      ]);
      const rows = cells.map((c) => ({
        ...c,
        label: severityLabel(c.severity),
        total: c.assigned + c.unassigned,
        unassignedUrl: listUrl({ severity: c.severity, assigned: false }),
        assignedUrl: listUrl({ severity: c.severity, assigned: true }),
        totalUrl: listUrl({ severity: c.severity }),
      }));
      const sum = (k: 'assigned' | 'unassigned') => cells.reduce((n, c) => n + c[k], 0);
      res.render('dashboard', {
        title: 'Dashboard',
        now: deps.clock.now().toISOString(),
        rows,
        totals: { assigned: sum('assigned'), unassigned: sum('unassigned'), all: sum('assigned') + sum('unassigned') },
        urls: { unassigned: listUrl({ assigned: false }), assigned: listUrl({ assigned: true }), all: listUrl({}) },
        alerts: alerts.map((e) => ({ id: e.id, title: e.title, kind: e.kind, severity: e.severity, createdAt: e.createdAt, assigned: e.assigneeId !== null })),
        failing: failing.map((m) => ({ kind: m.kind, address: m.address, error: m.lastError })),
      });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
