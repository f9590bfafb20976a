// Keeps an event's title in step with its messages (docs/correlation.md, "The event's title"):
// when mail of the kind that opened an event joins it, or a merge or a split changes what it
// holds, the title is made again from the messages of that kind (src/correlation/event-title.ts)
// and written through the one changer of events (change.ts).
import { QueryTypes, type Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import { TITLE_MESSAGES, eventTitle, type TitleMessage } from '../correlation/event-title.js';
import { setEventTitle } from './change.js';

interface Row {
  id: number;
  subject: string | null;
  signature_id: number | null;
  grouping_keys: string | null;
  title?: string;
}

function hostsOf(keys: string | null): string[] {
  if (keys === null) return [];
  try {
    const parsed = JSON.parse(keys) as { hosts?: unknown; mentions?: unknown };
    return [...(Array.isArray(parsed.hosts) ? parsed.hosts : []), ...(Array.isArray(parsed.mentions) ? parsed.mentions : [])].filter((h): h is string => typeof h === 'string');
  } catch {
    return [];
  }
}

const asTitled = (row: Row): TitleMessage => ({ subject: row.subject, hosts: hostsOf(row.grouping_keys) });

/** Mail that joined one event in a commit: its signatures, and how many messages. */
interface Joining {
  kinds: ReadonlySet<number | null>;
  count: number;
}

/**
 * The signature of each recent event's opener, by event id (per database, in this process): mail
 * of another kind joining then costs no read at all, and most joins are of another kind (a
 * recovery, another check). A merge or a split here reads it again; one made by another process
 * can leave it stale, which at worst leaves a title as it was until the event's next change here.
 */
const openerKinds = new WeakMap<object, Map<number, number | null>>();
const OPENERS_KEPT = 50_000;

function openerKindsOf(deps: Deps): Map<number, number | null> {
  let kinds = openerKinds.get(deps.db);
  if (!kinds) openerKinds.set(deps.db, (kinds = new Map()));
  // Bounded: forgetting costs one read the next time.
  if (kinds.size > OPENERS_KEPT) kinds.clear();
  return kinds;
}

/** An event opened in this process: its opener's kind is known without a read. */
export function rememberOpener(deps: Deps, eventId: number, signatureId: number | null): void {
  openerKindsOf(deps).set(eventId, signatureId);
}

/**
 * Makes the title of an event of messages again. `joining`: after mail joined, only when mail of
 * the opener's kind did (mail of another kind leaves the title as it is, and costs no read once
 * the opener's kind is known).
 */
export async function retitleEvent(deps: Deps, tenantId: number, eventId: number, transaction: Transaction, joining?: Joining): Promise<void> {
  const query = (sql: string, bind: unknown[]) => deps.db.sequelize.query<Row>(sql, { type: QueryTypes.SELECT, bind, transaction });
  const select = 'SELECT m.id, m.subject, m.signature_id, em.grouping_keys, e.title FROM event_messages em JOIN events e ON e.id = em.event_id JOIN messages m ON m.id = em.message_id';
  const where = "em.tenant_id = $1 AND em.event_id = $2 AND e.kind = 'message'";
  // The message that opened it: its membership was made with the event. After a merge the event
  // holds another opener too, and after a split perhaps none: then its oldest message.
  const kinds = openerKindsOf(deps);
  const known = kinds.get(eventId);
  // null: its opener has no signature, and no join changes its title.
  if (joining && known !== undefined && (known === null || !joining.kinds.has(known))) return;
  const openerFirst = 'ORDER BY CASE WHEN em.created_at = e.created_at THEN 0 ELSE 1 END, em.id';
  // Enough to tell whether there are more than the title reads, and whether there were before.
  const limit = TITLE_MESSAGES + 1 + (joining?.count ?? 0);
  let opener: Row | undefined;
  let alike: Row[];
  if (joining && typeof known === 'number') {
    // Its opener's kind is known: one read, the opener first among the messages of its kind.
    alike = await query(`${select} WHERE ${where} AND m.signature_id = $3 ${openerFirst} LIMIT ${limit}`, [tenantId, eventId, known]);
    opener = alike[0];
    if (!opener) return;
  } else {
    [opener] = await query(`${select} WHERE ${where} ${openerFirst} LIMIT 1`, [tenantId, eventId]);
    if (!opener || opener.signature_id === null) {
      if (opener) kinds.set(eventId, null);
      else kinds.delete(eventId);
      return;
    }
    kinds.set(eventId, Number(opener.signature_id));
    if (joining && !joining.kinds.has(Number(opener.signature_id))) return;
    alike = await query(`${select} WHERE ${where} AND m.signature_id = $3 ORDER BY em.id LIMIT ${limit}`, [tenantId, eventId, opener.signature_id]);
  }
  // Joining an event that held more than TITLE_MESSAGES of its kind already changes nothing: its
  // title was made from the first ones when the one after them joined.
  if (joining && alike.length > TITLE_MESSAGES + joining.count) return;
  // The opener is among them, perhaps not first: it leads, its words are the title's.
  const others = alike.filter((r) => Number(r.id) !== Number(opener!.id)).slice(0, TITLE_MESSAGES - 1);
  const title = eventTitle([opener, ...others].map(asTitled), alike.length > TITLE_MESSAGES);
  if (title !== opener.title) await setEventTitle(deps, tenantId, eventId, title, transaction);
}

/** A message that joined an event in a commit. */
export interface Joined {
  tenantId: number;
  eventId: number;
  /** its signature */
  sig: number | null;
}

/** After a commit's grouping: the events that mail joined, once each. */
export async function retitleJoined(deps: Deps, joined: readonly Joined[], transaction: Transaction): Promise<void> {
  const byEvent = new Map<number, { tenantId: number; kinds: Set<number | null>; count: number }>();
  for (const j of joined) {
    const held = byEvent.get(j.eventId) ?? { tenantId: j.tenantId, kinds: new Set<number | null>(), count: 0 };
    held.kinds.add(j.sig);
    held.count++;
    byEvent.set(j.eventId, held);
  }
  for (const [eventId, { tenantId, ...joining }] of byEvent) await retitleEvent(deps, tenantId, eventId, transaction, joining);
}
