import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import type { ActivityVia } from './activity.js';
import { type Row, tableOptions } from './row.js';

/** merge: every message of one event into another; split: one message out into an event of its own. */
export type CorrectionKind = 'merge' | 'split';

/**
 * An engineer's correction of the grouping (docs/correlation.md): which messages moved from which
 * event to which, who, how, when and why. Written once, never changed: the training data of a
 * learned grouping.
 */
export interface EventCorrectionAttributes {
  id: number;
  tenantId: number;
  kind: CorrectionKind;
  fromEventId: number;
  toEventId: number;
  messageIds: number[];
  actor: string;
  via: ActivityVia;
  reason: string | null;
  /** the two events as they were before the correction (title, severity, org, servers, status, messages) */
  detail: Record<string, unknown>;
  at: Date;
}
export type EventCorrection = Row<EventCorrectionAttributes, 'id'>;

export const defineEventCorrection = (sequelize: Sequelize): ModelStatic<EventCorrection> =>
  sequelize.define<EventCorrection>(
    'EventCorrection',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      kind: { type: DataTypes.STRING(16), allowNull: false },
      fromEventId: { type: DataTypes.INTEGER, allowNull: false },
      toEventId: { type: DataTypes.INTEGER, allowNull: false },
      messageIds: { type: DataTypes.JSON, allowNull: false },
      actor: { type: DataTypes.STRING(320), allowNull: false },
      via: { type: DataTypes.STRING(16), allowNull: false },
      reason: { type: DataTypes.TEXT, allowNull: true },
      detail: { type: DataTypes.JSON, allowNull: false },
      at: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('event_corrections'),
  );
