// The self-watch's memory, kept in job_cursors: one named number per fact ("the last hour a
// heartbeat was queued for tenant 3", "the stuck outbox of tenant 3 has been reported").
// Changes are compare-and-set, so of two DaTamer processes running the same check at the same
// moment exactly one sees its change take effect, and only that one queues the mail.
import { type Transaction } from 'sequelize';
import type { Deps } from '../deps.js';

export const markName = {
  heartbeat: (tenantId: number) => `self:heartbeat:${tenantId}`,
  outboxReported: (tenantId: number) => `self:outbox-reported:${tenantId}`,
  mailboxFailingSince: (mailboxId: number) => `self:mailbox-failing-since:${mailboxId}`,
  mailboxReported: (mailboxId: number) => `self:mailbox-reported:${mailboxId}`,
};

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
