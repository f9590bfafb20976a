import type { Clock } from './clock.js';
import type { Db } from './db.js';
import type { Logger } from './log.js';
import type { GroupingSettings } from './correlation/grouping.js';

/** What every part of DaTamer is handed instead of reaching for globals. */
export interface Deps {
  readonly db: Db;
  readonly clock: Clock;
  readonly log: Logger;
  /** how grouping is set, where it differs from the defaults (a replay measuring one signal's gain) */
  readonly grouping?: Partial<GroupingSettings>;
  /** answers an hour to one user's replies that applied nothing (DATAMER_ANSWERS_PER_HOUR); default 5 */
  readonly answersPerHour?: number;
}
