// The truth that comes with a generated corpus (/docs/datasets.md): what DaTamer must make of
// every message, which messages an incident caused, and which schedule alerts it must (and must
// not) raise. The scorer (src/scoring) reads it through this schema.
import { z } from 'zod';

const iso = z.iso.datetime();

export const severitySchema = z.enum(['info', 'warn', 'critical']);
export const scheduleSchema = z.object({ period: z.enum(['hour', 'day', 'month']), n: z.number().int().min(0), v: z.number().int().min(0) }).strict();

export const expectedSchema = z
  .object({
    severity: severitySchema.nullable(),
    org: z.string().nullable(),
    servers: z.array(z.string()),
    schedule: scheduleSchema.nullable(),
  })
  .strict();

export const FLAGS = [
  'untagged', 'tagged', 'malformed-tag', 'duplicate', 'hostile', 'html-only', 'multipart', 'quoted-printable', 'base64',
  'non-ascii', 'no-message-id', 'recovery', 'renotification', 'scheduled', 'late', 'extra-run', 'empty',
] as const;

export const truthMessageSchema = z
  .object({
    index: z.number().int().min(0),
    messageId: z.string().nullable(),
    at: iso,
    tool: z.string(),
    expected: expectedSchema,
    tagWarnings: z.number().int().min(0),
    incident: z.string().nullable(),
    /** the routine problem (PROBLEM, re-notifications, RECOVERY of one check) it belongs to; null for other mail and in truths written before */
    problem: z.string().nullable().default(null),
    stream: z.string().nullable(),
    duplicateOf: z.number().int().min(0).nullable(),
    rejected: z.boolean(),
    flags: z.array(z.enum(FLAGS)),
  })
  .strict();

export const incidentSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    start: iso,
    end: iso,
    root: z.string(),
    messages: z.array(z.number().int().min(0)),
  })
  .strict();

export const routineProblemSchema = z
  .object({
    id: z.string(),
    /** the checks it is about, `tool|host|check` (an Alertmanager group: one per instance) */
    sources: z.array(z.string()),
    start: iso,
    end: iso,
    /** its RECOVERY is in the corpus (false: the corpus ends first) */
    recovered: z.boolean(),
    messages: z.array(z.number().int().min(0)),
  })
  .strict();

export const scheduleAlertSchema = z
  .object({
    stream: z.string(),
    condition: z.enum(['missing', 'excess']),
    raiseBy: iso,
    notBefore: iso,
    resolveBy: iso.nullable(),
  })
  .strict();

export const quietStreamSchema = z.object({ stream: z.string(), why: z.string() }).strict();

export const truthSchema = z
  .object({
    version: z.literal(1),
    seed: z.number().int(),
    days: z.number().positive(),
    scale: z.number().positive(),
    start: iso,
    end: iso,
    /** days of history before the scored part (`--history-days`): replayed, not scored */
    historyDays: z.number().min(0).default(0),
    /** the first instant scored: messages before it are history (null: all of it is scored) */
    scoredFrom: iso.nullable().default(null),
    messages: z.array(truthMessageSchema),
    incidents: z.array(incidentSchema),
    problems: z.array(routineProblemSchema).default([]),
    scheduleAlerts: z.array(scheduleAlertSchema),
    quietStreams: z.array(quietStreamSchema),
  })
  .strict();

export type Truth = z.infer<typeof truthSchema>;
export type TruthMessage = z.infer<typeof truthMessageSchema>;
export type Expected = z.infer<typeof expectedSchema>;
export type Flag = (typeof FLAGS)[number];
export type Incident = z.infer<typeof incidentSchema>;
export type RoutineProblem = z.infer<typeof routineProblemSchema>;
export type ScheduleAlert = z.infer<typeof scheduleAlertSchema>;
export type QuietStream = z.infer<typeof quietStreamSchema>;

/** The stream key of docs/schedules.md, as DaTamer names streams. */

export { streamKey } from '../schedules/stream-key.js';
