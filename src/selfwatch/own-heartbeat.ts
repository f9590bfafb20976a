// Recognising DaTamer's own heartbeat when it comes back in (heartbeat.ts sends it). Pure.
// A heartbeat feeds its tenant's `datamer.self` stream and nothing else: it makes no event and is
// filed into no folder (docs/operations.md), or a healthy DaTamer would open an event every hour.

export const SELF_ORG = 'datamer.self';
/** The header DaTamer's own mail carries: `heartbeat` or `report` (watch.ts). */
export const SELF_HEADER = 'X-DaTamer-Self';

/**
 * A heartbeat: DaTamer's header says so and its tags put it in the `datamer.self` org. Both, so a
 * mail that only copies the header, or a critical self-report, still becomes an event.
 */
export function isOwnHeartbeat(headers: ReadonlyMap<string, readonly string[]>, org: string | null): boolean {
  return org === SELF_ORG && (headers.get(SELF_HEADER.toLowerCase()) ?? []).some((v) => v.trim().toLowerCase() === 'heartbeat');
}
