import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

export type EventKind = 'message' | 'schedule-missing' | 'schedule-excess';
export type EventStatus = 'open' | 'assigned' | 'completed';

/** The unit engineers act on: one or more messages of one problem, or a schedule alert. */
export interface EventAttributes {
  id: number;
  tenantId: number;
  kind: EventKind;
  status: EventStatus;
  title: string;
  severity: string | null;
  org: string | null;
  servers: string[];
  /** unclassified: goes to the tenant's triage group */
  triage: boolean;
  assigneeId: number | null;
  createdAt: Date;
  /** the current assignment (moves with a reassignment, cleared by an unassignment) */
  assignedAt: Date | null;
  /** the first assignment ever: what the time to assignment is measured to (docs/web.md, Reports) */
  firstAssignedAt: Date | null;
  completedAt: Date | null;
  /** for schedule alerts: the stream, and what was expected and what came */
  streamId: number | null;
  detail: Record<string, unknown> | null;
  /** merged into this event by an engineer (completed then; its messages are there now) */
  mergedIntoId: number | null;
}
export type Event = Row<EventAttributes, 'id' | 'streamId' | 'detail' | 'firstAssignedAt' | 'mergedIntoId'>;

export const defineEvent = (sequelize: Sequelize): ModelStatic<Event> =>
  sequelize.define<Event>(
    'Event',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      kind: { type: DataTypes.STRING(32), allowNull: false },
      status: { type: DataTypes.STRING(16), allowNull: false },
      title: { type: DataTypes.TEXT, allowNull: false },
      severity: { type: DataTypes.STRING(16), allowNull: true },
      org: { type: DataTypes.STRING(300), allowNull: true },
      servers: { type: DataTypes.JSON, allowNull: false },
      triage: { type: DataTypes.BOOLEAN, allowNull: false },
      assigneeId: { type: DataTypes.INTEGER, allowNull: true },
      createdAt: { type: DataTypes.DATE, allowNull: false },
      assignedAt: { type: DataTypes.DATE, allowNull: true },
      firstAssignedAt: { type: DataTypes.DATE, allowNull: true },
      completedAt: { type: DataTypes.DATE, allowNull: true },
      streamId: { type: DataTypes.INTEGER, allowNull: true },
      detail: { type: DataTypes.JSON, allowNull: true },
      mergedIntoId: { type: DataTypes.INTEGER, allowNull: true },
    },
    tableOptions('events'),
  );
