// The replay's lines looked up by the mbox index they are about: every score compares a
// truth message with the line(s) the replay printed for the same index.
import type { Replay, ReplayMessage, ReplayRejected } from './replay-input.js';
import type { Truth, TruthMessage } from './truth-types.js';

export interface ReplayIndex {
  /** message lines per index, in file order (more than one: the message was doubled) */
  messages: Map<number, ReplayMessage[]>;
  rejected: Map<number, ReplayRejected[]>;
}

export function indexReplay(replay: Replay): ReplayIndex {
  return { messages: groupByIndex(replay.messages), rejected: groupByIndex(replay.rejected) };
}

function groupByIndex<T extends { index: number }>(lines: readonly T[]): Map<number, T[]> {
  const byIndex = new Map<number, T[]>();
  for (const line of lines) {
    const list = byIndex.get(line.index);
    if (list) list.push(line);
    else byIndex.set(line.index, [line]);
  }
  return byIndex;
}

/**
 * The messages DaTamer must store and classify on their own, and that are scored: not rejected,
 * not a repeat of an earlier one (a repeat shows its first copy's classification and event, so
 * it would count twice), not history (before the truth's `scoredFrom`: replayed so that the
 * tenant has run a while, not scored).
 */
export function storedOriginals(truth: Truth): TruthMessage[] {
  const from = truth.scoredFrom === null ? null : Date.parse(truth.scoredFrom);
  return allStoredOriginals(truth).filter((m) => from === null || Date.parse(m.at) >= from);
}

/** Every stored original, history included: what an event may hold besides the scored mail. */
export function allStoredOriginals(truth: Truth): TruthMessage[] {
  return truth.messages.filter((m) => !m.rejected && m.duplicateOf === null).sort((a, b) => a.index - b.index);
}

/** What became of a truth message in the replay: its (first) message line, or why there is none. */
export type Outcome = { line: ReplayMessage } | { line: null; why: 'lost' | 'rejected' };

export function outcomeOf(index: number, replay: ReplayIndex): Outcome {
  const line = replay.messages.get(index)?.[0];
  if (line) return { line };
  return { line: null, why: replay.rejected.has(index) ? 'rejected' : 'lost' };
}
