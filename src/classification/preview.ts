// "What would this rule do?": the draft is tried on the last N stored messages next to the
// rules as they are, and every message it matches is listed with its classification before
// and after. Nothing is written.
//
// Bounded, since a reply by email asks for one: the messages are read from their raw bytes a few
// at a time, at most PREVIEW_MAX_BYTES of them, and classified behind the fence (fenced.ts), so
// a hostile message among them costs its own classification budget, not the service.
import { Op } from 'sequelize';
import type { Deps } from '../deps.js';
import type { Classification } from './classify.js';
import { classifyFenced, ruleSetOf } from './fenced.js';
import { checkDraft, definitionOf, listRules, POSITION_STEP, type RuleDraft } from './rule-store.js';
import { usableRules } from './rules.js';

/** A preview reads at most this many bytes of stored mail; older messages are left out of it. */
export const PREVIEW_MAX_BYTES = 32 * 1024 * 1024;
/** Raw messages read from the database at once. */
const PREVIEW_BATCH = 20;

/** The draft's id in previews: no saved rule has id 0. */
export const DRAFT_ID = 0;

export interface PreviewRow {
  messageId: number;
  subject: string | null;
  receivedAt: Date;
  before: Classification;
  after: Classification;
  changed: boolean;
}

export interface Preview {
  scanned: number;
  matched: PreviewRow[];
}

const sameClassification = (a: Classification, b: Classification) =>
  a.severity === b.severity && a.org === b.org && a.by === b.by && JSON.stringify(a.servers) === JSON.stringify(b.servers) &&
  JSON.stringify(a.schedule) === JSON.stringify(b.schedule);

/**
 * `replacing`: the id of a saved rule the draft is an edit of: the draft takes its place (and
 * its position), and "before" is the rules with the saved version.
 */
export async function previewRule(deps: Deps, tenantId: number, draft: RuleDraft, options: { last?: number; replacing?: number } = {}): Promise<Preview> {
  checkDraft(draft);
  const all = (await listRules(deps, tenantId)).map(definitionOf);
  const replaced = all.find((r) => r.id === options.replacing);
  const existing = all.filter((r) => r !== replaced);
  const lastPosition = existing.reduce((max, r) => Math.max(max, r.position), 0);
  const candidate = {
    id: DRAFT_ID,
    name: draft.name,
    position: draft.position ?? replaced?.position ?? lastPosition + POSITION_STEP,
    enabled: true,
    conditions: draft.conditions,
    actions: draft.actions,
    continue: draft.continue ?? false,
    override: draft.override ?? false,
  };
  const current = ruleSetOf(usableRules(all));
  // An edit decides as the rule it replaces: the same decider is no change.
  const draftBy = `rule:${DRAFT_ID}`;
  const asSaved = (c: Classification): Classification =>
    replaced ? { ...c, by: c.by === draftBy ? `rule:${replaced.id}` : c.by, decidedBy: Object.fromEntries(Object.entries(c.decidedBy).map(([k, v]) => [k, v === draftBy ? `rule:${replaced.id}` : v])) } : c;
  const proposed = ruleSetOf(usableRules([...existing, candidate]));

  const { Message } = deps.db.models;
  const latest = await Message.findAll({
    where: { tenantId },
    attributes: ['id', 'rawSize'],
    order: [['receivedAt', 'DESC'], ['id', 'DESC']],
    limit: options.last ?? 200,
  });
  let bytes = 0;
  const ids = latest.filter((m) => (bytes += m.rawSize) <= PREVIEW_MAX_BYTES).map((m) => m.id);
  const matched: PreviewRow[] = [];
  for (let i = 0; i < ids.length; i += PREVIEW_BATCH) {
    const batch = await Message.findAll({ where: { tenantId, id: { [Op.in]: ids.slice(i, i + PREVIEW_BATCH) } }, attributes: ['id', 'raw', 'subject', 'receivedAt'] });
    // From the raw bytes, as reclassification would: headers are not stored apart.
    const rows = await Promise.all(batch.map(async (message) => ({ message, outcomes: (await classifyFenced({ raw: message.raw }, [proposed, current])).outcomes })));
    for (const { message, outcomes } of rows.sort((a, b) => ids.indexOf(a.message.id) - ids.indexOf(b.message.id))) {
      const [after, before] = [outcomes[0]!, outcomes[1]!.classification];
      if (!after.matchedRuleIds.includes(DRAFT_ID)) continue;
      const classification = asSaved(after.classification);
      matched.push({
        messageId: message.id,
        subject: message.subject,
        receivedAt: message.receivedAt,
        before,
        after: classification,
        changed: !sameClassification(before, classification),
      });
    }
  }
  return { scanned: ids.length, matched };
}
