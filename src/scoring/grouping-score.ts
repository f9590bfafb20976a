// How well the replay's events group messages by incident (docs/scoring.md). The truth
// clustering: the messages of one incident together, the messages of one routine problem (a
// check's PROBLEM, re-notifications and RECOVERY) together, every other routine message alone. The replay's:
// each stored message in the event its message line names. A repeat counts with its first copy
// (it is not scored twice); a message with no event (lost, rejected, not processed) is alone.
import { compareClusterings, type ClusteringAgreement, type Label } from './cluster-metrics.js';
import { outcomeOf, storedOriginals, type ReplayIndex } from './replay-index.js';
import type { Truth } from './truth-types.js';

export interface NoiseReduction {
  /** 1 − events ÷ messages */
  achieved: number;
  /** 1 − (incidents + routine problems + other routine messages) ÷ messages: what a perfect grouping reaches */
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
  // A routine problem's mail (its PROBLEM, re-notifications and RECOVERY) is one problem too.
  const truthLabels: Label[] = messages.map((m) => m.incident ?? m.problem ?? m.index);
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
  const problems = new Set(messages.filter((m) => m.incident === null && m.problem !== null).map((m) => m.problem)).size;
  const alone = messages.filter((m) => m.incident === null && m.problem === null).length;
  return {
    messages: messages.length,
    incidents,
    routine,
    events,
    withoutEvent,
    ...compareClusterings(truthLabels, predicted),
    noiseReduction: noiseReduction(messages.length, events, incidents + problems + alone),
  };
}
