import type { Clock } from './clock.js';
import type { Db } from './db.js';
import type { Logger } from './log.js';

/** What every part of DaTamer is handed instead of reaching for globals. */
export interface Deps {
  readonly db: Db;
  readonly clock: Clock;
  readonly log: Logger;
}
