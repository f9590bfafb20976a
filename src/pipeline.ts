// One MSE, end to end: every way mail arrives (the SMTP listener, `datamer import`,
// `datamer replay`, later the mailbox providers) goes through here, so they all behave alike.
import type { Deps } from './deps.js';
import { storeArrivals, type Arrival, type Stored } from './ingest/store.js';

export type { Arrival, Stored };

/** Stores what arrived (exactly once). Resolves only after the commit: then it is safe to acknowledge. */
export async function receive(deps: Deps, arrivals: Arrival[]): Promise<Stored[]> {
  return storeArrivals(deps, arrivals);
}
