import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';
import type { Period } from './vocabulary.js';

/** A stream's verdict (docs/schedules.md). */
export type StreamState = 'learning' | 'ok' | 'missing' | 'excess' | 'muted';

/** A sequence of MSEs that a schedule tag counts (docs/schedules.md), and its last verdict. */
export interface StreamAttributes {
  id: number;
  tenantId: number;
  /** org=…|svr=…|from=…|per=… (src/schedules/stream-key.ts) */
  key: string;
  /** a name people give it, beside the key */
  label: string | null;
  org: string | null;
  servers: string[];
  fromAddress: string;
  period: Period;
  n: number;
  v: number;
  /** the severity of its missing alerts (excess alerts are warnings) */
  missingSeverity: string;
  /** null: the default for its period */
  graceMs: number | null;
  muted: boolean;
  state: StreamState;
  /** messages in the window at the last evaluation */
  count: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  nextCheckAt: Date;
  /** the open alerts' events */
  missingEventId: number | null;
  excessEventId: number | null;
  /** its arrivals up to here include imported history: no alert for a window reaching into it */
  historyUntil: Date | null;
  createdAt: Date;
}
export type Stream = Row<StreamAttributes, 'id' | 'label' | 'graceMs' | 'missingEventId' | 'excessEventId' | 'historyUntil'>;

export const defineStream = (sequelize: Sequelize): ModelStatic<Stream> =>
  sequelize.define<Stream>(
    'Stream',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      key: { type: DataTypes.STRING(600), allowNull: false },
      label: { type: DataTypes.STRING(200), allowNull: true },
      org: { type: DataTypes.STRING(300), allowNull: true },
      servers: { type: DataTypes.JSON, allowNull: false },
      fromAddress: { type: DataTypes.STRING(320), allowNull: false },
      period: { type: DataTypes.STRING(8), allowNull: false },
      n: { type: DataTypes.INTEGER, allowNull: false },
      v: { type: DataTypes.INTEGER, allowNull: false },
      missingSeverity: { type: DataTypes.STRING(16), allowNull: false },
      graceMs: { type: DataTypes.INTEGER, allowNull: true },
      muted: { type: DataTypes.BOOLEAN, allowNull: false },
      state: { type: DataTypes.STRING(16), allowNull: false },
      count: { type: DataTypes.INTEGER, allowNull: false },
      firstSeenAt: { type: DataTypes.DATE, allowNull: false },
      lastSeenAt: { type: DataTypes.DATE, allowNull: false },
      nextCheckAt: { type: DataTypes.DATE, allowNull: false },
      missingEventId: { type: DataTypes.INTEGER, allowNull: true },
      excessEventId: { type: DataTypes.INTEGER, allowNull: true },
      historyUntil: { type: DataTypes.DATE, allowNull: true },
      createdAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('streams'),
  );
