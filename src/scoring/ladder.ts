// The ladder of baselines (docs/correlation.md, Measured): the same mbox replayed once per rung,
// each rung switching on one more grouping signal, and each replay scored against the truth, so
// that each signal's gain (or harm) shows on its own line. B0 groups nothing: one event per message.
import { SIGNALS, type Signal } from '../correlation/grouping.js';
import { readMbox } from '../mailboxes/mbox.js';
import { serializeLine } from '../replay/lines.js';
import { replay } from '../replay/replay.js';
import { parseReplay } from './replay-input.js';
import { scoreReplay, type Score } from './score.js';
import type { Truth } from './truth-types.js';

export interface Rung {
  name: string;
  signals: Signal[];
  score: Score;
}

/** B0, then each signal added in the order grouping tries them. */
export function rungs(): Array<{ name: string; signals: Signal[] }> {
  return [{ name: 'B0 one event per message', signals: [] }, ...SIGNALS.map((s, i) => ({ name: `+ ${s}`, signals: SIGNALS.slice(0, i + 1) }))];
}

export async function climbLadder(truth: Truth, mbox: string, maxBytes: number, onRung: (rung: Rung) => void = () => {}): Promise<Rung[]> {
  const out: Rung[] = [];
  for (const { name, signals } of rungs()) {
    const lines: string[] = [];
    await replay(readMbox(mbox, { keepAtMost: maxBytes }), (line) => void lines.push(serializeLine(line)), { maxBytes, grouping: { signals } });
    const rung = { name, signals, score: scoreReplay(truth, parseReplay(lines.join('\n'))) };
    onRung(rung);
    out.push(rung);
  }
  return out;
}

const num = (v: number) => v.toFixed(3);
const pct = (v: number | null) => (v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`);

export const LADDER_HEADER =
  'rung                        B3 P   B3 R  B3 F1  pair F1  NR/ideal  over-merge  frag  swallowed  all-mail B3 F1  events';

/** One line of the ladder's table: the scores over incidents, then the all-mail B-cubed F1. */
export function ladderLine(rung: Rung): string {
  const i = rung.score.incidentGrouping;
  const g = rung.score.grouping;
  return [
    rung.name.padEnd(26),
    num(i.bcubed.precision).padStart(6),
    num(i.bcubed.recall).padStart(6),
    num(i.bcubed.f1).padStart(6),
    num(i.pairwise.f1).padStart(8),
    pct(i.noiseReduction.ratio).padStart(9),
    pct(i.overMergeRate).padStart(11),
    i.fragmentation.toFixed(2).padStart(5),
    String(i.routineSwallowed).padStart(10),
    num(g.bcubed.f1).padStart(15),
    String(g.events).padStart(7),
  ].join(' ');
}
