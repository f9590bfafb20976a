// One MSE, end to end: every way mail arrives (the SMTP listener, `datamer import`,
// `datamer replay`, later the mailbox providers) goes through here, so they all behave alike.
//
//   1. parse and classify it (tags, rules), behind the fence (classification/fenced.ts)
//   2. in one transaction: store it exactly once, with its classification and its event
//      (on PostgreSQL in a single statement: ingest/commit-postgres.ts)
//
// When this resolves the messages are committed: the caller may acknowledge them. Should step 2
// fail for any reason but storage itself, the message is stored alone (classified_at null) and
// processPending() finishes it later: a bug in classification can never cost a message.
import { Op, type Transaction } from 'sequelize';
import { classificationColumns, unclassifiedOutcome, type Outcome } from './classification/classifier.js';
import { classifyFenced, type RuleSet } from './classification/fenced.js';
import { recordHits, tenantRuleSet } from './classification/rule-store.js';
import type { Deps } from './deps.js';
import { signMessages } from './correlation/signature-store.js';
import { messageOf } from './errors.js';
import { groupingKeysOf } from './correlation/grouping-keys.js';
import { messageEventColumns, ormGroupingWriter } from './events/create.js';
import { groupingTransaction, type GroupingSession } from './events/grouping-session.js';
import { commitClassifiedOnPostgres } from './ingest/commit-postgres.js';
import type { Committed } from './ingest/commit-rows.js';
import { commitClassifiedOnSqlite } from './ingest/commit-sqlite.js';
import type { ParsedMessage } from './ingest/parse.js';
import { prepareArrival, storeAlone, type Arrival, type Incoming, type Prepared, type Stored } from './ingest/store.js';
import { isOwnHeartbeat } from './selfwatch/own-heartbeat.js';

export type { Arrival, Incoming, Stored };

export interface Received extends Stored {
  /** null when processing failed (the message is stored and will be processed again), or for a heartbeat */
  eventId: number | null;
  /** how it was classified; null for a duplicate delivery, or when processing failed */
  outcome: Outcome | null;
  /** DaTamer's own heartbeat: stored and counted in its stream, no event, filed nowhere */
  heartbeat: boolean;
  /** why it is in its event (docs/correlation.md); null for a re-delivery, a heartbeat, or when processing failed */
  reason?: string | null;
  /** it opened its event; false when it joined one (or has none) */
  opened?: boolean;
}

/**
 * Parses (unless the arrival was parsed already) and classifies a message behind the fence.
 * Null when its classification failed for a reason of DaTamer's own (its rules could not be
 * read, a bug): it is then stored alone and finished by processPending().
 */
async function parseAndClassify(deps: Deps, arrival: Incoming, rules: Promise<RuleSet>): Promise<{ parsed: ParsedMessage | null; outcome: Outcome | null }> {
  try {
    const { parsed, outcomes } = await classifyFenced(arrival.parsed ? { parsed: arrival.parsed } : { raw: arrival.raw ?? { file: arrival.file } }, [await rules]);
    return { parsed, outcome: outcomes[0]! };
  } catch (err) {
    deps.log.error({ err: messageOf(err) }, 'could not classify a message; it is stored and will be retried');
    return { parsed: null, outcome: null };
  }
}

/**
 * Gives classified messages their signature (docs/correlation.md), before they are committed.
 * A failure here costs the messages their signature only, never the messages.
 */
async function sign(deps: Deps, tenantIds: number[], outcomes: Array<Outcome | null>): Promise<void> {
  // A message that could not be read at all has no tokens, and no signature.
  const items = outcomes.flatMap((o, i) => (o && o.signatureTokens.length > 0 ? [{ outcome: o, tenantId: tenantIds[i]!, tokens: o.signatureTokens }] : []));
  if (items.length === 0) return;
  try {
    const ids = await signMessages(deps, items);
    items.forEach((item, k) => (item.outcome.signatureId = ids[k]!));
  } catch (err) {
    deps.log.error({ err: messageOf(err) }, 'could not sign messages; they are stored without a signature');
  }
}

/** What a classified message leads to, in its transaction: rule hits and its event (grouped as the commit path groups). */
async function followUp(deps: Deps, tenantId: number, messageId: number, subject: string | null, outcome: Outcome, at: Date, transaction: Transaction, grouping: GroupingSession): Promise<void> {
  await recordHits(deps, tenantId, outcome.matchedRuleIds, at, transaction);
  await grouping.read(at);
  const eventRow = messageEventColumns({ tenantId, subject, classification: outcome.classification, at });
  grouping.place({ tenantId, messageId, keys: groupingKeysOf(outcome, outcome.group), at, eventRow });
  await grouping.write(ormGroupingWriter(deps, transaction));
}

const commitClassified = (deps: Deps) => (deps.db.dialect === 'postgres' ? commitClassifiedOnPostgres : commitClassifiedOnSqlite);

/**
 * The most messages committed in one statement: 250 × the ~40 columns of a message and its event
 * stays under SQLite's 32,766 bound parameters (PostgreSQL allows 65,535). A bigger delivery
 * (an IMAP backlog batch) is committed in slices; its caller acknowledges after the last.
 */
export const MAX_COMMIT = 250;

/** How many times processPending() tries a message before giving up on it (docs/operations.md). */
export const PENDING_ATTEMPTS = 5;

export async function receive(deps: Deps, arrivals: Incoming[]): Promise<Received[]> {
  const now = deps.clock.now();
  const rules = new Map<number, Promise<RuleSet>>();
  const rulesOf = (tenantId: number) => rules.get(tenantId) ?? rules.set(tenantId, tenantRuleSet(deps, tenantId)).get(tenantId)!;
  // Every message goes to the fence threads at once, and they finish them in order: while one
  // slice is committed here, the next is being parsed and classified.
  const preparing = arrivals.map(async (arrival) => {
    const { parsed, outcome } = await parseAndClassify(deps, arrival, rulesOf(arrival.tenantId));
    return { p: await prepareArrival(parsed ? { ...arrival, parsed } : arrival, now), outcome };
  });
  const received: Received[] = [];
  for (let i = 0; i < arrivals.length; i += MAX_COMMIT) received.push(...(await commitSlice(deps, await Promise.all(preparing.slice(i, i + MAX_COMMIT)))));
  return received;
}

/** Commits at most MAX_COMMIT classified messages, in one transaction. */
async function commitSlice(deps: Deps, slice: Array<{ p: Prepared; outcome: Outcome | null }>): Promise<Received[]> {
  const all = slice.map((s) => s.p);
  const classified = slice.map((s) => s.outcome);
  await sign(deps, all.map((p) => p.arrival.tenantId), classified);
  // DaTamer's own heartbeats (one an hour) feed their stream only: stored classified, no event.
  const isHeartbeat = all.map((p, i) => classified[i] !== null && isOwnHeartbeat(p.parsed.headers, classified[i]!.classification.org));
  const heartbeats = all.filter((_, i) => isHeartbeat[i]);
  const storedHeartbeats = heartbeats.length > 0 ? await storeAlone(deps, heartbeats, classified.filter((_, i) => isHeartbeat[i]) as Outcome[]) : [];
  const prepared = all.filter((_, i) => !isHeartbeat[i]);
  const outcomes = classified.filter((_, i) => !isHeartbeat[i]);
  const received = prepared.length > 0 ? await commitMessages(deps, prepared, outcomes) : [];
  return all.map((p, i) => {
    if (!isHeartbeat[i]) return received.shift()!;
    const c = storedHeartbeats.shift()!;
    return { tenantId: p.arrival.tenantId, ...c, outcome: c.duplicateOf === null ? classified[i]! : null, heartbeat: true };
  });
}

async function commitMessages(deps: Deps, prepared: Prepared[], outcomes: Array<Outcome | null>): Promise<Received[]> {

  let committed: Committed[];
  try {
    const classified = prepared.map((p, i) => ({ p, outcome: outcomes[i]! }));
    committed = outcomes.every((o) => o !== null) ? await commitClassified(deps)(deps, classified) : await storeAlone(deps, prepared);
  } catch (err) {
    deps.log.error({ err: messageOf(err) }, 'could not store messages with their events; storing them alone');
    outcomes.fill(null);
    committed = await storeAlone(deps, prepared);
  }
  return committed.map((c, i) => ({
    tenantId: prepared[i]!.arrival.tenantId,
    ...c,
    outcome: c.duplicateOf === null && c.eventId !== null ? outcomes[i]! : null,
    heartbeat: false,
  }));
}

/**
 * Finishes messages that were stored but not processed (after a crash or a failure). Safe to
 * re-run. Each message is tried at most `attempts` times (each try is counted before it is made,
 * so a try that takes the process down counts too); the last try that still cannot classify it
 * gives it its event unclassified, with a note saying why, and then it is not tried again.
 */
export async function processPending(deps: Deps, options: { batch?: number; attempts?: number } = {}): Promise<number> {
  const { Message } = deps.db.models;
  const batch = options.batch ?? 200;
  const attempts = options.attempts ?? PENDING_ATTEMPTS;
  let done = 0;
  let afterId = 0;
  for (;;) {
    const pending = await Message.findAll({
      where: { classifiedAt: null, classifyAttempts: { [Op.lt]: attempts }, id: { [Op.gt]: afterId } },
      attributes: ['id', 'tenantId', 'raw', 'subject', 'classifyAttempts'],
      order: [['id', 'ASC']],
      limit: batch,
    });
    if (pending.length === 0) return done;
    for (const m of pending) {
      afterId = m.id;
      await Message.increment('classifyAttempts', { where: { id: m.id, tenantId: m.tenantId, classifiedAt: null } });
      const last = m.classifyAttempts + 1 >= attempts;
      const tried = await parseAndClassify(deps, { tenantId: m.tenantId, mailboxId: null, raw: m.raw, source: 'smtp' }, tenantRuleSet(deps, m.tenantId));
      if (!tried.outcome && !last) continue;
      const outcome = tried.outcome ?? unclassifiedOutcome(`not classified: it could not be classified in ${attempts} attempts (see the log)`);
      const { parsed } = tried;
      await sign(deps, [m.tenantId], [outcome]);
      try {
        await groupingTransaction(deps, [m.tenantId], async (transaction, grouping) => {
          // Claimed by the conditional update: of two processes, only one finds it unprocessed.
          const at = deps.clock.now();
          const [claimed] = await Message.update(classificationColumns(outcome, at), {
            where: { id: m.id, tenantId: m.tenantId, classifiedAt: null },
            transaction,
          });
          // A heartbeat stored alone is classified, and makes no event either.
          if (claimed === 1 && !(parsed && isOwnHeartbeat(parsed.headers, outcome.classification.org))) await followUp(deps, m.tenantId, m.id, parsed?.subject ?? m.subject, outcome, at, transaction, grouping);
        });
        done++;
      } catch (err) {
        deps.log.error({ messageId: m.id, err: messageOf(err) }, last ? `could not process a stored message; tried ${attempts} times, it is not tried again` : 'could not process a stored message');
      }
    }
  }
}
