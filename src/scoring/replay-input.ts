// Reading a `datamer replay` output (docs/replay.md) for scoring. Each line is checked, so a
// truncated or hand-edited file fails with the line that is wrong instead of scoring garbage.
// Line types this scorer does not know are skipped: a later replay may print more.
import { z } from 'zod';
import { scheduleSchema } from '../datasets/truth.js';

const isoTime = z.iso.datetime({ offset: true });

const messageLineSchema = z.object({
  type: z.literal('message'),
  index: z.number().int().nonnegative(),
  messageId: z.string().nullable(),
  receivedAt: isoTime,
  classification: z
    .object({
      severity: z.enum(['info', 'warn', 'critical']).nullable(),
      org: z.string().nullable(),
      servers: z.array(z.string()),
      schedule: scheduleSchema.nullable(),
      by: z.string(),
    })
    .nullable(),
  tagWarnings: z.array(z.unknown()).nullable(),
  eventId: z.string().nullable(),
  duplicateOf: z.number().int().nonnegative().nullable(),
});

const rejectedLineSchema = z.object({ type: z.literal('rejected'), index: z.number().int().nonnegative(), reason: z.string() });

const eventLineSchema = z.object({
  type: z.literal('event'),
  id: z.string(),
  kind: z.string(),
  createdAt: isoTime,
  stream: z.string().nullable(),
});

const eventResolvedLineSchema = z.object({ type: z.literal('event-resolved'), id: z.string(), at: isoTime });

const eventMergedLineSchema = z.object({ type: z.literal('event-merged'), id: z.string(), into: z.string(), at: isoTime });

const knownLine = z.discriminatedUnion('type', [messageLineSchema, rejectedLineSchema, eventLineSchema, eventResolvedLineSchema, eventMergedLineSchema]);

export type ReplayMessage = z.infer<typeof messageLineSchema>;
export type ReplayRejected = z.infer<typeof rejectedLineSchema>;
export type ReplayEvent = z.infer<typeof eventLineSchema>;
export type ReplayResolved = z.infer<typeof eventResolvedLineSchema>;

/** A replay's lines, sorted by type, each list in file order. */
export interface Replay {
  messages: ReplayMessage[];
  rejected: ReplayRejected[];
  events: ReplayEvent[];
  resolved: ReplayResolved[];
}

const KNOWN = new Set(['message', 'rejected', 'event', 'event-resolved', 'event-merged']);

/**
 * Parses JSON Lines; throws an Error naming the first bad line (1-based) and what is wrong. A
 * message's event is where it ended: an event grouping merged later (an `event-merged` line)
 * counts as the event it merged into.
 */
export function parseReplay(text: string): Replay {
  const replay: Replay = { messages: [], rejected: [], events: [], resolved: [] };
  const mergedInto = new Map<string, string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new Error(`line ${i + 1} is not JSON`);
    }
    const type = (value as { type?: unknown } | null)?.type;
    if (typeof type !== 'string') throw new Error(`line ${i + 1} has no "type"`);
    if (!KNOWN.has(type)) continue;
    const parsed = knownLine.safeParse(value);
    if (!parsed.success) throw new Error(`line ${i + 1} (${type}): ${firstIssue(parsed.error)}`);
    const line = parsed.data;
    if (line.type === 'message') replay.messages.push(line);
    else if (line.type === 'rejected') replay.rejected.push(line);
    else if (line.type === 'event') replay.events.push(line);
    else if (line.type === 'event-merged') mergedInto.set(line.id, line.into);
    else replay.resolved.push(line);
  }
  const final = (id: string) => {
    for (let hops = 0; mergedInto.has(id) && hops <= mergedInto.size; hops++) id = mergedInto.get(id)!;
    return id;
  };
  if (mergedInto.size > 0) for (const m of replay.messages) if (m.eventId !== null) m.eventId = final(m.eventId);
  return replay;
}

/** The first problem zod found, as "path: message". */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  return `${where}: ${issue.message}`;
}
