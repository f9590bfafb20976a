// The dataset truth (what `npm run dataset` writes beside its mbox) as the scorer reads it. The
// generator owns the format; this is the scorer's own small copy of it, so the scorer checks
// what it is given instead of trusting it. Unknown fields are ignored, so the generator may add.
import { z } from 'zod';

const severity = z.enum(['info', 'warn', 'critical']).nullable();
const isoTime = z.iso.datetime({ offset: true });

export const scheduleSchema = z.object({
  period: z.enum(['hour', 'day', 'month']),
  n: z.number().int().nonnegative(),
  v: z.number().int().nonnegative(),
});

export const expectedClassificationSchema = z.object({
  severity,
  org: z.string().nullable(),
  servers: z.array(z.string()),
  schedule: scheduleSchema.nullable(),
});

export const truthMessageSchema = z.object({
  index: z.number().int().nonnegative(),
  messageId: z.string().nullable(),
  at: isoTime,
  tool: z.string(),
  expected: expectedClassificationSchema,
  tagWarnings: z.number().int().nonnegative(),
  incident: z.string().nullable(),
  stream: z.string().nullable(),
  duplicateOf: z.number().int().nonnegative().nullable(),
  rejected: z.boolean(),
  flags: z.array(z.string()),
});

export const incidentSchema = z.object({
  id: z.string(),
  kind: z.string(),
  start: isoTime,
  end: isoTime,
  root: z.string(),
  messages: z.array(z.number().int().nonnegative()),
});

export const scheduleAlertSchema = z.object({
  stream: z.string(),
  condition: z.enum(['missing', 'excess']),
  raiseBy: isoTime,
  notBefore: isoTime,
  resolveBy: isoTime.nullable(),
});

export const quietStreamSchema = z.object({ stream: z.string(), why: z.string() });

export const truthSchema = z
  .object({
    version: z.literal(1),
    seed: z.number(),
    days: z.number(),
    scale: z.number(),
    start: isoTime,
    end: isoTime,
    messages: z.array(truthMessageSchema),
    incidents: z.array(incidentSchema),
    scheduleAlerts: z.array(scheduleAlertSchema),
    quietStreams: z.array(quietStreamSchema),
  })
  .superRefine((truth, ctx) => {
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

export type Schedule = z.infer<typeof scheduleSchema>;
export type ExpectedClassification = z.infer<typeof expectedClassificationSchema>;
export type TruthMessage = z.infer<typeof truthMessageSchema>;
export type Incident = z.infer<typeof incidentSchema>;
export type ScheduleAlert = z.infer<typeof scheduleAlertSchema>;
export type QuietStream = z.infer<typeof quietStreamSchema>;
export type Truth = z.infer<typeof truthSchema>;
