// Did the replay classify each message as its tags say (docs/tags.md)? Field by field, over
// the messages DaTamer stores on their own; a message lost or rejected is wrong in every field.
import { outcomeOf, storedOriginals, type ReplayIndex } from './replay-index.js';
import type { ReplayMessage } from './replay-input.js';
import { share, type Share } from './share.js';
import type { ExpectedClassification, Schedule, Truth } from './truth-types.js';

export const CLASSIFICATION_FIELDS = ['severity', 'org', 'servers', 'schedule'] as const;
export type ClassificationField = (typeof CLASSIFICATION_FIELDS)[number];

export interface ClassificationMismatch {
  index: number;
  /** the field that differs, or `message` when the message has no classification at all */
  field: ClassificationField | 'message';
  expected: unknown;
  got: unknown;
}

export interface ClassificationScore {
  /** messages scored: not rejected, not repeats */
  messages: number;
  fields: Record<ClassificationField, Share>;
  /** messages right in all four fields */
  allFour: Share;
  /** the first mismatches in mbox order (at most `mismatchLimit`) */
  mismatches: ClassificationMismatch[];
  /** how many mismatches there are in all (one per wrong field; one per unclassified message) */
  mismatchCount: number;
}

type Got = NonNullable<ReplayMessage['classification']>;

export function sameServers(expected: readonly string[], got: readonly string[]): boolean {
  const a = new Set(expected);
  const b = new Set(got);
  return a.size === b.size && [...a].every((s) => b.has(s));
}

export function sameSchedule(expected: Schedule | null, got: Schedule | null): boolean {
  if (expected === null || got === null) return expected === got;
  return expected.period === got.period && expected.n === got.n && expected.v === got.v;
}

const RIGHT: Record<ClassificationField, (expected: ExpectedClassification, got: Got) => boolean> = {
  severity: (e, g) => e.severity === g.severity,
  org: (e, g) => e.org === g.org,
  servers: (e, g) => sameServers(e.servers, g.servers),
  schedule: (e, g) => sameSchedule(e.schedule, g.schedule),
};

export function scoreClassification(truth: Truth, replay: ReplayIndex, mismatchLimit = 10): ClassificationScore {
  const messages = storedOriginals(truth);
  const right: Record<ClassificationField, number> = { severity: 0, org: 0, servers: 0, schedule: 0 };
  let allFour = 0;
  let mismatchCount = 0;
  const mismatches: ClassificationMismatch[] = [];
  const note = (m: ClassificationMismatch) => {
    mismatchCount++;
    if (mismatches.length < mismatchLimit) mismatches.push(m);
  };
  for (const message of messages) {
    const outcome = outcomeOf(message.index, replay);
    const got = outcome.line?.classification ?? null;
    if (got === null) {
      note({ index: message.index, field: 'message', expected: 'classified', got: outcome.line === null ? outcome.why : 'not classified' });
      continue;
    }
    let all = true;
    for (const field of CLASSIFICATION_FIELDS) {
      if (RIGHT[field](message.expected, got)) right[field]++;
      else {
        all = false;
        note({ index: message.index, field, expected: message.expected[field], got: got[field] });
      }
    }
    if (all) allFour++;
  }
  const n = messages.length;
  return {
    messages: n,
    fields: {
      severity: share(right.severity, n),
      org: share(right.org, n),
      servers: share(right.servers, n),
      schedule: share(right.schedule, n),
    },
    allFour: share(allFour, n),
    mismatches,
    mismatchCount,
  };
}
