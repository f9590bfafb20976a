// The schedules page (docs/web.md, Schedules): every stream with what it expects, what came,
// its state and when its next alert would fall due; a stream's page with its last messages and
// what can be done to it; maintenance windows. Every change goes through src/schedules/, as
// `datamer stream` and `datamer maintenance` do; the stream is always one of the user's tenant.
import { Router, type Request, type Response } from 'express';
import type { Transaction } from 'sequelize';
import type { Period } from '../../classification/tags.js';
import type { Deps } from '../../deps.js';
import { DatamerError } from '../../errors.js';
import { instantOf, localTime } from '../../people/local-time.js';
import { formatDuration, parseDuration } from '../../schedules/duration.js';
import { DEFAULT_GRACE_MS, WINDOW_MS } from '../../schedules/evaluate.js';
import { addMaintenance, endMaintenance, endOf, findMaintenance, listMaintenance, statusOf } from '../../schedules/maintenance.js';
import { latestMessages, streamOutlook, type Outlook } from '../../schedules/outlook.js';
import {
  deleteStream, renameStream, setMissingSeverity, setStreamGrace, setStreamMuted, streamSummaries, SEVERITIES, type StreamSummary,
} from '../../schedules/stream-admin.js';
import type { Stream } from '../../../models/index.js';
import { csrfProtection, siteUser, type SiteUser } from '../auth.js';
import { absoluteUtc, severityLabel } from '../helpers.js';
import { idParam } from '../params.js';
import { formChange, recentChanges } from '../site-change.js';

const PER: Record<Period, string> = { hour: 'hour', day: 'day', month: '30 days' };
const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const expected = (s: { n: number; v: number; period: Period }) => `${s.n}${s.v ? ` ± ${s.v}` : ''} per ${PER[s.period]}`;
const nameOf = (s: { id: number; label: string | null; key: string }) => s.label ?? s.key;

/** The state as a person reads it: `learning until …`, `in maintenance until …`, or the verdict. */
function stateText(s: Pick<StreamSummary, 'state' | 'quietUntil' | 'quietFor' | 'muted'>, outlook: Outlook): { key: string; text: string; until: Date | null } {
  if (s.muted) return { key: 'muted', text: 'muted', until: null };
  if (s.state === 'missing' || s.state === 'excess') return { key: s.state, text: s.state, until: null };
  if (s.quietUntil && s.quietFor === 'imported history') return { key: 'learning', text: 'learning from imported history until', until: new Date(s.quietUntil) };
  if (s.quietUntil) return { key: 'maintenance', text: 'in maintenance until', until: new Date(s.quietUntil) };
  if (outlook.learningUntil) return { key: 'learning', text: 'learning until', until: outlook.learningUntil };
  return { key: s.state === 'learning' ? 'ok' : s.state, text: s.state === 'learning' ? 'ok' : s.state, until: null };
}

function nextAlertText(s: Pick<StreamSummary, 'muted' | 'openAlerts'>, outlook: Outlook): string | null {
  if (s.muted) return 'none while muted';
  if (!outlook.next) return s.openAlerts.length > 0 ? 'already open' : outlook.neverMissing ? 'none: a count of 0 is in range' : null;
  return null;
}

/** A time typed into a form (`2026-11-24T22:00`, the reader's own zone) as an instant. */
function localInstant(text: string, timeZone: string, field: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/.exec(text);
  if (!m) throw new DatamerError('INPUT_INVALID', `${field} "${text}": give a date and a time`);
  const [year, month, day, hour, minute] = m.slice(1).map(Number) as [number, number, number, number, number];
  return instantOf({ year, month, day, hour, minute }, timeZone);
}

const asLocalInput = (at: Date, timeZone: string) => {
  const l = localTime(at, timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${l.year}-${two(l.month)}-${two(l.day)}T${two(l.hour)}:${two(l.minute)}`;
};

function notFound(res: Response) {
  res.status(404).render('error', { title: 'Not found', message: 'There is no such page.' });
}

export function scheduleRoutes(deps: Deps, grace: Record<Period, number> = DEFAULT_GRACE_MS): Router {
  const router = Router();

  /** The stream the URL names, of the user's tenant; null (answered 404) for any other. */
  async function streamOf(req: Request, res: Response): Promise<Stream | null> {
    const id = idParam(req.params.id);
    if (id === null) return null;
    return deps.db.models.Stream.findOne({ where: { tenantId: siteUser(res).tenantId, id } });
  }

  router.get('/schedules', async (_req, res, next) => {
    try {
      const user = siteUser(res);
      const now = deps.clock.now();
      const [summaries, streams, windows, changes] = await Promise.all([
        streamSummaries(deps, user.tenantId),
        deps.db.models.Stream.findAll({ where: { tenantId: user.tenantId } }),
        listMaintenance(deps, user.tenantId),
        recentChanges(deps, user.tenantId, ['stream-', 'maintenance-']),
      ]);
      const byId = new Map(streams.map((s) => [s.id, s]));
      const rows = [];
      for (const s of summaries) {
        const stream = byId.get(s.id);
        if (!stream) continue;
        const latest = await latestMessages(deps, stream, 1);
        const outlook = streamOutlook(stream, latest, s.quietUntil ? new Date(s.quietUntil) : null, now, grace);
        rows.push({
          id: s.id, name: nameOf(s), key: s.key, label: s.label, expected: expected(s), count: s.count,
          state: stateText(s, outlook), next: outlook.next, nextText: nextAlertText(s, outlook),
          lastAt: latest[0]?.receivedAt ?? null, openAlerts: s.openAlerts,
        });
      }
      res.render('schedules', {
        title: 'Schedules',
        streams: rows,
        windows: windows.map((w) => ({ id: w.id, scope: w.scope, startsAt: w.startsAt, endsAt: endOf(w), status: statusOf(w, now), reason: w.reason, by: w.createdBy, canEnd: ['active', 'upcoming'].includes(statusOf(w, now)) })),
        scopes: [...new Set(['*', ...streams.flatMap((s) => (s.org ? [s.org, ...s.org.split('.').slice(0, -1).map((_, i, parts) => `${parts.slice(0, i + 1).join('.')}.*`)] : []))])].sort(),
        from: asLocalInput(now, user.timeZone),
        until: asLocalInput(new Date(now.getTime() + 2 * 3_600_000), user.timeZone),
        timeZone: user.timeZone,
        changes,
      });
    } catch (err) {
      next(err);
    }
  });

  router.get('/schedules/:id', async (req, res, next) => {
    try {
      const stream = await streamOf(req, res);
      if (!stream) return notFound(res);
      const user = siteUser(res);
      const now = deps.clock.now();
      const summary = (await streamSummaries(deps, user.tenantId)).find((s) => s.id === stream.id)!;
      const latest = await latestMessages(deps, stream, 10);
      const outlook = streamOutlook(stream, latest, summary.quietUntil ? new Date(summary.quietUntil) : null, now, grace);
      const links = await deps.db.models.EventMessage.findAll({ where: { tenantId: user.tenantId, messageId: latest.map((m) => m.id) }, attributes: ['messageId', 'eventId'] });
      const eventOf = new Map(links.map((l) => [l.messageId, l.eventId]));
      const windowStart = now.getTime() - WINDOW_MS[stream.period];
      res.render('schedule', {
        title: `Stream ${nameOf(stream)}`,
        stream: {
          id: stream.id, name: nameOf(stream), key: stream.key, label: stream.label ?? '', expected: expected(stream), count: summary.count,
          firstSeenAt: stream.firstSeenAt, muted: stream.muted, missingSeverity: stream.missingSeverity,
          grace: stream.graceMs === null ? null : formatDuration(stream.graceMs), defaultGrace: formatDuration(grace[stream.period]),
        },
        state: stateText(summary, outlook),
        next: outlook.next,
        nextText: nextAlertText(summary, outlook),
        openAlerts: summary.openAlerts,
        severities: SEVERITIES.map((s) => ({ value: s, label: severityLabel(s), selected: s === stream.missingSeverity })),
        messages: latest.slice(0, 10).map((m) => ({ ...m, eventId: eventOf.get(m.id) ?? null, inWindow: m.receivedAt.getTime() > windowStart })),
      });
    } catch (err) {
      next(err);
    }
  });

  /** A change to the stream the URL names: 404 for another tenant's, else the change and back to its page. */
  const streamChange = (path: string, work: (user: SiteUser, stream: Stream, body: Record<string, unknown>, t: Transaction) => Promise<{ text: string; action: string; detail?: Record<string, unknown> }>) =>
    router.post(`/schedules/:id/${path}`, csrfProtection, async (req, res, next) => {
      try {
        const stream = await streamOf(req, res);
        if (!stream) return notFound(res);
        await formChange(deps, req, res, next, `/schedules/${stream.id}`, async (t) => {
          const done = await work(siteUser(res), stream, req.body as Record<string, unknown>, t);
          return { text: done.text, trail: { action: done.action, detail: { stream: stream.key, ...done.detail } } };
        });
      } catch (err) {
        next(err);
      }
    });

  streamChange('rename', async (user, stream, body, t) => {
    const label = str(body.label);
    const s = await renameStream(deps, user.tenantId, String(stream.id), label, t);
    return { text: s.label ? `Stream ${s.id} is now labelled "${s.label}".` : `Stream ${s.id} has no label now.`, action: 'stream-renamed', detail: { from: stream.label, to: s.label } };
  });
  streamChange('mute', async (user, stream, _body, t) => {
    await setStreamMuted(deps, user.tenantId, String(stream.id), true, t);
    return { text: `Stream ${nameOf(stream)} muted: it raises no alerts until it is unmuted.`, action: 'stream-muted' };
  });
  streamChange('unmute', async (user, stream, _body, t) => {
    await setStreamMuted(deps, user.tenantId, String(stream.id), false, t);
    return { text: `Stream ${nameOf(stream)} unmuted: it alerts again from the next evaluation.`, action: 'stream-unmuted' };
  });
  streamChange('severity', async (user, stream, body, t) => {
    const s = await setMissingSeverity(deps, user.tenantId, String(stream.id), str(body.severity), { actor: user.handle, via: 'web' }, t);
    return { text: `Stream ${nameOf(s)}: missing alerts are now ${severityLabel(s.missingSeverity)}.`, action: 'stream-severity', detail: { from: stream.missingSeverity, to: s.missingSeverity } };
  });

  // `datamer stream grace`: how long the count may be out of range before an alert; "default" (or nothing) for its period's.
  streamChange('grace', async (user, stream, body, t) => {
    const text = str(body.grace).toLowerCase();
    const ms = text === '' || text === 'default' ? null : parseDuration(text);
    if (ms === null && text !== '' && text !== 'default') throw new DatamerError('INPUT_INVALID', `grace "${text}": write a duration such as 10m, 2h or 1d, or default`);
    const s = await setStreamGrace(deps, user.tenantId, String(stream.id), ms, t);
    const said = s.graceMs === null ? `back to the default for its period (${formatDuration(grace[s.period])})` : formatDuration(s.graceMs);
    return { text: `Stream ${nameOf(s)}: grace ${said}.`, action: 'stream-grace', detail: { from: stream.graceMs, graceMs: s.graceMs } };
  });

  router.post('/schedules/:id/delete', csrfProtection, async (req, res, next) => {
    try {
      const stream = await streamOf(req, res);
      if (!stream) return notFound(res);
      await formChange(deps, req, res, next, '/schedules', async (t) => {
        const user = siteUser(res);
        const { closed } = await deleteStream(deps, user.tenantId, String(stream.id), { actor: user.handle, via: 'web' }, t);
        const alerts = closed.length ? ` Its open alerts ${closed.map((id) => `#${id}`).join(', ')} are completed.` : '';
        return { text: `Stream ${nameOf(stream)} deleted.${alerts} It comes back, learning, if its job mails again.`, trail: { action: 'stream-deleted', detail: { stream: stream.key, closed } } };
      });
    } catch (err) {
      next(err);
    }
  });

  router.post('/schedules/maintenance', csrfProtection, async (req, res, next) => {
    const body = req.body as Record<string, unknown>;
    const user = siteUser(res);
    await formChange(deps, req, res, next, '/schedules', async (t) => {
      const from = str(body.from);
      const startsAt = from ? localInstant(from, user.timeZone, 'From') : deps.clock.now();
      const endsAt = localInstant(str(body.until), user.timeZone, 'Until');
      const { window: w, streams } = await addMaintenance(deps, user.tenantId, { scope: str(body.scope), startsAt, endsAt, reason: str(body.reason), createdBy: user.handle }, t);
      return {
        text: `Maintenance window ${w.id} for ${w.scope}: ${absoluteUtc(w.startsAt)} to ${absoluteUtc(w.endsAt)}; it covers ${streams} stream${streams === 1 ? '' : 's'} now.`,
        trail: { action: 'maintenance-added', detail: { id: w.id, scope: w.scope, startsAt: w.startsAt.toISOString(), endsAt: w.endsAt.toISOString(), reason: w.reason } },
      };
    });
  });

  router.post('/schedules/maintenance/:id/end', csrfProtection, async (req, res, next) => {
    try {
      const id = idParam(req.params.id);
      const user = siteUser(res);
      // Another tenant's window (or none): 404, and nothing is ended.
      const found = id === null ? null : await findMaintenance(deps, user.tenantId, id).catch(() => null);
      if (!found) return notFound(res);
      await formChange(deps, req, res, next, '/schedules', async (t) => {
        const { window: w, streams } = await endMaintenance(deps, user.tenantId, found.id, t);
        return {
          text: `Maintenance window ${w.id} ended; ${streams} stream${streams === 1 ? '' : 's'} will be looked at again.`,
          trail: { action: 'maintenance-ended', detail: { id: w.id, scope: w.scope } },
        };
      });
    } catch (err) {
      next(err);
    }
  });

  return router;
}

