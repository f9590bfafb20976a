// One MSE, end to end: every way mail arrives (the SMTP listener, `datamer import`,
// `datamer replay`, later the mailbox providers) goes through here, so they all behave alike.
//
//   1. store the raw message, exactly once          (its own transaction: after it, acknowledge)
//   2. classify it (tags, rules) and make its event  (a second transaction)
//
// Step 2 is separate so that a bug or a database hiccup in classification can never cost a
// message: it stays stored with classified_at null, and processPending() finishes it later.
import { Op } from 'sequelize';
import { classifyMessage, type Outcome } from './classification/classifier.js';
import { compiledRulesOf, recordHits } from './classification/rule-store.js';
import type { Deps } from './deps.js';
import { messageOf } from './errors.js';
import { createMessageEvent, eventIdOfMessage } from './events/events.js';
import { parseMessage, type ParsedMessage } from './ingest/parse.js';
import { storeArrivals, type Arrival, type Stored } from './ingest/store.js';

export type { Arrival, Stored };

export interface Received extends Stored {
  /** null only when processing failed; the message is stored and will be processed again */
  eventId: number | null;
  outcome: Outcome | null;
}

/** Classifies a stored message and creates its event, in one transaction. */
async function processMessage(deps: Deps, tenantId: number, messageId: number, parsed: ParsedMessage): Promise<{ eventId: number; outcome: Outcome }> {
  const outcome = classifyMessage(parsed, await compiledRulesOf(deps, tenantId));
  const { classification: c } = outcome;
  return deps.db.transaction(async (transaction) => {
    const at = deps.clock.now();
    await deps.db.models.Message.update(
      {
        severity: c.severity,
        org: c.org,
        servers: c.servers,
        schedule: c.schedule,
        classifiedBy: c.by,
        decidedBy: c.decidedBy,
        tagWarnings: outcome.tagWarnings,
        classifiedAt: at,
      },
      { where: { tenantId, id: messageId }, transaction },
    );
    await recordHits(deps, tenantId, outcome.matchedRuleIds, at, transaction);
    const event = await createMessageEvent(deps, { tenantId, messageId, subject: parsed.subject, classification: c, at }, transaction);
    return { eventId: event.id, outcome };
  });
}

/**
 * Stores what arrived, then processes it. When this resolves the messages are committed, so the
 * caller may acknowledge them, even if processing failed (it is logged and retried later).
 */
export async function receive(deps: Deps, arrivals: Arrival[]): Promise<Received[]> {
  const stored = await storeArrivals(deps, arrivals);
  const received: Received[] = [];
  for (const s of stored) {
    const base = { tenantId: s.tenantId, messageId: s.messageId, duplicateOf: s.duplicateOf };
    if (s.duplicateOf !== null) {
      // A copy of a message we have: it belongs to the first copy's event.
      received.push({ ...base, eventId: await eventIdOfMessage(deps, s.tenantId, s.duplicateOf), outcome: null });
      continue;
    }
    try {
      received.push({ ...base, ...(await processMessage(deps, s.tenantId, s.messageId, s.parsed)) });
    } catch (err) {
      deps.log.error({ messageId: s.messageId, err: messageOf(err) }, 'stored, but could not classify it yet; it will be retried');
      received.push({ ...base, eventId: null, outcome: null });
    }
  }
  return received;
}

/** Finishes messages that were stored but not processed (after a crash or a failure). Safe to re-run. */
export async function processPending(deps: Deps, batch = 200): Promise<number> {
  const { Message } = deps.db.models;
  let done = 0;
  let afterId = 0;
  for (;;) {
    const pending = await Message.findAll({
      where: { classifiedAt: null, id: { [Op.gt]: afterId } },
      attributes: ['id', 'tenantId', 'raw'],
      order: [['id', 'ASC']],
      limit: batch,
    });
    if (pending.length === 0) return done;
    for (const m of pending) {
      afterId = m.id;
      // Another process may have finished it meanwhile; the event link says so (and its unique
      // index stops a second event if two processes race past this check).
      if ((await eventIdOfMessage(deps, m.tenantId, m.id)) !== null) continue;
      try {
        await processMessage(deps, m.tenantId, m.id, await parseMessage(m.raw));
        done++;
      } catch (err) {
        deps.log.error({ messageId: m.id, err: messageOf(err) }, 'could not process a stored message');
      }
    }
  }
}
