// The event list, an event's page, and what can be done to events from them. Every query takes
// the logged-in user's tenant: another tenant's event id is "not found", whatever is asked.
import { Router, type Request, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { activityText, eventDetail } from '../../events/views.js';
import { COUNT_CAP, interestLevel, interestOf, listSiteEvents, messageCounts, type ListPage } from '../../events/site-queries.js';
import { listUsers } from '../../people/people.js';
import { csrfProtection, siteUser } from '../auth.js';
import { applySiteAction, isSiteAction, outcomeText } from '../event-actions.js';
import { listUrl, PAGE_SIZE, parseListQuery } from '../list-params.js';
import { idParam } from '../params.js';
import { sandboxDocument } from '../sanitize-html.js';
import { redirectAfterSave } from '../session.js';
import { ruleFromEventRoutes } from './rule-from-event.js';


/** Where to go after an action: back to the list (with its filters) or the event, never elsewhere. */
function backTo(req: Request, fallback: string): string {
  const back = (req.body as Record<string, unknown>)?.back;
  return typeof back === 'string' && /^\/events(?:[/?][^\s]*)?$/.test(back) && !back.startsWith('//') ? back : fallback;
}

const idsOf = (value: unknown): number[] =>
  [...new Set((Array.isArray(value) ? value : [value]).map(idParam).filter((id): id is number => id !== null))];

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

/** "50 of 312 events.", "50 of more than 1,000 events.", "No event matches." */
function countText(page: ListPage, later: boolean): string {
  if (page.total === 0) return later ? 'No more events.' : 'No event matches.';
  const of = page.totalCapped ? `more than ${COUNT_CAP.toLocaleString('en')}` : page.total.toLocaleString('en');
  const plural = page.total === 1 && !page.totalCapped ? 'event' : 'events';
  return page.events.length === page.total && !later ? `${of} ${plural}.` : `${page.events.length} of ${of} ${plural}${later ? ', after the previous pages' : ''}.`;
}

function notFound(res: Response) {
  res.status(404).render('error', { title: 'Not found', message: 'There is no such page.' });
}

export function eventRoutes(deps: Deps): Router {
  const router = Router();

  router.get('/events', async (req, res, next) => {
    try {
      const user = siteUser(res);
      const { query, ignored } = parseListQuery(req.query as Record<string, unknown>);
      const interest = await interestOf(deps, user.tenantId, user.id);
      const [page, users] = await Promise.all([listSiteEvents(deps, user.tenantId, query, interest), listUsers(deps, user.tenantId)]);
      const { events } = page;
      const counts = await messageCounts(deps, user.tenantId, events.map((e) => e.id));
      const handleOf = new Map(users.map((u) => [u.id, u.handle]));
      const here = listUrl(query);
      const tab = (filter: typeof query.filter, label: string) => ({ label, url: listUrl({ ...query, filter, after: null }), current: query.filter === filter });
      res.render('events', {
        title: 'Events',
        query,
        here,
        ignored,
        count: countText(page, query.after !== null),
        nextUrl: page.next ? listUrl({ ...query, after: page.next }) : null,
        firstUrl: query.after ? listUrl({ ...query, after: null }) : null,
        pageSize: PAGE_SIZE,
        tabs: [tab('responder', 'Responder'), tab('interested', 'Interested'), tab('unclassified', 'Unclassified'), tab('all', 'All')],
        users: users.map((u) => ({ handle: u.handle, displayName: u.displayName })),
        severities: [
          { value: '', label: 'any severity' }, { value: 'critical', label: 'critical' }, { value: 'warn', label: 'warning' },
          { value: 'info', label: 'info' }, { value: 'none', label: 'unclassified' },
        ].map((s) => ({ ...s, selected: (query.severity ?? '') === s.value })),
        assignedOptions: [{ value: '', label: 'assigned or not' }, { value: 'no', label: 'unassigned' }, { value: 'yes', label: 'assigned' }]
          .map((o) => ({ ...o, selected: (query.assigned === null ? '' : query.assigned ? 'yes' : 'no') === o.value })),
        statusOptions: [{ value: 'open', label: 'open' }, { value: 'completed', label: 'completed' }, { value: 'any', label: 'open or completed' }]
          .map((o) => ({ ...o, selected: query.status === o.value })),
        events: events.map((e) => ({
          id: e.id,
          title: e.title,
          status: e.status,
          severity: e.severity ?? 'none',
          classification: e.org ?? (e.kind === 'message' ? 'unclassified' : e.kind),
          servers: e.servers.join(', '),
          messages: counts.get(e.id) ?? 0,
          assignee: e.assigneeId === null ? null : handleOf.get(e.assigneeId) ?? `user ${e.assigneeId}`,
          createdAt: e.createdAt,
          assignedAt: e.assignedAt,
          interest: interestLevel(interest, e.org) ?? (e.triage ? 'triage' : '—'),
        })),
      });
    } catch (err) {
      next(err);
    }
  });

  // Several events at once (the list's checkboxes), or one from its row menu.
  router.post('/events/bulk', csrfProtection, async (req, res, next) => {
    try {
      const body = req.body as Record<string, unknown>;
      const action = body.action;
      const back = backTo(req, '/events');
      if (!isSiteAction(action)) {
        req.session.flash = { kind: 'error', text: 'Choose what to do with the selected events.' };
        return redirectAfterSave(req, res, next, back);
      }
      const ids = idsOf(body.ids);
      const handle = str(body.handle);
      if (action === 'assign' && !handle) {
        req.session.flash = { kind: 'error', text: 'Choose the user to assign to.' };
        return redirectAfterSave(req, res, next, back);
      }
      const outcome = await applySiteAction(deps, siteUser(res), ids, action, { handle, note: str(body.note) });
      req.session.flash = outcomeText(action, outcome, handle);
      redirectAfterSave(req, res, next, back);
    } catch (err) {
      next(err);
    }
  });

  router.get('/events/:id', async (req, res, next) => {
    try {
      const id = idParam(req.params.id);
      if (id === null) return notFound(res);
      const user = siteUser(res);
      const detail = await eventDetail(deps, user.tenantId, id);
      const [bodies, users, interest] = await Promise.all([
        deps.db.models.Message.findAll({
          where: { tenantId: user.tenantId, id: detail.messages.map((m) => m.id) },
          attributes: ['id', 'toAddresses', 'text', 'html', 'parseError', 'rawSize', 'severity', 'org', 'servers', 'classifiedBy', 'decidedBy', 'sentAt'],
        }),
        listUsers(deps, user.tenantId),
        interestOf(deps, user.tenantId, user.id),
      ]);
      const bodyOf = new Map(bodies.map((b) => [b.id, b]));
      const event = await deps.db.models.Event.findOne({ where: { tenantId: user.tenantId, id }, attributes: ['detail', 'streamId'] });
      const completion = [...detail.activity].reverse().find((a) => a.action === 'completed' || a.action === 'resolved');
      res.render('event', {
        title: `#${detail.id} ${detail.title}`,
        event: detail,
        severityKey: detail.severity ?? 'none',
        interest: interestLevel(interest, detail.org) ?? (detail.triage ? 'triage' : 'none'),
        completion: completion ? { by: completion.actor, via: completion.via, note: completion.detail.note ?? null } : null,
        scheduleDetail: event?.detail ? JSON.stringify(event.detail) : null,
        back: `/events/${detail.id}`,
        users: users.map((u) => ({ handle: u.handle, displayName: u.displayName })),
        canComplete: detail.status !== 'completed',
        // An event merged into another takes no command: its messages are in the other one.
        canReopen: detail.status === 'completed' && detail.mergedInto === null,
        canUnassign: detail.status === 'assigned',
        messages: await Promise.all(detail.messages.map(async (m) => {
          const b = bodyOf.get(m.id);
          return {
            ...m,
            to: (b?.toAddresses ?? []).join(', '),
            sentAt: b?.sentAt ?? null,
            text: b?.text ?? null,
            parseError: b?.parseError ?? null,
            rawSize: b?.rawSize ?? 0,
            classification: b ? { severity: b.severity, org: b.org, servers: (b.servers ?? []).join(', '), by: b.classifiedBy, decidedBy: b.decidedBy ? JSON.stringify(b.decidedBy) : null } : null,
            // Sanitized, then shown in a sandboxed frame: never this page's HTML.
            htmlDocument: b?.html ? await sandboxDocument(b.html) : null,
          };
        })),
        activity: detail.activity.map((a) => ({ ...a, text: activityText(a) })),
      });
    } catch (err) {
      next(err);
    }
  });

  router.post('/events/:id/action', csrfProtection, async (req, res, next) => {
    try {
      const id = idParam(req.params.id);
      if (id === null) return notFound(res);
      const body = req.body as Record<string, unknown>;
      const action = body.action;
      const back = backTo(req, `/events/${id}`);
      if (!isSiteAction(action)) return res.status(400).render('error', { title: 'Unknown action', message: 'The site does not know that action.' });
      const user = siteUser(res);
      // Another tenant's id (or none at all): 404, and nothing is changed or said.
      const exists = await deps.db.models.Event.count({ where: { tenantId: user.tenantId, id } });
      if (exists === 0) return notFound(res);
      const handle = str(body.handle);
      const outcome = await applySiteAction(deps, user, [id], action, { handle, note: str(body.note) });
      req.session.flash = outcomeText(action, outcome, handle);
      redirectAfterSave(req, res, next, back);
    } catch (err) {
      next(err);
    }
  });

  // The exact bytes as they arrived, as a download (never rendered by the browser).
  router.get('/events/:id/messages/:messageId/raw', async (req, res, next) => {
    try {
      const id = idParam(req.params.id);
      const messageId = idParam(req.params.messageId);
      if (id === null || messageId === null) return notFound(res);
      const { tenantId } = siteUser(res);
      const link = await deps.db.models.EventMessage.findOne({ where: { tenantId, eventId: id, messageId } });
      const message = link ? await deps.db.models.Message.findOne({ where: { tenantId, id: messageId }, attributes: ['id', 'raw'] }) : null;
      if (!message) return notFound(res);
      res.set('Content-Type', 'application/octet-stream');
      res.set('Content-Disposition', `attachment; filename="message-${message.id}.eml"`);
      res.send(Buffer.from(message.raw));
    } catch (err) {
      next(err);
    }
  });

  router.use(ruleFromEventRoutes(deps));
  return router;
}
