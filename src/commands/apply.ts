// Carries out the commands of one reply, in order, as the user who wrote it. Each command
// succeeds or fails on its own; the reply tells which (reply.ts).
import type { Deps } from '../deps.js';
import { describePreferences, setPreferences } from '../people/preferences.js';
import { DatamerError, isDatamerError } from '../errors.js';
import { changeEvent, changeWithTrail, type ChangedBy } from '../events/change.js';
import { mergeEvents, splitMessage } from '../events/corrections.js';
import { previewRule } from '../classification/preview.js';
import { addRule, type RuleDraft } from '../classification/rule-store.js';
import { ruleTrailDetail } from '../classification/rule-text.js';
import { personalGroup, personalGroupName, setSubscription, unsubscribe } from '../people/people.js';
import type { Event, Rule, User } from '../../models/index.js';
import type { EmailCommand, ParsedCommand } from './grammar.js';

export interface CommandResult {
  line: string;
  ok: boolean;
  /** what happened, or why not, in words for the engineer */
  message: string;
}

export interface CommandContext {
  tenantId: number;
  user: User;
  eventId: number | null;
  /** the stored monitoring mail the reply answers, if it answers one (what SPLIT takes out) */
  messageId: number | null;
}

/** How many recent messages a RULE's preview looks at. */
export const RULE_PREVIEW_LAST = 200;

/** A setting changed by reply is the replier's, in the activity trail as on the site. */
const byEmail = (ctx: CommandContext): ChangedBy => ({ actor: ctx.user.handle, via: 'email' });

async function state(deps: Deps, event: Event): Promise<string> {
  if (event.mergedIntoId !== null) return `event #${event.id} is completed, merged into #${event.mergedIntoId}`;
  if (event.status === 'completed') return `event #${event.id} is completed`;
  if (event.status === 'assigned' && event.assigneeId !== null) {
    const assignee = await deps.db.models.User.findOne({ where: { tenantId: event.tenantId, id: event.assigneeId }, attributes: ['handle'] });
    return `event #${event.id} is assigned to ${assignee?.handle ?? 'someone'}`;
  }
  return `event #${event.id} is open`;
}

function eventOf(ctx: CommandContext): number {
  if (ctx.eventId === null) {
    throw new DatamerError('NOT_FOUND', 'no event found for this reply: reply to a mail from DaTamer about the event, or to the monitoring mail itself');
  }
  return ctx.eventId;
}

async function onEvent(deps: Deps, ctx: CommandContext, command: Extract<EmailCommand, { type: 'assign' | 'unassign' | 'done' | 'reopen' }>): Promise<string> {
  const eventId = eventOf(ctx);
  const request =
    command.type === 'assign' ? { command: 'assign' as const, handle: command.handle ?? ctx.user.handle }
    : command.type === 'done' ? { command: 'complete' as const, ...(command.note ? { note: command.note } : {}) }
    : { command: command.type };
  const event = await changeEvent(deps, ctx.tenantId, eventId, { ...request, actor: ctx.user.handle, via: 'email' });
  return state(deps, event);
}

/** MERGE and SPLIT (docs/correlation.md, "Correcting the grouping"), kept with who and why. */
async function correct(deps: Deps, ctx: CommandContext, command: Extract<EmailCommand, { type: 'merge' | 'split' }>): Promise<string> {
  const eventId = eventOf(ctx);
  const by = { actor: ctx.user.handle, via: 'email' as const, reason: command.reason };
  if (command.type === 'merge') {
    const merged = await mergeEvents(deps, ctx.tenantId, eventId, command.into, by);
    const n = merged.messageIds.length;
    return `event #${merged.from.id} merged into #${merged.into.id} (${n} message${n === 1 ? '' : 's'} moved); ${await state(deps, merged.into)}`;
  }
  const messageId = command.messageId ?? ctx.messageId;
  if (messageId === null) {
    throw new DatamerError('INPUT_INVALID', 'SPLIT needs the message: reply to the monitoring mail itself, or write its id, e.g. "SPLIT 5120" (datamer event show lists them)');
  }
  const split = await splitMessage(deps, ctx.tenantId, eventId, messageId, by);
  return `message ${split.messageId} split out of #${split.from.id} into event #${split.into.id}; ${await state(deps, split.into)}`;
}

/**
 * The rule this user already added with exactly these conditions and actions, if any. A reply is
 * handled again when its first try failed half-way (handle.ts: the listener answered 4xx and the
 * sender retries): the rules its first try saved are found here, not added twice.
 */
async function sameRuleOf(deps: Deps, ctx: CommandContext, draft: RuleDraft): Promise<Rule | null> {
  const shape = (r: Pick<RuleDraft, 'conditions' | 'actions' | 'continue' | 'override'>) => JSON.stringify([r.conditions, r.actions, r.continue ?? false, r.override ?? false]);
  const mine = await deps.db.models.Rule.findAll({ where: { tenantId: ctx.tenantId, createdBy: ctx.user.handle } });
  return mine.find((r) => shape(r) === shape(draft)) ?? null;
}

async function uniqueRuleName(deps: Deps, tenantId: number, name: string): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? name : `${name} (${n})`;
    if (!(await deps.db.models.Rule.findOne({ where: { tenantId, name: candidate }, attributes: ['id'] }))) return candidate;
  }
}

async function run(deps: Deps, ctx: CommandContext, command: EmailCommand): Promise<string> {
  switch (command.type) {
    case 'assign':
    case 'unassign':
    case 'done':
    case 'reopen':
      return onEvent(deps, ctx, command);
    case 'merge':
    case 'split':
      return correct(deps, ctx, command);
    case 'rule': {
      const same = await sameRuleOf(deps, ctx, command.draft);
      if (same) return `rule #${same.id} "${same.name}" was already added by you; nothing changed`;
      const draft = { ...command.draft, name: await uniqueRuleName(deps, ctx.tenantId, command.draft.name) };
      const preview = await previewRule(deps, ctx.tenantId, draft, { last: RULE_PREVIEW_LAST });
      const rule = await changeWithTrail(deps, ctx.tenantId, byEmail(ctx), (t) => addRule(deps, ctx.tenantId, draft, ctx.user.handle, t), (r) => ({ action: 'rule-added', detail: ruleTrailDetail(r) }));
      const changed = preview.matched.filter((m) => m.changed).length;
      return `rule #${rule.id} "${rule.name}" added; of the last ${preview.scanned} messages it matches ${preview.matched.length} (${changed} would be classified differently); it applies to new mail from now on`;
    }
    case 'subscribe': {
      const { pattern, level } = command;
      const group = personalGroupName(ctx.user.handle);
      await changeWithTrail(
        deps, ctx.tenantId, byEmail(ctx),
        async (t) => setSubscription(deps, ctx.tenantId, (await personalGroup(deps, ctx.tenantId, ctx.user.handle, t)).name, pattern, level, t),
        (s) => ({ action: 'subscription-added', detail: { group, pattern: s.orgPattern, level: s.level } }),
      );
      return `you are now ${level === 'responder' ? 'a responder for' : 'interested in'} ${pattern}`;
    }
    case 'unsubscribe': {
      const group = personalGroupName(ctx.user.handle);
      try {
        await changeWithTrail(deps, ctx.tenantId, byEmail(ctx), (t) => unsubscribe(deps, ctx.tenantId, group, command.pattern, t), () => ({ action: 'subscription-removed', detail: { group, pattern: command.pattern } }));
      } catch (err) {
        if (!isDatamerError(err) || err.code !== 'NOT_FOUND') throw err;
        throw new DatamerError('NOT_FOUND', `you have no subscription of your own to ${command.pattern} (subscriptions through a team group are changed by an admin)`);
      }
      return `you are no longer subscribed to ${command.pattern}`;
    }
    case 'set': {
      const change = { alerts: 'alerts', timezone: 'timeZone', quiet: 'quiet', digest: 'digest' } as const;
      const updated = await changeWithTrail(
        deps, ctx.tenantId, byEmail(ctx),
        (t) => setPreferences(deps, ctx.tenantId, ctx.user.handle, { [change[command.setting]]: command.value }, t),
        (u) => ({ action: 'user-settings', detail: { handle: u.handle, settings: describePreferences(u) } }),
      );
      return `you now get ${describePreferences(updated)}`;
    }
    case 'help':
      return 'the commands are listed below';
  }
}

/** How far an earlier try at the same reply got, and where each result is written down as it comes. */
export interface CommandProgress {
  /** the results of the commands an earlier try applied, in order */
  done: CommandResult[];
  /** records the results so far, after each command */
  record(results: CommandResult[]): Promise<void>;
}

/**
 * Applies the commands in order. With `progress`, the commands an earlier try of the same reply
 * already applied are not applied again: their results are answered as they were then.
 */
export async function applyCommands(deps: Deps, ctx: CommandContext, parsed: ParsedCommand[], progress?: CommandProgress): Promise<CommandResult[]> {
  const results: CommandResult[] = [];
  for (const [i, p] of parsed.entries()) {
    const before = progress?.done[i];
    if (before && before.line === p.line) {
      results.push(before);
      continue;
    }
    if (!p.ok) {
      results.push({ line: p.line, ok: false, message: p.error });
      continue;
    }
    try {
      results.push({ line: p.line, ok: true, message: await run(deps, ctx, p.command) });
    } catch (err) {
      // DaTamer's own errors are written for users; anything else is a fault, not an answer.
      if (!isDatamerError(err)) throw err;
      results.push({ line: p.line, ok: false, message: err.message });
    }
    // A copy: the ORM compares the new value with the one it holds, which must not be this very array.
    await progress?.record([...results]);
  }
  return results;
}

