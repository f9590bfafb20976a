// The dataset truth as the scorer reads it: the generator's own schema (src/datasets/truth.ts),
// plus the checks every score depends on, so the scorer checks what it is given instead of
// trusting it.
import type { z } from 'zod';
import { scheduleSchema, truthSchema as generatedTruth, type Expected } from '../datasets/truth.js';

export { type Incident, type QuietStream, type ScheduleAlert, type TruthMessage } from '../datasets/truth.js';
export type Schedule = z.infer<typeof scheduleSchema>;
export type ExpectedClassification = Expected;

export const truthSchema = generatedTruth.superRefine((truth, ctx) => {
  // Every later check keys on the index: two messages claiming one position make any score wrong.
  const seen = new Set<number>();
  truth.messages.forEach((m, i) => {
    if (seen.has(m.index)) ctx.addIssue({ code: 'custom', path: ['messages', i, 'index'], message: `index ${m.index} appears twice` });
    seen.add(m.index);
  });
  truth.messages.forEach((m, i) => {
    if (m.duplicateOf !== null && !seen.has(m.duplicateOf)) {
      ctx.addIssue({ code: 'custom', path: ['messages', i, 'duplicateOf'], message: `points at index ${m.duplicateOf}, which is not in the truth` });
    }
  });
});

export type Truth = z.infer<typeof truthSchema>;
