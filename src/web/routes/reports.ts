// Reports for managers (docs/web.md, Reports): the tenant's MSEs and events over a range, in the
// logged-in user's time zone, with charts and each table as CSV. The tenant comes from the
// session only: an org pattern in the URL narrows within it and can never reach another tenant.
import { Router, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { toCsv } from '../../reports/csv.js';
import { PRESET_LABELS, PRESETS } from '../../reports/range.js';
import { buildReport } from '../../reports/report.js';
import { parseReportQuery, reportSearch, type ReportQuery } from '../../reports/report-query.js';
import { csvHeader, tableView } from '../../reports/tables.js';
import { siteUser } from '../auth.js';

const CHART_OF: Record<string, 'perDay' | 'eventsBySeverity' | 'delays'> = {
  'per-day': 'perDay', 'events-by-severity': 'eventsBySeverity', 'delay-distribution': 'delays',
};

async function queryOf(deps: Deps, res: Response, raw: Record<string, unknown>): Promise<ReportQuery> {
  const user = siteUser(res);
  const row = await deps.db.models.User.findOne({ where: { tenantId: user.tenantId, id: user.id }, attributes: ['timeZone'] });
  return parseReportQuery(raw, deps.clock.now(), row?.timeZone ?? 'UTC');
}

export function reportRoutes(deps: Deps): Router {
  const router = Router();

  router.get('/reports', async (req, res, next) => {
    try {
      const { tenantId } = siteUser(res);
      const q = await queryOf(deps, res, req.query as Record<string, unknown>);
      const report = await buildReport(deps, { tenantId, range: q.range, org: q.org });
      const search = reportSearch({ ...q.range, org: q.org });
      res.render('report', {
        title: 'Reports',
        range: q.range,
        org: q.org,
        problems: q.problems,
        presets: PRESETS.map((p) => ({ value: p, label: PRESET_LABELS[p], current: q.range.preset === p, url: `/reports${reportSearch({ preset: p, from: '', to: '', org: q.org })}` })),
        fixedUrl: `/reports${reportSearch({ preset: null, from: q.range.from, to: q.range.to, org: q.org })}`,
        headline: { ...report.headline, reduction: report.headline.reduction === null ? '—' : `${(report.headline.reduction * 100).toFixed(1)} %` },
        tables: report.tables.map((t) => ({
          ...tableView(t),
          chart: CHART_OF[t.id] ? report.charts[CHART_OF[t.id]!] : null,
          csvUrl: `/reports/${t.id}.csv${search}`,
          // A long range's days are folded away beside their chart.
          folded: t.id === 'per-day' && t.rows.length > 31,
        })),
      });
    } catch (err) {
      next(err);
    }
  });

  router.get('/reports/:table.csv', async (req, res, next) => {
    try {
      const { tenantId, tenantName } = siteUser(res);
      const q = await queryOf(deps, res, req.query as Record<string, unknown>);
      const report = await buildReport(deps, { tenantId, range: q.range, org: q.org });
      const table = report.tables.find((t) => t.id === req.params.table);
      if (!table) return res.status(404).render('error', { title: 'Not found', message: 'There is no such report table.' });
      const name = `datamer-${tenantName}-${table.id}-${q.range.from}-to-${q.range.to}.csv`.replace(/[^A-Za-z0-9._-]/g, '_');
      res.set('Content-Type', 'text/csv; charset=utf-8');
      res.set('Content-Disposition', `attachment; filename="${name}"`);
      res.send(toCsv(csvHeader(table), table.rows));
    } catch (err) {
      next(err);
    }
  });
  return router;
}
