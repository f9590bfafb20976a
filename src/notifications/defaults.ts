// When alerts go out, unless configured otherwise (docs/notifications.md). The group wait and
// repeat interval are Alertmanager's defaults for group_wait and repeat_interval.
export const DEFAULT_ALERTS = {
  /** events opening for one person within this wait arrive in one mail */
  groupWaitMs: 30_000,
  /** an event nobody has taken is told again after this long, once per interval */
  repeatMs: 4 * 60 * 60_000,
} as const;

export type AlertSettings = {
  readonly groupWaitMs: number;
  readonly repeatMs: number;
  /** `datamer replay` (docs/replay.md): its clock jumps a batch at a time, so every event is news and nothing is repeated */
  readonly replay?: boolean;
  /** DATAMER_TEST_HOLD (docs/operations.md): the alert pass stops after queueing a mail, before its commit */
  readonly holdBeforeCommit?: boolean;
};

/** Severities that alert a user who has not said otherwise; info waits for the digest. */
export const DEFAULT_ALERT_SEVERITIES = ['warn', 'critical'] as const;

/** The local hour of the daily digest, unless a user chose another. */
export const DEFAULT_DIGEST_HOUR = 8;
