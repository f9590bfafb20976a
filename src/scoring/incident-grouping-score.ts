// Grouping scored over the incidents' mail (docs/scoring.md, Grouping over incidents). The
// all-message scores are dominated by routine mail, which a grouping that does nothing already
// leaves alone; these look at the mail that should be grouped, and at what an event that holds
// it holds besides:
//
// - B-cubed over incident messages: an item's precision is the share of its whole event (routine
//   mail and other incidents' mail included) that is its incident's; its recall the share of its
//   incident in its event;
// - pairwise F1 over the pairs of incident messages;
// - noise reduction over incident messages, beside its ideal (one event per incident);
// - over-merge rate: the share of events holding incident mail that also hold mail of another
//   incident or routine mail (the dangerous error: it hides an incident); routine swallowed: the
//   routine messages in such events;
// - fragmentation: events per incident.
import { f1, pairs, type PrecisionRecall } from './cluster-metrics.js';
import { noiseReduction, type NoiseReduction } from './grouping-score.js';
import { allStoredOriginals, outcomeOf, storedOriginals, type ReplayIndex } from './replay-index.js';
import type { Truth } from './truth-types.js';

export interface IncidentGroupingScore {
  /** incident messages scored (stored originals of an incident) */
  messages: number;
  incidents: number;
  /** distinct events holding them */
  events: number;
  bcubed: PrecisionRecall;
  pairwise: PrecisionRecall;
  noiseReduction: NoiseReduction;
  /** events holding incident mail that also hold mail of another incident or routine mail */
  overMerged: number;
  /** overMerged ÷ events; 0 when there are no events */
  overMergeRate: number;
  /** routine messages in events that hold incident mail */
  routineSwallowed: number;
  /** events per incident, on average (1 is ideal) */
  fragmentation: number;
}

const share = (count: number, of: number) => (of === 0 ? 1 : count / of);

export function scoreIncidentGrouping(truth: Truth, replay: ReplayIndex): IncidentGroupingScore {
  const messages = storedOriginals(truth);
  // Every stored original's event (alone when it has none), and what each event holds: history
  // included, so an incident's event that took in yesterday's routine mail counts as over-merged.
  const eventOf = (index: number) => outcomeOf(index, replay).line?.eventId ?? `alone:${index}`;
  const members = new Map<string, Map<string, number>>();
  for (const m of allStoredOriginals(truth)) {
    const event = eventOf(m.index);
    const cluster = m.incident ?? `routine:${m.index}`;
    const held = members.get(event) ?? members.set(event, new Map()).get(event)!;
    held.set(cluster, (held.get(cluster) ?? 0) + 1);
  }
  const incidentMail = messages.filter((m) => m.incident !== null);
  const incidentSize = new Map<string, number>();
  for (const m of incidentMail) incidentSize.set(m.incident!, (incidentSize.get(m.incident!) ?? 0) + 1);

  let precision = 0;
  let recall = 0;
  const events = new Set<string>();
  const eventsPerIncident = new Map<string, Set<string>>();
  for (const m of incidentMail) {
    const event = eventOf(m.index);
    events.add(event);
    (eventsPerIncident.get(m.incident!) ?? eventsPerIncident.set(m.incident!, new Set()).get(m.incident!)!).add(event);
    const held = members.get(event)!;
    const together = held.get(m.incident!)!;
    const size = [...held.values()].reduce((a, b) => a + b, 0);
    precision += together / size;
    recall += together / incidentSize.get(m.incident!)!;
  }
  const n = incidentMail.length;
  const bp = n === 0 ? 1 : precision / n;
  const br = n === 0 ? 1 : recall / n;

  // Pairs of incident messages: together in an event and in an incident.
  let both = 0;
  let predicted = 0;
  let overMerged = 0;
  let routineSwallowed = 0;
  for (const event of events) {
    const held = members.get(event)!;
    const clusters = [...held.entries()];
    const incidentCounts = clusters.filter(([c]) => !c.startsWith('routine:')).map(([, k]) => k);
    both += incidentCounts.reduce((a, k) => a + pairs(k), 0);
    predicted += pairs(incidentCounts.reduce((a, k) => a + k, 0));
    if (clusters.length > 1) overMerged++;
    routineSwallowed += clusters.filter(([c]) => c.startsWith('routine:')).length;
  }
  const truthPairs = [...incidentSize.values()].reduce((a, k) => a + pairs(k), 0);
  const pp = share(both, predicted);
  const pr = share(both, truthPairs);
  const incidents = incidentSize.size;
  return {
    messages: n,
    incidents,
    events: events.size,
    bcubed: { precision: bp, recall: br, f1: f1(bp, br) },
    pairwise: { precision: pp, recall: pr, f1: f1(pp, pr) },
    noiseReduction: noiseReduction(n, events.size, incidents),
    overMerged,
    overMergeRate: events.size === 0 ? 0 : overMerged / events.size,
    routineSwallowed,
    fragmentation: incidents === 0 ? 1 : [...eventsPerIncident.values()].reduce((a, s) => a + s.size, 0) / incidents,
  };
}
