// How well the replay's events group messages by incident (docs/scoring.md). The truth
// clustering: the messages of one incident together, every routine message alone. The replay's:
// each stored message in the event its message line names. A repeat counts with its first copy
// (it is not scored twice); a message with no event (lost, rejected, not processed) is alone.
import { compareClusterings, type ClusteringAgreement, type Label } from './cluster-metrics.js';
import { outcomeOf, storedOriginals, type ReplayIndex } from './replay-index.js';
import type { Truth } from './truth-types.js';

export interface NoiseReduction {
  /** 1 − events ÷ messages */
  achieved: number;
  /** 1 − (incidents + routine messages) ÷ messages: what a perfect grouping reaches */
  ideal: number;
  /** achieved ÷ ideal; null when the ideal is 0 (nothing to group) */
  ratio: number | null;
}

export interface GroupingScore extends ClusteringAgreement {
  /** messages grouped: not rejected, not repeats */
  messages: number;
  /** incidents with at least one of those messages */
  incidents: number;
  routine: number;
  /** distinct events those messages are in (a message without an event counts as one) */
  events: number;
  /** messages with no event in the replay */
  withoutEvent: number;
  noiseReduction: NoiseReduction;
}

export function noiseReduction(messages: number, events: number, ideal: number): NoiseReduction {
  if (messages === 0) return { achieved: 0, ideal: 0, ratio: null };
  const achieved = 1 - events / messages;
  const best = 1 - ideal / messages;
  return { achieved, ideal: best, ratio: best === 0 ? null : achieved / best };
}

export function scoreGrouping(truth: Truth, replay: ReplayIndex): GroupingScore {
  const messages = storedOriginals(truth);
  // Numbers for the singletons, strings for incidents and event ids: the two never collide.
  const truthLabels: Label[] = messages.map((m) => m.incident ?? m.index);
  let withoutEvent = 0;
  const predicted: Label[] = messages.map((m) => {
    const eventId = outcomeOf(m.index, replay).line?.eventId ?? null;
    if (eventId !== null) return eventId;
    withoutEvent++;
    return m.index;
  });
  const incidents = new Set(messages.flatMap((m) => (m.incident === null ? [] : [m.incident]))).size;
  const routine = messages.filter((m) => m.incident === null).length;
  const events = new Set(predicted).size;
  return {
    messages: messages.length,
    incidents,
    routine,
    events,
    withoutEvent,
    ...compareClusterings(truthLabels, predicted),
    noiseReduction: noiseReduction(messages.length, events, incidents + routine),
  };
}
