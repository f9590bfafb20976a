// THE COMPANION SITE. createApp builds a fresh express app from its dependencies, so each
// test gets its own and `npm start` gets one; nothing lives in module state. Every page but
// login and health needs a logged-in user, and shows and changes only their tenant's data.
import express, { type ErrorRequestHandler } from 'express';
import { engine } from 'express-handlebars';
import helmet from 'helmet';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Deps } from '../deps.js';
import { isDatamerError, messageOf } from '../errors.js';
import { projectRoot, templatesDir } from '../paths.js';
import { authRoutes, requireUser } from './auth.js';
import { helpers } from './helpers.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { eventRoutes } from './routes/events.js';
import { digestRoutes } from './routes/digest.js';
import { healthPageRoutes, probeRoutes } from './routes/health.js';
import { loginLinkRoutes } from './routes/login-link.js';
import { mailboxRoutes } from './routes/mailboxes.js';
import { metricsRoutes } from './routes/metrics.js';
import { peopleRoutes } from './routes/people.js';
import { ruleRoutes } from './routes/rules.js';
import { scheduleRoutes } from './routes/schedules.js';
import { reportRoutes } from './routes/reports.js';
import { sessionMiddleware } from './session.js';
import type { JobRuns } from '../job-runs.js';
import type { Period } from '../classification/tags.js';

export interface AppOptions {
  /** this process's job runs, for /metrics (none: the web site runs without the jobs) */
  jobRuns?: JobRuns;
  /** signs the session cookie; default: a random one (sessions then end with the process) */
  sessionSecret?: string;
  /** what this process's SMTP listener says is stuck, for /health (none: no listener here) */
  smtpStuck?: () => string | null;
  /** signs the digest's unsubscribe links; without it the link is not served */
  linkKey?: () => Buffer;
  /** the grace periods of schedule alerts (DATAMER_GRACE_*), for when a stream's next alert falls due */
  grace?: Record<Period, number>;
  /** the site's address in mail (DATAMER_PUBLIC_URL); without it there is no login by mailed link */
  publicUrl?: string;
  /** the proxies whose X-Forwarded-Proto is believed (DATAMER_TRUST_PROXY); default: one on this machine */
  trustProxy?: readonly string[] | false;
  /** the bearer token of /metrics scrapers on other machines (DATAMER_METRICS_TOKEN); none: this machine only */
  metricsToken?: string | null;
  /** encrypts the mailbox credentials added on the site (DATAMER_SECRET_KEY); without it the site adds and tests none */
  secretKey?: () => Buffer;
}

export function createApp(deps: Deps, options: AppOptions = {}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // req.secure (and so the Secure cookie) and req.ip (the login limits) from X-Forwarded-Proto
  // and -For only when they come from a proxy DaTamer is told to trust: by default one on this machine.
  const trust = options.trustProxy ?? ['loopback'];
  app.set('trust proxy', trust === false ? false : [...trust]);
  app.engine('hbs', engine({
    extname: '.hbs',
    defaultLayout: 'main',
    layoutsDir: path.join(templatesDir, 'layouts'),
    partialsDir: path.join(templatesDir, 'partials'),
    helpers,
  }));
  app.set('view engine', 'hbs');
  app.set('views', path.join(templatesDir, 'pages'));

  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // Scripts and styles only from the site's own files: no inline script ever runs.
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          // The site shows no images; a message's remote images (tracking pixels) are never fetched.
          'img-src': ["'none'"],
          'form-action': ["'self'"],
        },
      },
    }),
  );
  app.use('/static', express.static(path.join(projectRoot, 'public'), { index: false, maxAge: '1h' }));
  // Browsers ask for it on every first visit; the site has none.
  app.get('/favicon.ico', (_req, res) => void res.status(204).end());
  app.use(express.urlencoded({ extended: false, limit: '100kb' }));
  app.use(probeRoutes(deps, options.smtpStuck));
  const sessions = sessionMiddleware(deps, options.sessionSecret ?? randomBytes(32).toString('hex'));
  app.use(healthPageRoutes(deps, sessions, options.smtpStuck));
  app.use(metricsRoutes(deps, options.jobRuns, options.metricsToken ?? null));
  // Before the session and the login: the digest's signed link is its own credential (RFC 8058).
  if (options.linkKey) app.use(digestRoutes(deps, options.linkKey));
  app.use(sessions);
  if (options.publicUrl) app.use(loginLinkRoutes(deps, options.publicUrl));
  app.use(authRoutes(deps));
  app.use(requireUser(deps));
  app.use(dashboardRoutes(deps));
  app.use(eventRoutes(deps));
  app.use(scheduleRoutes(deps, options.grace));
  app.use(ruleRoutes(deps));
  app.use(peopleRoutes(deps));
  app.use(reportRoutes(deps));
  app.use(mailboxRoutes(deps, options.secretKey));

  app.use((_req, res) => {
    res.status(404).render('error', { title: 'Not found', message: 'There is no such page.' });
  });
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    if (res.headersSent) {
      // The page went out and saving its session failed after (the database went away): logged only.
      deps.log.error({ err: messageOf(err) }, 'web: request failed after the answer was sent');
      return;
    }
    if ((err as { code?: string }).code === 'EBADCSRFTOKEN') {
      res.status(403).render('error', { title: 'Form expired', message: 'This form is no longer valid. Go back, reload the page and try again.' });
      return;
    }
    if (isDatamerError(err, 'NOT_FOUND')) {
      res.status(404).render('error', { title: 'Not found', message: 'There is no such page.' });
      return;
    }
    deps.log.error({ err: messageOf(err) }, 'web: request failed');
    res.status(500).render('error', { title: 'Something went wrong', message: 'DaTamer could not show this page; the error is in its log.' });
  };
  app.use(onError);
  return app;
}
