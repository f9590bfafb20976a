// The self-watch's memory, kept in job_cursors: one named number per fact ("the last hour a
// heartbeat was queued for tenant 3", "the stuck outbox of tenant 3 has been reported").
// Changes are compare-and-set, so of two DaTamer processes running the same check at the same
// moment exactly one sees its change take effect, and only that one queues the mail.
export { compareAndSet, readMark } from '../job-cursors.js';

export const markName = {
  heartbeat: (tenantId: number) => `self:heartbeat:${tenantId}`,
  outboxReported: (tenantId: number) => `self:outbox-reported:${tenantId}`,
  mailboxFailingSince: (mailboxId: number) => `self:mailbox-failing-since:${mailboxId}`,
  mailboxReported: (mailboxId: number) => `self:mailbox-reported:${mailboxId}`,
  digestReported: (tenantId: number) => `self:digest-reported:${tenantId}`,
};
