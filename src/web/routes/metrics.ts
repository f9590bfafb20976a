// GET /metrics: DaTamer for Prometheus, in its text exposition format through prom-client
// (https://prometheus.io/docs/instrumenting/exposition_formats/). What the database holds is read
// from it at scrape time (so every DaTamer process sharing a database tells the same numbers, and
// none is lost in a restart); only this process's job runs come from memory (src/job-runs.ts).
// A registry per app, as the app keeps no state of its own (src/web/app.ts).
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type Request } from 'express';
import { col, fn, literal, Op } from 'sequelize';
import { Gauge, Registry } from 'prom-client';
import type { Deps } from '../../deps.js';
import type { JobRuns } from '../../job-runs.js';

type Row = Record<string, unknown>;

/** Grouped counts as plain rows: `[{ tenantId, status, n }]`. */
async function grouped(model: { findAll(options: object): Promise<unknown[]> }, by: string[], where: object = {}, value: unknown = fn('COUNT', col('id'))): Promise<Row[]> {
  return (await model.findAll({ attributes: [...by, [value, 'n']], where, group: by, raw: true })) as Row[];
}

export function metricsRegistry(deps: Deps, jobRuns?: JobRuns): Registry {
  const registry = new Registry();
  const { Message, Event, OutboxMail, Mailbox, Stream, Tenant } = deps.db.models;
  const tenantNames = async () => new Map((await Tenant.findAll({ attributes: ['id', 'name'] })).map((t) => [t.id, t.name]));
  const tenantOf = (names: Map<number, string>, row: Row) => names.get(Number(row.tenantId)) ?? String(row.tenantId);

  new Gauge({
    name: 'datamer_messages',
    help: 'Messages stored, by tenant and outcome: classified (an org), unclassified (no org), pending (not classified yet)',
    labelNames: ['tenant', 'outcome'],
    registers: [registry],
    async collect() {
      const names = await tenantNames();
      const [pending, classified, unclassified] = await Promise.all([
        grouped(Message, ['tenantId'], { classifiedAt: null }),
        grouped(Message, ['tenantId'], { classifiedAt: { [Op.ne]: null }, org: { [Op.ne]: null } }),
        grouped(Message, ['tenantId'], { classifiedAt: { [Op.ne]: null }, org: null }),
      ]);
      this.reset();
      for (const [outcome, rows] of [['pending', pending], ['classified', classified], ['unclassified', unclassified]] as const) {
        for (const r of rows) this.set({ tenant: tenantOf(names, r), outcome }, Number(r.n));
      }
    },
  });

  new Gauge({
    name: 'datamer_message_parse_errors',
    help: 'Messages stored with a parse error (kept with their raw bytes), by tenant',
    labelNames: ['tenant'],
    registers: [registry],
    async collect() {
      const names = await tenantNames();
      const rows = await grouped(Message, ['tenantId'], { parseError: { [Op.ne]: null } });
      this.reset();
      for (const r of rows) this.set({ tenant: tenantOf(names, r) }, Number(r.n));
    },
  });

  new Gauge({
    name: 'datamer_message_duplicate_deliveries',
    help: 'Deliveries of a message already stored (recognised and not stored again), by tenant',
    labelNames: ['tenant'],
    registers: [registry],
    async collect() {
      const names = await tenantNames();
      const rows = await grouped(Message, ['tenantId'], { deliveries: { [Op.gt]: 1 } }, fn('SUM', literal('deliveries - 1')));
      this.reset();
      for (const r of rows) this.set({ tenant: tenantOf(names, r) }, Number(r.n));
    },
  });

  new Gauge({
    name: 'datamer_events',
    help: 'Events by tenant, kind (message, schedule-missing, schedule-excess) and status (open, assigned, completed)',
    labelNames: ['tenant', 'kind', 'status'],
    registers: [registry],
    async collect() {
      const names = await tenantNames();
      const rows = await grouped(Event, ['tenantId', 'kind', 'status']);
      this.reset();
      for (const r of rows) this.set({ tenant: tenantOf(names, r), kind: String(r.kind), status: String(r.status) }, Number(r.n));
    },
  });

  new Gauge({
    name: 'datamer_outbox_mails',
    help: 'Outgoing mail by tenant and status (queued, sending, sent, failed)',
    labelNames: ['tenant', 'status'],
    registers: [registry],
    async collect() {
      const names = await tenantNames();
      const rows = await grouped(OutboxMail, ['tenantId', 'status']);
      this.reset();
      for (const r of rows) this.set({ tenant: tenantOf(names, r), status: String(r.status) }, Number(r.n));
    },
  });

  const mailboxLabels = async () => {
    const names = await tenantNames();
    return (await Mailbox.findAll({ order: [['id', 'ASC']] })).map((m) => ({ m, labels: { tenant: names.get(m.tenantId) ?? String(m.tenantId), kind: m.kind, mailbox: m.address } }));
  };
  new Gauge({
    name: 'datamer_mailbox_up',
    help: '1 when the mailbox works, 0 when its provider reported an error (as /readyz says)',
    labelNames: ['tenant', 'kind', 'mailbox'],
    registers: [registry],
    async collect() {
      const mailboxes = await mailboxLabels();
      this.reset();
      for (const { m, labels } of mailboxes) this.set(labels, m.lastError === null ? 1 : 0);
    },
  });
  new Gauge({
    name: 'datamer_mailbox_last_synced_timestamp_seconds',
    help: 'When a pass over the mailbox last finished (watched mailboxes only)',
    labelNames: ['tenant', 'kind', 'mailbox'],
    registers: [registry],
    async collect() {
      const mailboxes = await mailboxLabels();
      this.reset();
      for (const { m, labels } of mailboxes) if (m.lastSyncedAt) this.set(labels, m.lastSyncedAt.getTime() / 1000);
    },
  });

  new Gauge({
    name: 'datamer_schedule_streams',
    help: 'Schedule streams by tenant and state (learning, ok, missing, excess, muted)',
    labelNames: ['tenant', 'state'],
    registers: [registry],
    async collect() {
      const names = await tenantNames();
      const rows = await grouped(Stream, ['tenantId', 'state']);
      this.reset();
      for (const r of rows) this.set({ tenant: tenantOf(names, r), state: String(r.state) }, Number(r.n));
    },
  });

  new Gauge({
    name: 'datamer_job_runs',
    help: "Runs of each job in this process's scheduler since it started, by outcome (succeeded, failed)",
    labelNames: ['job', 'outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of jobRuns?.counts() ?? []) {
        this.set({ job: r.job, outcome: 'succeeded' }, r.succeeded);
        this.set({ job: r.job, outcome: 'failed' }, r.failed);
      }
    },
  });
  new Gauge({
    name: 'datamer_job_last_success_timestamp_seconds',
    help: "When the job last ran to the end in this process's scheduler",
    labelNames: ['job'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of jobRuns?.counts() ?? []) if (r.lastSuccessAt) this.set({ job: r.job }, r.lastSuccessAt.getTime() / 1000);
    },
  });
  return registry;
}

/** 127.0.0.0/8 and ::1, also written as an IPv4-mapped IPv6 address. */
const isLoopback = (ip: string | undefined) => !!ip && (/^(::ffff:)?127\./.test(ip) || ip === '::1');

/**
 * The metrics name every tenant and mailbox, so not anyone may read them: a scraper on this
 * machine (as express sees the client: through a proxy it trusts, the proxy's X-Forwarded-For),
 * or one that sends the bearer token (RFC 6750 §2.1) DATAMER_METRICS_TOKEN names.
 */
function mayScrape(req: Request, token: string | null): boolean {
  if (isLoopback(req.ip)) return true;
  const given = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (!token || !given) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

export function metricsRoutes(deps: Deps, jobRuns?: JobRuns, token: string | null = null): Router {
  const router = Router();
  const registry = metricsRegistry(deps, jobRuns);
  router.get('/metrics', async (req, res, next) => {
    try {
      if (!mayScrape(req, token)) {
        res.set('WWW-Authenticate', 'Bearer realm="datamer metrics"');
        return void res.status(401).type('text/plain').send('/metrics answers scrapers on this machine, or with the bearer token of DATAMER_METRICS_TOKEN.\n');
      }
      const text = await registry.metrics();
      res.type(registry.contentType).send(text);
    } catch (err) {
      next(err);
    }
  });
  return router;
}
