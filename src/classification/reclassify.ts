// After the rules change, classify the stored messages again: from the raw bytes, in batches,
// each batch committed with the run's cursor, so an interrupted run resumes where it stopped.
import { Op } from 'sequelize';
import type { Deps } from '../deps.js';
import { reclassifyMessageEvent } from '../events/change.js';
import { classificationColumns, type Outcome } from './classifier.js';
import { classifyFenced } from './fenced.js';
import { LABEL_BY } from './label.js';
import { streamKey } from '../schedules/stream-key.js';
import type { ParsedMessage } from '../ingest/parse.js';
import type { Message } from '../../models/index.js';
import { tenantRuleSet } from './rule-store.js';

export interface ReclassifyReport {
  runId: number;
  resumed: boolean;
  scanned: number;
  changed: number;
}

/**
 * An engineer's label (filing a message by hand, label.ts) outranks tags and rules: classifying
 * the message again keeps the org they gave it, and everything else is decided afresh.
 */
export function keepingLabel(outcome: Outcome, stored: Pick<Message, 'org' | 'decidedBy'>, parsed: Pick<ParsedMessage, 'fromAddress'>): Outcome {
  const label = stored.decidedBy?.org;
  if (!label?.startsWith(`${LABEL_BY}:`) || stored.org === null) return outcome;
  const c = { ...outcome.classification, org: stored.org, by: LABEL_BY, decidedBy: { ...outcome.classification.decidedBy, org: label } };
  const stream = c.schedule && parsed.fromAddress ? streamKey(c.org, c.servers, parsed.fromAddress, c.schedule.period) : null;
  return { ...outcome, classification: c, stream };
}

export async function reclassify(deps: Deps, tenantId: number, options: { batch?: number; maxBatches?: number } = {}): Promise<ReclassifyReport> {
  const { Message, ReclassificationRun } = deps.db.models;
  const batch = options.batch ?? 500;
  let run = await ReclassificationRun.findOne({ where: { tenantId, finishedAt: null }, order: [['id', 'DESC']] });
  const resumed = run !== null;
  run ??= await ReclassificationRun.create({ tenantId, cursor: 0, scanned: 0, changedCount: 0, startedAt: deps.clock.now(), finishedAt: null });
  const rules = await tenantRuleSet(deps, tenantId);

  for (let batches = 0; options.maxBatches === undefined || batches < options.maxBatches; batches++) {
    const messages = await Message.findAll({
      // Messages not processed yet are left to processPending(), which also makes their events.
      where: { tenantId, id: { [Op.gt]: run.cursor }, classifiedAt: { [Op.ne]: null } },
      attributes: ['id', 'raw', 'severity', 'org', 'servers', 'schedule', 'classifiedBy', 'decidedBy'],
      order: [['id', 'ASC']],
      limit: batch,
    });
    if (messages.length === 0) {
      await run.update({ finishedAt: deps.clock.now() });
      break;
    }
    // Parse and classify outside the transaction: it holds the write lock, so keep it short.
    const results = await Promise.all(
      messages.map(async (m) => {
        const { parsed, outcomes } = await classifyFenced({ raw: m.raw }, [rules]);
        return { m, outcome: keepingLabel(outcomes[0]!, m, parsed) };
      }),
    );
    await deps.db.transaction(async (transaction) => {
      let changed = 0;
      for (const { m, outcome } of results) {
        const c = outcome.classification;
        const before = JSON.stringify([m.severity, m.org, m.servers ?? [], m.schedule, m.classifiedBy]);
        if (before === JSON.stringify([c.severity, c.org, c.servers, c.schedule, c.by])) continue;
        changed++;
        await Message.update(classificationColumns(outcome, deps.clock.now()), { where: { tenantId, id: m.id }, transaction });
        await reclassifyMessageEvent(deps, tenantId, m.id, c, transaction);
      }
      await run!.update(
        { cursor: messages[messages.length - 1]!.id, scanned: run!.scanned + messages.length, changedCount: run!.changedCount + changed },
        { transaction },
      );
    });
  }
  return { runId: run.id, resumed, scanned: run.scanned, changed: run.changedCount };
}
