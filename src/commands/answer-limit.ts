// How often DaTamer answers one user's replies that applied nothing (no command, a problem, not
// allowed): at most `answersPerHour` an hour (DATAMER_ANSWERS_PER_HOUR, docs/operations.md); the
// next answer says DaTamer falls silent, and further such replies within the hour are recorded but
// not answered. A robot DaTamer cannot recognise (a vacation reply without RFC 3834 headers, which
// answers every answer) applies no command, so it gets a few answers, not one every few seconds;
// an engineer's commands that apply are always answered.
import { Op } from 'sequelize';
import type { Deps } from '../deps.js';

export const DEFAULT_ANSWERS_PER_HOUR = 5;
const HOUR_MS = 60 * 60_000;

/** The limit DaTamer was configured with (src/config.ts), or the default. */
export const answersPerHourOf = (deps: Deps): number => deps.answersPerHour ?? DEFAULT_ANSWERS_PER_HOUR;

export type AnswerAllowance = { answer: true; quietUntil: Date | null } | { answer: false; quietUntil: Date };

/** May DaTamer answer this user's reply that applied nothing, and is it the last answer for a while? */
export async function answerAllowance(deps: Deps, tenantId: number, userId: number): Promise<AnswerAllowance> {
  const limit = answersPerHourOf(deps);
  const now = deps.clock.now();
  const answered = await deps.db.models.CommandMail.findAll({
    where: { tenantId, userId, status: 'refused', replyOutboxId: { [Op.ne]: null }, receivedAt: { [Op.gt]: new Date(now.getTime() - HOUR_MS) } },
    attributes: ['receivedAt'],
    order: [['receivedAt', 'ASC'], ['id', 'ASC']],
  });
  // The hour counts from the oldest answer in it: once that one is an hour old, there is room again.
  // `answered` counts the answer that said DaTamer falls silent too: `limit` answers, then that one.
  const quietUntil = new Date((answered[0]?.receivedAt.getTime() ?? now.getTime()) + HOUR_MS);
  if (answered.length > limit) return { answer: false, quietUntil };
  return { answer: true, quietUntil: answered.length === limit ? quietUntil : null };
}
