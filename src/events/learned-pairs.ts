// The kinds of mail grouping learned together (docs/correlation.md, "What grouping
// remembers"): the one module that writes `learned_pairs`. A pair is written in the commit of
// the message that taught it, and read back with the rest of a tenant's grouping memory. Rows
// older than grouping's learnedMs are deleted as new ones come, so a tenant keeps at most one
// row per pair of its kinds, for two weeks.
import { QueryTypes, type Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import type { LearnedPair } from '../correlation/grouping.js';

const stamp = (deps: Deps, ms: number) => (deps.db.dialect === 'sqlite' ? new Date(ms).toISOString().replace('T', ' ').replace('Z', ' +00:00') : new Date(ms));

/** Writes what a commit learned (the newest of each pair wins) and forgets the rows older than `keepMs`. */
export async function writeLearnedPairs(deps: Deps, tenantId: number, pairs: readonly LearnedPair[], keepMs: number, transaction: Transaction): Promise<void> {
  if (pairs.length === 0) return;
  const newest = new Map<string, LearnedPair>();
  for (const p of pairs) {
    const key = `${p.a}\u0000${p.b}`;
    const known = newest.get(key);
    if (!known || known.at <= p.at) newest.set(key, p);
  }
  const rows = [...newest.values()];
  const bind: unknown[] = [];
  const values = rows.map((p) => {
    bind.push(tenantId, p.a, p.b, p.eventId, stamp(deps, p.at));
    const n = bind.length;
    return `($${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`;
  });
  await deps.db.sequelize.query(
    `INSERT INTO learned_pairs (tenant_id, kind_a, kind_b, event_id, at) VALUES ${values.join(', ')}
     ON CONFLICT (tenant_id, kind_a, kind_b) DO UPDATE SET event_id = excluded.event_id, at = excluded.at`,
    { bind, transaction },
  );
  const last = Math.max(...rows.map((p) => p.at));
  await deps.db.sequelize.query('DELETE FROM learned_pairs WHERE tenant_id = $1 AND at < $2', { bind: [tenantId, stamp(deps, last - keepMs)], transaction });
}

/** A tenant's pairs learned since `since`, oldest first. */
export async function readLearnedPairs(deps: Deps, tenantId: number, since: number, transaction: Transaction): Promise<LearnedPair[]> {
  const rows = await deps.db.sequelize.query<{ kind_a: string; kind_b: string; event_id: number; at: unknown }>(
    'SELECT kind_a, kind_b, event_id, at FROM learned_pairs WHERE tenant_id = $1 AND at >= $2 ORDER BY at, id',
    { type: QueryTypes.SELECT, bind: [tenantId, stamp(deps, since)], transaction },
  );
  return rows.map((r) => ({ a: r.kind_a, b: r.kind_b, eventId: Number(r.event_id), at: (r.at instanceof Date ? r.at : new Date(String(r.at))).getTime() }));
}
