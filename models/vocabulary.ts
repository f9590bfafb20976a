// The words stored in several tables, defined once here at the bottom so that models/ imports
// nothing from src/ (docs/architecture.md) and src/ takes its types from the schema.

/** How loud a message or event is (docs/tags.md). */
export type Severity = 'info' | 'warn' | 'critical';

/** A schedule's window (docs/schedules.md). */
export type Period = 'hour' | 'day' | 'month';

export interface Schedule {
  period: Period;
  /** messages expected per window */
  n: number;
  /** allowed variance: the count may be anywhere in [n - v, n + v] */
  v: number;
}
