// The whole score of a replay against its truth: one pure function, one plain object.
import { scoreClassification, type ClassificationScore } from './classification-score.js';
import { scoreDelivery, type DeliveryScore } from './delivery-score.js';
import { scoreGrouping, type GroupingScore } from './grouping-score.js';
import { scoreIncidentGrouping, type IncidentGroupingScore } from './incident-grouping-score.js';
import { indexReplay } from './replay-index.js';
import type { Replay } from './replay-input.js';
import { scoreScheduleAlerts, type ScheduleAlertScore } from './schedule-alert-score.js';
import { scoreTagWarnings, type TagWarningScore } from './tag-warning-score.js';
import type { Truth } from './truth-types.js';

export interface Score {
  dataset: { seed: number; days: number; scale: number; historyDays: number; scoredFrom: string | null; messages: number; incidents: number; scheduleAlerts: number };
  replay: { messageLines: number; rejectedLines: number; events: number; resolvedLines: number };
  classification: ClassificationScore;
  tagWarnings: TagWarningScore;
  delivery: DeliveryScore;
  scheduleAlerts: ScheduleAlertScore;
  grouping: GroupingScore;
  /** grouping over the incidents' mail (docs/scoring.md) */
  incidentGrouping: IncidentGroupingScore;
}

export function scoreReplay(truth: Truth, replay: Replay): Score {
  const byIndex = indexReplay(replay);
  return {
    dataset: {
      seed: truth.seed,
      days: truth.days,
      scale: truth.scale,
      historyDays: truth.historyDays,
      scoredFrom: truth.scoredFrom,
      messages: truth.messages.length,
      incidents: truth.incidents.length,
      scheduleAlerts: truth.scheduleAlerts.length,
    },
    replay: {
      messageLines: replay.messages.length,
      rejectedLines: replay.rejected.length,
      events: replay.events.length,
      resolvedLines: replay.resolved.length,
    },
    classification: scoreClassification(truth, byIndex),
    tagWarnings: scoreTagWarnings(truth, byIndex),
    delivery: scoreDelivery(truth, byIndex),
    scheduleAlerts: scoreScheduleAlerts(truth, replay),
    grouping: scoreGrouping(truth, byIndex),
    incidentGrouping: scoreIncidentGrouping(truth, byIndex),
  };
}
