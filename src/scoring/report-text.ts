// The score as text for a person: one section per question, counts beside percentages, and
// the first few cases of each problem so the next step is obvious. docs/scoring.md explains it.
import { CLASSIFICATION_FIELDS } from './classification-score.js';
import { deliveryClean, type DuplicateMismatch } from './delivery-score.js';
import type { Score } from './score.js';
import type { Share } from './share.js';

const LIST_LIMIT = 10;

export function percent(value: number | null): string {
  return value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`;
}

function fraction(s: Share): string {
  return `${s.count}/${s.of}`.padStart(13) + `  ${percent(s.share).padStart(6)}`;
}

const num = (value: number) => value.toFixed(3);

function indexes(list: readonly number[]): string {
  if (list.length === 0) return 'none';
  const shown = list.slice(0, LIST_LIMIT).join(', ');
  return list.length > LIST_LIMIT ? `${list.length}: ${shown}, … and ${list.length - LIST_LIMIT} more` : `${list.length}: ${shown}`;
}

function duplicates(list: readonly DuplicateMismatch[]): string {
  if (list.length === 0) return 'none';
  const shown = list
    .slice(0, LIST_LIMIT)
    .map((d) => `#${d.index} (${d.expected === null ? 'an original' : `repeat of #${d.expected}`}, got ${d.got === null ? 'an original' : `repeat of #${d.got}`})`)
    .join(', ');
  return list.length > LIST_LIMIT ? `${list.length}: ${shown}, … and ${list.length - LIST_LIMIT} more` : `${list.length}: ${shown}`;
}

const show = (value: unknown) => JSON.stringify(value);

/** A report line: the label in a column of its own, then the value. */
const row = (label: string, value: string) => `  ${label.padEnd(20)}${value}`;

export function renderReport(score: Score, names: { truth: string; replay: string }): string {
  const { classification: c, tagWarnings: w, delivery: d, scheduleAlerts: s, grouping: g } = score;
  const out: string[] = [];
  out.push(`DaTamer score: ${names.replay} against ${names.truth}`);
  out.push(
    `dataset: seed ${score.dataset.seed}, ${score.dataset.days} days, scale ${score.dataset.scale}: ` +
      `${score.dataset.messages} messages, ${score.dataset.incidents} incidents, ${score.dataset.scheduleAlerts} schedule alerts`,
  );
  if (score.dataset.scoredFrom !== null) out.push(`history: ${score.dataset.historyDays} days replayed before ${score.dataset.scoredFrom}, not scored (schedule alerts and lost or doubled mail are scored over all of it)`);
  out.push(`replay: ${score.replay.messageLines} message lines, ${score.replay.rejectedLines} rejected, ${score.replay.events} events, ${score.replay.resolvedLines} resolved`);

  out.push('', `Classification (${c.messages} messages, not rejected and not repeats)`);
  for (const field of CLASSIFICATION_FIELDS) out.push(row(field, fraction(c.fields[field])));
  out.push(row('all four', fraction(c.allFour)));
  if (c.mismatchCount > 0) {
    out.push(`  mismatches: ${c.mismatchCount}; the first:`);
    for (const m of c.mismatches) out.push(`    #${m.index} ${m.field}: expected ${show(m.expected)}, got ${show(m.got)}`);
  }

  out.push('', 'Tag warnings');
  out.push(row('recall', `${fraction(w.recall)}  (of the messages that must warn: warned at least as often)`));
  out.push(row('false warnings', `${fraction(w.falseWarnings)}  (of the messages that must not warn: warned)`));
  if (w.missed.length > 0) out.push(`  first missed: ${w.missed.map((i) => `#${i}`).join(', ')}`);
  if (w.falselyWarned.length > 0) out.push(`  first false: ${w.falselyWarned.map((i) => `#${i}`).join(', ')}`);

  out.push('', `Lost or doubled (${d.messages} messages in the mbox): ${deliveryClean(d) ? 'every message accounted for once' : 'PROBLEMS'}`);
  const wide = (label: string, value: string) => `  ${label.padEnd(30)}${value}`;
  out.push(wide('lost', indexes(d.lost)));
  out.push(wide('doubled', indexes(d.doubled)));
  out.push(wide('not in the truth', indexes(d.unknown)));
  out.push(wide('rejected, must be stored', indexes(d.unexpectedRejections)));
  out.push(wide('stored, must be rejected', indexes(d.storedRejections)));
  out.push(wide('repeats not recognised', duplicates(d.duplicatesMissed)));
  out.push(wide('originals taken for repeats', duplicates(d.falseDuplicates)));

  out.push('', `Schedule alerts (${s.expected} expected, ${s.events} schedule events in the replay)`);
  out.push(row('in time', fraction(s.inTime)));
  out.push(row('early', fraction(s.early)));
  out.push(row('late', fraction(s.late)));
  out.push(row('missed', fraction(s.missed)));
  out.push(row('false', `${String(s.false).padStart(13)}  (${s.falseOnQuietStreams} on quiet streams)`));
  out.push(row('repeated', String(s.repeated).padStart(13)));
  out.push(row('resolved in time', fraction(s.resolvedInTime)));
  out.push(row('resolved wrongly', `${String(s.resolvedWrongly).padStart(13)}  (alerts that must stay open)`));
  if (s.problems.length > 0) {
    out.push('  first problems:');
    for (const p of s.problems) out.push(`    ${p.problem}: ${p.condition} ${p.stream}${p.at === null ? '' : ` at ${p.at}`}`);
  }

  out.push('', `Grouping (${g.messages} messages: ${g.incidents} incidents, ${g.routine} routine; ${g.events} events${g.withoutEvent > 0 ? `, ${g.withoutEvent} messages without one` : ''})`);
  const prf = (p: { precision: number; recall: number; f1: number }) => [p.precision, p.recall, p.f1].map((v) => num(v).padStart(9)).join(' ');
  out.push(row('', ['precision', 'recall', 'F1'].map((h) => h.padStart(9)).join(' ')));
  out.push(row('pairwise', prf(g.pairwise)));
  out.push(row('B-cubed', prf(g.bcubed)));
  out.push(row('adjusted Rand index', num(g.adjustedRandIndex).padStart(9)));
  const nr = g.noiseReduction;
  out.push(row('noise reduction', `achieved ${percent(nr.achieved)}, ideal ${percent(nr.ideal)}, achieved/ideal ${percent(nr.ratio)}`));

  const i = score.incidentGrouping;
  out.push('', `Grouping over incidents (${i.messages} messages of ${i.incidents} incidents; ${i.events} events)`);
  out.push(row('', ['precision', 'recall', 'F1'].map((h) => h.padStart(9)).join(' ')));
  out.push(row('pairwise', prf(i.pairwise)));
  out.push(row('B-cubed', prf(i.bcubed)));
  const inr = i.noiseReduction;
  out.push(row('noise reduction', `achieved ${percent(inr.achieved)}, ideal ${percent(inr.ideal)}, achieved/ideal ${percent(inr.ratio)}`));
  out.push(row('over-merged events', `${i.overMerged} of ${i.events} (${percent(i.overMergeRate)}); routine messages swallowed: ${i.routineSwallowed}`));
  out.push(row('fragmentation', `${i.fragmentation.toFixed(2)} events per incident`));
  return out.join('\n') + '\n';
}
