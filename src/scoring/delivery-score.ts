// Was every message of the mbox accounted for exactly once, rejected when it must be, and
// recognised as a repeat when it is one? Any entry here is a bug, however good the rest looks.
import type { ReplayIndex } from './replay-index.js';
import type { Truth } from './truth-types.js';

export interface DuplicateMismatch {
  index: number;
  /** the truth's first copy (null: not a repeat) */
  expected: number | null;
  /** what the replay's line says */
  got: number | null;
}

export interface DeliveryScore {
  /** messages in the truth (the whole mbox) */
  messages: number;
  /** indexes with no line at all */
  lost: number[];
  /** indexes with more than one line (message or rejected) */
  doubled: number[];
  /** indexes the replay printed that the truth does not have */
  unknown: number[];
  /** rejected by the replay, stored per the truth */
  unexpectedRejections: number[];
  /** stored by the replay, to be rejected per the truth */
  storedRejections: number[];
  /** repeats the replay did not recognise, or took for a repeat of another message */
  duplicatesMissed: DuplicateMismatch[];
  /** messages the replay took for a repeat that the truth says are originals */
  falseDuplicates: DuplicateMismatch[];
}

export function scoreDelivery(truth: Truth, replay: ReplayIndex): DeliveryScore {
  const score: DeliveryScore = {
    messages: truth.messages.length,
    lost: [],
    doubled: [],
    unknown: [],
    unexpectedRejections: [],
    storedRejections: [],
    duplicatesMissed: [],
    falseDuplicates: [],
  };
  const known = new Set(truth.messages.map((m) => m.index));
  for (const message of [...truth.messages].sort((a, b) => a.index - b.index)) {
    const lines = replay.messages.get(message.index) ?? [];
    const rejections = replay.rejected.get(message.index) ?? [];
    const seen = lines.length + rejections.length;
    if (seen === 0) score.lost.push(message.index);
    if (seen > 1) score.doubled.push(message.index);
    if (rejections.length > 0 && !message.rejected) score.unexpectedRejections.push(message.index);
    if (lines.length > 0 && message.rejected) score.storedRejections.push(message.index);
    const line = lines[0];
    if (line === undefined || message.rejected) continue;
    if (message.duplicateOf !== null && line.duplicateOf !== message.duplicateOf) {
      score.duplicatesMissed.push({ index: message.index, expected: message.duplicateOf, got: line.duplicateOf });
    }
    if (message.duplicateOf === null && line.duplicateOf !== null) {
      score.falseDuplicates.push({ index: message.index, expected: null, got: line.duplicateOf });
    }
  }
  const printed = new Set([...replay.messages.keys(), ...replay.rejected.keys()]);
  score.unknown = [...printed].filter((i) => !known.has(i)).sort((a, b) => a - b);
  return score;
}

/** True when every message was accounted for exactly once and as the truth says. */
export function deliveryClean(score: DeliveryScore): boolean {
  return (
    score.lost.length +
      score.doubled.length +
      score.unknown.length +
      score.unexpectedRejections.length +
      score.storedRejections.length +
      score.duplicatesMissed.length +
      score.falseDuplicates.length ===
    0
  );
}
