// Did the replay warn about malformed or overruled tags where it must, and only there? Over
// the same messages as classification (a repeat shows its first copy's warnings).
import { outcomeOf, storedOriginals, type ReplayIndex } from './replay-index.js';
import { share, type Share } from './share.js';
import type { Truth } from './truth-types.js';

export interface TagWarningScore {
  /** messages that must warn, reporting at least as many warnings as the truth says */
  recall: Share;
  /** messages that must not warn, reporting a warning anyway */
  falseWarnings: Share;
  /** indexes of the first messages that did not warn enough */
  missed: number[];
  /** indexes of the first messages warned about wrongly */
  falselyWarned: number[];
}

export function scoreTagWarnings(truth: Truth, replay: ReplayIndex, listLimit = 10): TagWarningScore {
  let mustWarn = 0;
  let warned = 0;
  let mustNot = 0;
  let wrongly = 0;
  const missed: number[] = [];
  const falselyWarned: number[] = [];
  for (const message of storedOriginals(truth)) {
    const reported = outcomeOf(message.index, replay).line?.tagWarnings?.length ?? 0;
    if (message.tagWarnings > 0) {
      mustWarn++;
      if (reported >= message.tagWarnings) warned++;
      else if (missed.length < listLimit) missed.push(message.index);
    } else {
      mustNot++;
      if (reported > 0) {
        wrongly++;
        if (falselyWarned.length < listLimit) falselyWarned.push(message.index);
      }
    }
  }
  return { recall: share(warned, mustWarn), falseWarnings: share(wrongly, mustNot), missed, falselyWarned };
}
