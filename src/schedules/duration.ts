// Durations as people write them in configuration and commands: 90s, 10m, 2h, 1d.

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds, or null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  const match = /^(\d{1,7})(s|m|h|d)$/.exec(text.trim().toLowerCase());
  return match ? Number(match[1]) * UNIT_MS[match[2]!]! : null;
}

export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's']) if (ms % UNIT_MS[unit]! === 0) return `${ms / UNIT_MS[unit]!}${unit}`;
  return `${ms}ms`;
}
