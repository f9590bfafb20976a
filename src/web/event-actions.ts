// What the site's menus and buttons do to events: each one a request to change.ts, the one door
// events change through (state machine, activity row, and the assignee's notice by mail). The
// tenant is the logged-in user's: an id of another tenant's event is simply not found.
import type { Deps } from '../deps.js';
import { isDatamerError, messageOf } from '../errors.js';
import { changeEvent, type ChangeRequest } from '../events/change.js';
import type { SiteUser } from './auth.js';

export const ACTIONS = ['claim', 'assign', 'unassign', 'complete', 'reopen'] as const;
export type SiteAction = (typeof ACTIONS)[number];

export const isSiteAction = (a: unknown): a is SiteAction => typeof a === 'string' && (ACTIONS as readonly string[]).includes(a);

export interface ActionOutcome {
  done: number[];
  /** "#12: it is already completed" */
  refused: string[];
}

const PAST: Record<SiteAction, string> = { claim: 'claimed', assign: 'assigned', unassign: 'unassigned', complete: 'completed', reopen: 'reopened' };

export async function applySiteAction(
  deps: Deps, user: SiteUser, eventIds: number[], action: SiteAction, input: { handle?: string; note?: string },
): Promise<ActionOutcome> {
  const outcome: ActionOutcome = { done: [], refused: [] };
  const request: Omit<ChangeRequest, 'command'> = { actor: user.handle, via: 'web', ...(input.note ? { note: input.note } : {}) };
  for (const id of eventIds) {
    try {
      if (action === 'claim') await changeEvent(deps, user.tenantId, id, { ...request, command: 'assign', handle: user.handle });
      else if (action === 'assign') await changeEvent(deps, user.tenantId, id, { ...request, command: 'assign', handle: input.handle ?? '' });
      else await changeEvent(deps, user.tenantId, id, { ...request, command: action });
      outcome.done.push(id);
    } catch (err) {
      if (!isDatamerError(err)) throw err;
      // NOT_FOUND for another tenant's id reads exactly like an id that does not exist.
      outcome.refused.push(isDatamerError(err, 'NOT_FOUND') && /event/.test(err.message) ? `#${id}: no such event` : messageOf(err));
    }
  }
  return outcome;
}

/** One line for the page after the action: what was done, and what was refused and why. */
export function outcomeText(action: SiteAction, outcome: ActionOutcome, handle?: string): { kind: 'ok' | 'error'; text: string } {
  const parts: string[] = [];
  if (outcome.done.length > 0) {
    const ids = outcome.done.map((id) => `#${id}`).join(', ');
    parts.push(`${ids} ${PAST[action]}${action === 'assign' && handle ? ` to ${handle}` : ''}.`);
  }
  if (outcome.refused.length > 0) parts.push(`Not done: ${outcome.refused.join('; ')}.`);
  return { kind: outcome.refused.length > 0 ? 'error' : 'ok', text: parts.join(' ') || 'Nothing selected.' };
}
