// The words Nagios and Icinga 2 use ($NOTIFICATIONTYPE$, $HOSTSTATE$, $SERVICESTATE$), in DaTamer's.
// https://assets.nagios.com/downloads/nagioscore/docs/nagioscore/4/en/macrolist.html#notificationtype
// https://icinga.com/docs/icinga-2/latest/doc/03-monitoring-basics/#notification-types
import type { Severity } from '../../tags.js';
import type { ToolState } from '../pack.js';

export function notificationState(type: string): ToolState {
  const t = type.toUpperCase();
  if (t === 'PROBLEM') return 'problem';
  if (t === 'RECOVERY') return 'recovery';
  if (t === 'ACKNOWLEDGEMENT') return 'acknowledgement';
  // FLAPPINGSTART/STOP, DOWNTIMESTART/END, CUSTOM: news about a check, not a change of its state.
  return 'information';
}

const STATE_SEVERITY: Record<string, Severity> = { CRITICAL: 'critical', DOWN: 'critical', UNREACHABLE: 'critical', WARNING: 'warn', UNKNOWN: 'warn', OK: 'info', UP: 'info' };

/** A problem is as severe as its state; recoveries, acknowledgements and news are information. */
export function monitoringState(state: ToolState, stateWord: string): Severity | null {
  if (state !== 'problem') return 'info';
  return STATE_SEVERITY[stateWord.toUpperCase()] ?? null;
}
