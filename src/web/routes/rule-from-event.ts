// "Create a rule from this event": a form prefilled from the event's first message (the same
// suggestion a label makes, src/classification/suggest.ts), a preview over the recent mail, and
// the rule saved through the rule store the CLI and the RULE command use.
import { Router, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { isDatamerError } from '../../errors.js';
import { previewRule } from '../../classification/preview.js';
import { addRule, type RuleDraft } from '../../classification/rule-store.js';
import { suggestRule } from '../../classification/suggest.js';
import type { RuleCondition } from '../../classification/rules.js';
import { changeWithTrail } from '../../events/change.js';
import { findEvent } from '../../events/events.js';
import { csrfProtection, siteUser } from '../auth.js';
import { severityLabel } from '../helpers.js';
import { idParam } from '../params.js';
import { ruleTrailDetail } from '../../classification/rule-text.js';
import { redirectAfterSave } from '../session.js';

/** How many recent messages the preview tries the rule on (as the RULE command does). */
export const PREVIEW_LAST = 200;

interface RuleForm {
  name: string;
  subject: string;
  from: string;
  body: string;
  severity: string;
  org: string;
  servers: string;
}

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

function formOf(body: Record<string, unknown>): RuleForm {
  return { name: str(body.name), subject: str(body.subject), from: str(body.from), body: str(body.body), severity: str(body.severity), org: str(body.org).toLowerCase(), servers: str(body.servers) };
}

export function draftOf(form: RuleForm): RuleDraft {
  const conditions: RuleCondition[] = [];
  if (form.subject) conditions.push({ field: 'subject', pattern: form.subject });
  if (form.from) conditions.push({ field: 'from', pattern: form.from });
  if (form.body) conditions.push({ field: 'body', pattern: form.body });
  const servers = form.servers.split(/[\s,]+/).filter(Boolean);
  return {
    name: form.name,
    conditions,
    actions: {
      ...(form.severity ? { severity: form.severity as 'info' | 'warn' | 'critical' } : {}),
      ...(form.org ? { org: form.org } : {}),
      ...(servers.length ? { servers } : {}),
    },
  };
}

async function prefill(deps: Deps, tenantId: number, eventId: number): Promise<RuleForm> {
  const event = await findEvent(deps, tenantId, eventId);
  const link = await deps.db.models.EventMessage.findOne({ where: { tenantId, eventId }, order: [['id', 'ASC']], attributes: ['messageId'] });
  const message = link ? await deps.db.models.Message.findOne({ where: { tenantId, id: link.messageId }, attributes: ['subject', 'fromAddress', 'text'] }) : null;
  const suggested = message ? suggestRule({ subject: message.subject, fromAddress: message.fromAddress, text: message.text }, { org: event.org ?? 'x' }) : null;
  const pattern = (field: string) => suggested?.conditions.find((c) => c.field === field)?.pattern ?? '';
  return {
    name: `from event #${event.id}: ${event.title}`.slice(0, 190),
    subject: pattern('subject'),
    from: pattern('from'),
    body: pattern('body'),
    severity: event.severity ?? '',
    org: event.org ?? '',
    servers: (suggested?.actions.servers ?? []).join(', '),
  };
}

export function ruleFromEventRoutes(deps: Deps): Router {
  const router = Router();

  const render = (res: Response, eventId: number, form: RuleForm, extra: Record<string, unknown> = {}) =>
    res.render('rule-from-event', {
      title: `A rule from event #${eventId}`,
      eventId,
      form,
      severities: ['', 'critical', 'warn', 'info'].map((s) => ({ value: s, label: s ? severityLabel(s) : 'leave as it is', selected: form.severity === s })),
      previewLast: PREVIEW_LAST,
      ...extra,
    });

  router.get('/events/:id/rule', async (req, res, next) => {
    try {
      const id = idParam(req.params.id);
      if (id === null) return next();
      const form = await prefill(deps, siteUser(res).tenantId, id);
      render(res, id, form);
    } catch (err) {
      next(err);
    }
  });

  // `intent=preview` shows what the rule would do; `intent=save` saves it (and still shows the preview).
  router.post('/events/:id/rule', csrfProtection, async (req, res, next) => {
    try {
      const id = idParam(req.params.id);
      if (id === null) return next();
      const user = siteUser(res);
      await findEvent(deps, user.tenantId, id);
      const body = req.body as Record<string, unknown>;
      const form = formOf(body);
      const draft = draftOf(form);
      try {
        const preview = await previewRule(deps, user.tenantId, draft, { last: PREVIEW_LAST });
        const rows = preview.matched.map((m) => ({
          messageId: m.messageId,
          subject: m.subject,
          receivedAt: m.receivedAt,
          before: `${severityLabel(m.before.severity)} ${m.before.org ?? ''}`.trim(),
          after: `${severityLabel(m.after.severity)} ${m.after.org ?? ''}`.trim(),
          changed: m.changed,
        }));
        const summary = { scanned: preview.scanned, matched: preview.matched.length, changed: preview.matched.filter((m) => m.changed).length };
        if (body.intent !== 'save') return render(res, id, form, { preview: { rows, ...summary } });
        const rule = await changeWithTrail(deps, user.tenantId, { actor: user.handle, via: 'web' }, (t) => addRule(deps, user.tenantId, draft, user.handle, t), (r) => ({
          action: 'rule-added', detail: { ...ruleTrailDetail(r), fromEvent: id },
        }));
        req.session.flash = { kind: 'ok', text: `Rule #${rule.id} "${rule.name}" saved: it classifies new mail from now on (of the last ${summary.scanned} messages it matches ${summary.matched}, ${summary.changed} would be classified differently).` };
        redirectAfterSave(req, res, next, `/events/${id}`);
      } catch (err) {
        if (isDatamerError(err, 'INPUT_INVALID') || isDatamerError(err, 'CONFLICT')) return render(res.status(422), id, form, { problem: err.message });
        throw err;
      }
    } catch (err) {
      next(err);
    }
  });
  return router;
}
