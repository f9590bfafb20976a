// The progress bar of a big import: on stderr, only when someone is watching it (a terminal).
// Piped or redirected, the import prints its final summary line only.
import cliProgress from 'cli-progress';
import type { ImportProgress, ImportTally } from './import.js';
import type { Output } from './io.js';

/** Below this, an import is over before a bar would be worth drawing. */
export const BIG_IMPORT_BYTES = 1024 * 1024;

export interface ProgressBar {
  update: ImportProgress;
  stop(): void;
}

const counts = (tally: Readonly<ImportTally>) => ({ stored: tally.stored, alreadyThere: tally.alreadyThere, rejected: tally.rejected });

export function importProgressBar(stderr: Output, totalBytes: number): ProgressBar | null {
  if (!stderr.isTTY || totalBytes < BIG_IMPORT_BYTES) return null;
  const bar = new cliProgress.SingleBar(
    {
      stream: stderr as NodeJS.WritableStream,
      format: 'importing [{bar}] {percentage}% | {stored} stored, {alreadyThere} already there, {rejected} rejected',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(totalBytes, 0, { stored: 0, alreadyThere: 0, rejected: 0 });
  return {
    update: (bytesDone, tally) => bar.update(bytesDone, counts(tally)),
    stop: () => bar.stop(),
  };
}
