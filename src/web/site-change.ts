// What the team's pages do when a form is posted: the change goes through the module that owns
// what it changes (the CLI's module too), then the activity trail gets a line naming who did it
// "via web", and the outcome is the next page's message. A refusal (invalid input, a conflict, a
// name that does not exist) is that message too, and changes nothing; anything else is an error page.
import { Op } from 'sequelize';
import type { NextFunction, Request, Response } from 'express';
import type { Deps } from '../deps.js';
import { isDatamerError } from '../errors.js';
import { recordChange, type SettingChange } from '../events/change.js';
import { siteUser } from './auth.js';
import { redirectAfterSave } from './session.js';

export interface Done {
  /** the line the next page shows */
  text: string;
  /** the trail's line; null when nothing changed */
  trail: SettingChange | null;
}

const refusal = (err: unknown) => isDatamerError(err, 'INPUT_INVALID') || isDatamerError(err, 'CONFLICT') || isDatamerError(err, 'NOT_FOUND');

export async function formChange(deps: Deps, req: Request, res: Response, next: NextFunction, back: string, work: () => Promise<Done>): Promise<void> {
  try {
    const user = siteUser(res);
    let done: Done;
    try {
      done = await work();
    } catch (err) {
      if (!refusal(err)) throw err;
      req.session.flash = { kind: 'error', text: `Not done: ${(err as Error).message}.` };
      return redirectAfterSave(req, res, next, back);
    }
    if (done.trail) await recordChange(deps, user.tenantId, done.trail, { actor: user.handle, via: 'web' });
    req.session.flash = { kind: 'ok', text: done.text };
    redirectAfterSave(req, res, next, back);
  } catch (err) {
    next(err);
  }
}

export interface TrailLine {
  at: Date;
  actor: string;
  via: string;
  action: string;
  detail: string;
}

/** The latest changes of these kinds (`rule-`, `stream-`…) in the tenant, newest first. */
export async function recentChanges(deps: Deps, tenantId: number, prefixes: readonly string[], limit = 10): Promise<TrailLine[]> {
  const rows = await deps.db.models.Activity.findAll({
    where: { tenantId, eventId: null, [Op.or]: prefixes.map((p) => ({ action: { [Op.like]: `${p}%` } })) },
    order: [['id', 'DESC']],
    limit,
  });
  return rows.map((a) => ({
    at: a.at, actor: a.actor, via: a.via, action: a.action,
    detail: Object.entries(a.detail).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', '),
  }));
}
