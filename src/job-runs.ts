// How the jobs of this process have run: counted as bree reports each run's end (jobs.ts), read by
// /metrics (src/web/metrics.ts). Kept in memory on purpose: a run happens in this process, and
// each process's /metrics says what its own scheduler did.
import type { Clock } from './clock.js';

export interface JobRunCount {
  job: string;
  succeeded: number;
  failed: number;
  /** the end of the last successful run; null: none yet */
  lastSuccessAt: Date | null;
}

export class JobRuns {
  private readonly runs = new Map<string, JobRunCount>();

  constructor(private readonly clock: Clock) {}

  record(job: string, ok: boolean): void {
    const run = this.runs.get(job) ?? { job, succeeded: 0, failed: 0, lastSuccessAt: null };
    if (ok) {
      run.succeeded++;
      run.lastSuccessAt = this.clock.now();
    } else {
      run.failed++;
    }
    this.runs.set(job, run);
  }

  counts(): JobRunCount[] {
    return [...this.runs.values()].map((r) => ({ ...r }));
  }
}
