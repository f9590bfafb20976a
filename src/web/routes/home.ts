import { Router } from 'express';
import type { Deps } from '../../deps.js';
import { tenantCounts } from '../../tenants/counts.js';

/** The start page: what DaTamer has stored so far, per tenant. */
export function homeRoutes(deps: Deps): Router {
  const router = Router();
  router.get('/', async (_req, res, next) => {
    try {
      const tenants = await tenantCounts(deps);
      res.render('home', { title: 'DaTamer', tenants });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
