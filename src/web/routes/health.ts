import { Router } from 'express';
import type { Deps } from '../../deps.js';
import { messageOf } from '../../errors.js';

/** Is DaTamer up and can it reach its database? JSON for probes, a page for people. */
export function healthRoutes(deps: Deps): Router {
  const router = Router();
  router.get('/health', async (req, res) => {
    let database = 'ok';
    try {
      await deps.db.sequelize.query('SELECT 1');
    } catch (err) {
      database = `unreachable: ${messageOf(err)}`;
    }
    const healthy = database === 'ok';
    const body = { status: healthy ? 'ok' : 'degraded', database, dialect: deps.db.dialect, checkedAt: deps.clock.now().toISOString() };
    res.status(healthy ? 200 : 503);
    if (req.accepts(['json', 'html']) === 'html') res.render('health', { title: 'Health', ...body, healthy });
    else res.json(body);
  });
  return router;
}
