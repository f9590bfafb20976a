// THE COMPANION SITE. createApp builds a fresh express app from its dependencies, so each
// test gets its own and `npm start` gets one; nothing lives in module state.
import express, { type ErrorRequestHandler } from 'express';
import { engine } from 'express-handlebars';
import helmet from 'helmet';
import path from 'node:path';
import type { Deps } from '../deps.js';
import { messageOf } from '../errors.js';
import { templatesDir } from '../paths.js';
import { healthRoutes } from './routes/health.js';
import { homeRoutes } from './routes/home.js';
import { metricsRoutes } from './routes/metrics.js';
import type { JobRuns } from '../job-runs.js';

export interface AppOptions {
  /** this process's job runs, for /metrics (none: the web site runs without the jobs) */
  jobRuns?: JobRuns;
}

export function createApp(deps: Deps, options: AppOptions = {}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.engine('hbs', engine({
    extname: '.hbs',
    defaultLayout: 'main',
    layoutsDir: path.join(templatesDir, 'layouts'),
    partialsDir: path.join(templatesDir, 'partials'),
  }));
  app.set('view engine', 'hbs');
  app.set('views', path.join(templatesDir, 'pages'));

  app.use(helmet());
  app.use(healthRoutes(deps));
  app.use(metricsRoutes(deps, options.jobRuns));
  app.use(homeRoutes(deps));

  app.use((_req, res) => {
    res.status(404).render('error', { title: 'Not found', message: 'There is no such page.' });
  });
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    deps.log.error({ err: messageOf(err) }, 'web: request failed');
    res.status(500).render('error', { title: 'Something went wrong', message: 'DaTamer could not show this page; the error is in its log.' });
  };
  app.use(onError);
  return app;
}
