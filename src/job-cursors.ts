// Named numbers in job_cursors that jobs keep between runs (where a reader got to, what was
// already reported), changed compare-and-set: of two DaTamer processes doing the same work at the
// same moment, exactly one sees its change take effect, and only that one acts on it.
import { type Transaction } from 'sequelize';
import type { Deps } from './deps.js';

/** A mark that was never written reads as 0. */
export async function readMark(deps: Deps, name: string, transaction?: Transaction): Promise<number> {
  const row = await deps.db.models.JobCursor.findOne({ where: { name }, transaction });
  return row?.position ?? 0;
}

/**
 * Sets the mark to `next` only if it still is `expected`; true when this call changed it. A
 * concurrent first write loses on the primary key (the caller's transaction then fails and
 * rolls back, which is what the loser wants).
 */
export async function compareAndSet(deps: Deps, name: string, expected: number, next: number, transaction: Transaction): Promise<boolean> {
  const { JobCursor } = deps.db.models;
  const [changed] = await JobCursor.update({ position: next }, { where: { name, position: expected }, transaction });
  if (changed === 1) return true;
  if (expected !== 0) return false;
  if (await JobCursor.findOne({ where: { name }, transaction })) return false;
  await JobCursor.create({ name, position: next }, { transaction });
  return true;
}
