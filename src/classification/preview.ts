// "What would this rule do?": the draft is tried on the last N stored messages next to the
// rules as they are, and every message it matches is listed with its classification before
// and after. Nothing is written.
import type { Deps } from '../deps.js';
import { parseMessage } from '../ingest/parse.js';
import { classifyMessage } from './classifier.js';
import type { Classification } from './classify.js';
import { checkDraft, definitionOf, listRules, POSITION_STEP, type RuleDraft } from './rule-store.js';
import { compileRules } from './rules.js';

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

export async function previewRule(deps: Deps, tenantId: number, draft: RuleDraft, options: { last?: number } = {}): Promise<Preview> {
  checkDraft(draft);
  const existing = (await listRules(deps, tenantId)).map(definitionOf);
  const lastPosition = existing.reduce((max, r) => Math.max(max, r.position), 0);
  const candidate = {
    id: DRAFT_ID,
    name: draft.name,
    position: draft.position ?? lastPosition + POSITION_STEP,
    enabled: true,
    conditions: draft.conditions,
    actions: draft.actions,
    continue: draft.continue ?? false,
    override: draft.override ?? false,
  };
  const current = compileRules(existing);
  const proposed = compileRules([...existing, candidate]);

  const messages = await deps.db.models.Message.findAll({
    where: { tenantId },
    attributes: ['id', 'raw', 'subject', 'receivedAt'],
    order: [['receivedAt', 'DESC'], ['id', 'DESC']],
    limit: options.last ?? 200,
  });
  const matched: PreviewRow[] = [];
  for (const message of messages) {
    // From the raw bytes, as reclassification would: headers are not stored apart.
    const parsed = await parseMessage(message.raw);
    const after = classifyMessage(parsed, proposed);
    if (!after.matchedRuleIds.includes(DRAFT_ID)) continue;
    const before = classifyMessage(parsed, current).classification;
    matched.push({
      messageId: message.id,
      subject: message.subject,
      receivedAt: message.receivedAt,
      before,
      after: after.classification,
      changed: !sameClassification(before, after.classification),
    });
  }
  return { scanned: messages.length, matched };
}
