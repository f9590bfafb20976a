// How a user wants to be told (docs/notifications.md): which severities alert them by mail, their
// time zone, their quiet hours (only critical alerts then) and the local hour of their digest.
// Set from the CLI (`datamer user set`) and by email (`SET ALERTS critical`); both go through
// here, so they accept and refuse the same things.
import type { Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import { DatamerError } from '../errors.js';
import type { User } from '../../models/index.js';
import { isTimeZone, parseQuietHours } from './local-time.js';
import { findUser } from './people.js';

export const ALERT_SEVERITIES = ['info', 'warn', 'critical'] as const;

export interface PreferenceChange {
  /** `critical`, `warn,critical`, `all`, or `none` */
  alerts?: string;
  timeZone?: string;
  /** `22:00-07:00`, or `off` */
  quiet?: string;
  /** 0-23, or `off` */
  digest?: string;
}

/** The change as columns, or a clear refusal naming what is wrong. */
export function preferenceColumns(change: PreferenceChange): Partial<Pick<User, 'alertSeverities' | 'timeZone' | 'quietHours' | 'digestHour'>> {
  const columns: Partial<Pick<User, 'alertSeverities' | 'timeZone' | 'quietHours' | 'digestHour'>> = {};
  if (change.alerts !== undefined) {
    const words = change.alerts.toLowerCase().split(/[\s,]+/).filter(Boolean).map((w) => (w === 'warning' ? 'warn' : w));
    if (words.length === 1 && words[0] === 'all') columns.alertSeverities = [...ALERT_SEVERITIES];
    else if (words.length === 1 && words[0] === 'none') columns.alertSeverities = [];
    else {
      const wrong = words.filter((w) => !(ALERT_SEVERITIES as readonly string[]).includes(w));
      if (words.length === 0 || wrong.length > 0) throw new DatamerError('INPUT_INVALID', `alerts "${change.alerts}": name severities (info, warn, critical), or all, or none`);
      columns.alertSeverities = ALERT_SEVERITIES.filter((s) => words.includes(s));
    }
  }
  if (change.timeZone !== undefined) {
    if (!isTimeZone(change.timeZone)) throw new DatamerError('INPUT_INVALID', `time zone "${change.timeZone}": use an IANA name such as Europe/Berlin or UTC`);
    columns.timeZone = change.timeZone;
  }
  if (change.quiet !== undefined) {
    if (change.quiet.toLowerCase() === 'off') columns.quietHours = null;
    else {
      const quiet = parseQuietHours(change.quiet);
      if (!quiet) throw new DatamerError('INPUT_INVALID', `quiet hours "${change.quiet}": write them as 22:00-07:00 (local time), or off`);
      const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
      columns.quietHours = `${hhmm(quiet.start)}-${hhmm(quiet.end)}`;
    }
  }
  if (change.digest !== undefined) {
    if (change.digest.toLowerCase() === 'off') columns.digestHour = null;
    else {
      const hour = /^\d{1,2}$/.test(change.digest.trim()) ? Number(change.digest) : -1;
      if (hour < 0 || hour > 23) throw new DatamerError('INPUT_INVALID', `digest hour "${change.digest}": a local hour from 0 to 23, or off`);
      columns.digestHour = hour;
    }
  }
  return columns;
}

export async function setPreferences(deps: Deps, tenantId: number, handle: string, change: PreferenceChange, transaction?: Transaction): Promise<User> {
  const columns = preferenceColumns(change);
  const user = await findUser(deps, tenantId, handle, transaction);
  if (Object.keys(columns).length === 0) return user;
  await deps.db.models.User.update(columns, { where: { tenantId, id: user.id }, transaction });
  return user.reload({ transaction });
}

/** One line a person reads: how they are told now. */
export function describePreferences(user: Pick<User, 'alertSeverities' | 'timeZone' | 'quietHours' | 'digestHour'>): string {
  const alerts = user.alertSeverities.length === 0 ? 'no alerts by mail' : `alerts for ${user.alertSeverities.join(', ')}`;
  const quiet = user.quietHours ? `, quiet ${user.quietHours} (critical only)` : '';
  const digest = user.digestHour === null ? ', no digest' : `, digest at ${String(user.digestHour).padStart(2, '0')}:00`;
  return `${alerts}${quiet}${digest}, time zone ${user.timeZone}`;
}

/** The digest's one-click unsubscribe (RFC 8058), by the user the signed link names. */
export async function turnDigestOff(deps: Deps, tenantId: number, userId: number, transaction?: Transaction): Promise<User | null> {
  const user = await deps.db.models.User.findOne({ where: { tenantId, id: userId }, transaction });
  return user ? user.update({ digestHour: null }, { transaction }) : null;
}
