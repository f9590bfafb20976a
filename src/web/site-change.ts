// What the team's pages do when a form is posted: the change goes through the module that owns
// what it changes (the CLI's module too), and the activity trail gets a line naming who did it
// "via web", in the same transaction (src/events/change.ts, changeWithTrail); the outcome is the
// next page's message. A refusal (invalid input, a conflict, a name that does not exist) is that
// message too, and changes nothing; anything else is an error page, and changes nothing either.
import { Op } from 'sequelize';
import type { NextFunction, Request, Response } from 'express';
import type { Deps } from '../deps.js';
import { isDatamerError } from '../errors.js';
import type { Transaction } from 'sequelize';
import { changeWithTrail, type SettingChange } from '../events/change.js';
import { siteUser } from './auth.js';
import { redirectAfterSave } from './session.js';

export interface Done {
  /** the line the next page shows */
  text: string;
  /** the trail's line; null when nothing changed */
  trail: SettingChange | null;
}

const refusal = (err: unknown) => isDatamerError(err, 'INPUT_INVALID') || isDatamerError(err, 'CONFLICT') || isDatamerError(err, 'NOT_FOUND');

/**
 * `work` makes the change in the transaction it is given, passing it to the store functions it
 * calls; whatever must not hold the database (logging in to a mailbox) happens before.
 */
export async function formChange(
  deps: Deps, req: Request, res: Response, next: NextFunction, back: string, work: (transaction: Transaction) => Promise<Done>,
): Promise<void> {
  try {
    const user = siteUser(res);
    let done: Done;
    try {
      done = await changeWithTrail(deps, user.tenantId, { actor: user.handle, via: 'web' }, work, (d) => d.trail);
    } catch (err) {
      if (!refusal(err)) throw err;
      return refuse(req, res, next, back, err);
    }
    req.session.flash = { kind: 'ok', text: done.text };
    redirectAfterSave(req, res, next, back);
  } catch (err) {
    next(err);
  }
}

/** A refusal as the next page's message (from formChange, or from a check made before it). */
export function refuse(req: Request, res: Response, next: NextFunction, back: string, err: unknown): void {
  if (!refusal(err)) return next(err);
  req.session.flash = { kind: 'error', text: `Not done: ${(err as Error).message}.` };
  redirectAfterSave(req, res, next, back);
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
