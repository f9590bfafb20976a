// The rules page (docs/web.md, Rules): the tenant's rules in the order they are tried, with how
// often and when they last matched; a rule edited (or a new one written) with a live preview over
// the recent mail; moved up or down, disabled, deleted; and the rules DaTamer proposed from
// messages filed by hand, to accept or dismiss. Every change goes through the rule store, as
// `datamer rule …` does.
import { Router, type Request, type Response } from 'express';
import type { Transaction } from 'sequelize';
import type { Deps } from '../../deps.js';
import { isDatamerError } from '../../errors.js';
import { changeWithTrail } from '../../events/change.js';
import { listSuggestions, SUGGESTED_BY } from '../../classification/label.js';
import { previewRule } from '../../classification/preview.js';
import { addRule, deleteRule, dismissRule, editRule, listRules, moveRule, setRuleEnabled } from '../../classification/rule-store.js';
import type { Rule } from '../../../models/index.js';
import { csrfProtection, siteUser } from '../auth.js';
import { severityLabel } from '../helpers.js';
import { idParam } from '../params.js';
import { actionsText, conditionText, ruleTrailDetail } from '../../classification/rule-text.js';
import { draftOfForm, emptyRuleForm, formOfRule, keptText, ruleFormOf, type RuleForm } from '../rule-form.js';
import { redirectAfterSave } from '../session.js';
import { formChange, recentChanges } from '../site-change.js';
import { PREVIEW_LAST } from './rule-from-event.js';

function notFound(res: Response) {
  res.status(404).render('error', { title: 'Not found', message: 'There is no such page.' });
}

const ruleRow = (r: Rule) => ({
  id: r.id, name: r.name, position: r.position, enabled: r.enabled, hits: r.hits, lastMatchedAt: r.lastMatchedAt,
  conditions: r.conditions.map(conditionText), actions: actionsText(r), createdBy: r.createdBy, dismissed: r.dismissedAt !== null,
});

export function ruleRoutes(deps: Deps): Router {
  const router = Router();

  /** The rule the URL names, of the user's tenant; null (answered 404) for any other. */
  async function ruleOf(req: Request, res: Response): Promise<Rule | null> {
    const id = idParam(req.params.id);
    return id === null ? null : deps.db.models.Rule.findOne({ where: { tenantId: siteUser(res).tenantId, id } });
  }

  router.get('/rules', async (_req, res, next) => {
    try {
      const { tenantId } = siteUser(res);
      const [rules, suggestions, changes] = await Promise.all([
        listRules(deps, tenantId),
        listSuggestions(deps, tenantId, { last: PREVIEW_LAST }),
        recentChanges(deps, tenantId, ['rule-']),
      ]);
      const pending = new Set(suggestions.map((s) => s.rule.id));
      const shown = rules.filter((r) => !pending.has(r.id));
      res.render('rules', {
        title: 'Rules',
        rules: shown.map((r, i) => ({ ...ruleRow(r), first: i === 0, last: i === shown.length - 1 })),
        suggestions: suggestions.map((s) => ({ ...ruleRow(s.rule), example: s.example, examples: s.examples, matches: s.matches, scanned: s.scanned })),
        changes,
      });
    } catch (err) {
      next(err);
    }
  });

  const render = (res: Response, view: { rule: Rule | null; form: RuleForm; extra?: Record<string, unknown> }) =>
    res.render('rule-edit', {
      title: view.rule ? `Rule #${view.rule.id} ${view.rule.name}` : 'A new rule',
      rule: view.rule ? { id: view.rule.id, enabled: view.rule.enabled, kept: keptText(view.rule) } : null,
      action: view.rule ? `/rules/${view.rule.id}` : '/rules/new',
      form: view.form,
      severities: ['', 'critical', 'warn', 'info'].map((s) => ({ value: s, label: s ? severityLabel(s) : 'leave as it is', selected: view.form.severity === s })),
      previewLast: PREVIEW_LAST,
      ...view.extra,
    });

  router.get('/rules/new', (_req, res) => render(res, { rule: null, form: emptyRuleForm() }));

  router.get('/rules/:id', async (req, res, next) => {
    try {
      const rule = await ruleOf(req, res);
      if (!rule) return notFound(res);
      render(res, { rule, form: formOfRule(rule) });
    } catch (err) {
      next(err);
    }
  });

  // `intent=preview` shows what the rule would do (the page's script asks as you type); `intent=save` saves it.
  const saveOrPreview = (rule: Rule | null) => async (req: Request, res: Response, next: (err?: unknown) => void) => {
    const user = siteUser(res);
    const body = req.body as Record<string, unknown>;
    const form = ruleFormOf(body);
    const draft = draftOfForm(form, rule ?? undefined);
    try {
      const preview = await previewRule(deps, user.tenantId, draft, { last: PREVIEW_LAST, ...(rule ? { replacing: rule.id } : {}) });
      const rows = preview.matched.map((m) => ({
        subject: m.subject, receivedAt: m.receivedAt, changed: m.changed,
        before: `${severityLabel(m.before.severity)} ${m.before.org ?? ''}`.trim(), after: `${severityLabel(m.after.severity)} ${m.after.org ?? ''}`.trim(),
      }));
      const summary = { scanned: preview.scanned, matched: preview.matched.length, changed: preview.matched.filter((m) => m.changed).length };
      if (body.intent !== 'save') return render(res, { rule, form, extra: { preview: { rows, ...summary } } });
      // Saved with its trail line in one transaction; a refusal (an invalid expression, a taken
      // name) shows the form again with it, and changes nothing.
      const saved = await changeWithTrail(
        deps, user.tenantId, { actor: user.handle, via: 'web' },
        (t) => rule
          ? editRule(deps, user.tenantId, String(rule.id), { name: draft.name, conditions: draft.conditions, actions: draft.actions, continue: draft.continue, override: draft.override }, t)
          : addRule(deps, user.tenantId, draft, user.handle, t),
        (r) => ({ action: rule ? 'rule-edited' : 'rule-added', detail: ruleTrailDetail(r) }),
      );
      req.session.flash = {
        kind: 'ok',
        text: `Rule #${saved.id} "${saved.name}" ${rule ? 'changed' : 'saved'}: it classifies new mail from now on (of the last ${summary.scanned} messages it matches ${summary.matched}, ${summary.changed} would be classified differently).`,
      };
      redirectAfterSave(req, res, next, '/rules');
    } catch (err) {
      if (isDatamerError(err, 'INPUT_INVALID') || isDatamerError(err, 'CONFLICT')) return render(res.status(422), { rule, form, extra: { problem: err.message } });
      next(err);
    }
  };

  router.post('/rules/new', csrfProtection, (req, res, next) => void saveOrPreview(null)(req, res, next));

  router.post('/rules/:id', csrfProtection, async (req, res, next) => {
    try {
      const rule = await ruleOf(req, res);
      if (!rule) return notFound(res);
      await saveOrPreview(rule)(req, res, next);
    } catch (err) {
      next(err);
    }
  });

  /** A change to the rule the URL names: 404 for another tenant's, else the change and back to the list. */
  const ruleChange = (path: string, work: (tenantId: number, rule: Rule, body: Record<string, unknown>, actor: string, t: Transaction) => Promise<{ text: string; action: string | null; detail?: Record<string, unknown> }>) =>
    router.post(`/rules/:id/${path}`, csrfProtection, async (req, res, next) => {
      try {
        const rule = await ruleOf(req, res);
        if (!rule) return notFound(res);
        await formChange(deps, req, res, next, '/rules', async (t) => {
          const done = await work(siteUser(res).tenantId, rule, req.body as Record<string, unknown>, siteUser(res).handle, t);
          return { text: done.text, trail: done.action ? { action: done.action, detail: { id: rule.id, name: rule.name, ...done.detail } } : null };
        });
      } catch (err) {
        next(err);
      }
    });

  ruleChange('move', async (tenantId, rule, body, _actor, t) => {
    const up = body.direction === 'up';
    const order = await listRules(deps, tenantId, t);
    const at = order.findIndex((r) => r.id === rule.id);
    const neighbour = order[up ? at - 1 : at + 1];
    if (!neighbour) return { text: `Rule #${rule.id} is already ${up ? 'first' : 'last'}.`, action: null };
    const moved = await moveRule(deps, tenantId, String(rule.id), up ? { before: String(neighbour.id) } : { after: String(neighbour.id) }, t);
    const place = moved.findIndex((r) => r.id === rule.id) + 1;
    return { text: `Rule #${rule.id} "${rule.name}" is now tried ${place === 1 ? 'first' : `in place ${place}`}.`, action: 'rule-moved', detail: { place } };
  });
  ruleChange('enable', async (tenantId, rule, _body, _actor, t) => {
    await setRuleEnabled(deps, tenantId, String(rule.id), true, t);
    return { text: `Rule #${rule.id} "${rule.name}" enabled: it classifies new mail from now on.`, action: 'rule-enabled' };
  });
  ruleChange('disable', async (tenantId, rule, _body, _actor, t) => {
    await setRuleEnabled(deps, tenantId, String(rule.id), false, t);
    return { text: `Rule #${rule.id} "${rule.name}" disabled: it classifies nothing until it is enabled again.`, action: 'rule-disabled' };
  });
  ruleChange('delete', async (tenantId, rule, _body, _actor, t) => {
    await deleteRule(deps, tenantId, String(rule.id), t);
    return { text: `Rule #${rule.id} "${rule.name}" deleted; what it classified stays as it was.`, action: 'rule-deleted', detail: { conditions: rule.conditions.map(conditionText).join(' and '), actions: actionsText(rule) } };
  });

  // A suggestion is a disabled rule DaTamer proposed from a message filed by hand (label.ts):
  // accepting enables it; dismissing keeps it, disabled and marked dismissed, so that filing
  // another message of that shape by hand does not propose it again (rule-store.ts, dismissRule).
  const isPending = async (tenantId: number, rule: Rule, transaction: Transaction) =>
    !rule.enabled && rule.dismissedAt === null && (await deps.db.models.LabelledExample.count({ where: { tenantId, suggestedRuleId: rule.id }, transaction })) > 0;
  ruleChange('accept', async (tenantId, rule, _body, _actor, t) => {
    if (!(await isPending(tenantId, rule, t))) return { text: `Rule #${rule.id} is not a suggestion waiting to be accepted.`, action: null };
    await setRuleEnabled(deps, tenantId, String(rule.id), true, t);
    return { text: `Suggested rule #${rule.id} "${rule.name}" accepted: it classifies new mail from now on.`, action: 'rule-accepted', detail: { suggestedBy: SUGGESTED_BY } };
  });
  ruleChange('dismiss', async (tenantId, rule, _body, actor, t) => {
    if (!(await isPending(tenantId, rule, t))) return { text: `Rule #${rule.id} is not a suggestion waiting to be accepted.`, action: null };
    await dismissRule(deps, tenantId, String(rule.id), actor, t);
    return { text: `Suggested rule #${rule.id} "${rule.name}" dismissed: it stays disabled in the list, and is not proposed again.`, action: 'rule-dismissed', detail: { conditions: rule.conditions.map(conditionText).join(' and '), actions: actionsText(rule) } };
  });

  return router;
}
