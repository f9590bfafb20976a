import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

export type AttemptOutcome = 'sent' | 'retry' | 'failed' | 'interrupted';

/** Every delivery attempt of an outbox mail and how it ended, in the server's words. */
export interface OutboxAttemptAttributes {
  id: number;
  tenantId: number;
  outboxId: number;
  worker: string;
  outcome: AttemptOutcome;
  response: string | null;
  at: Date;
}
export type OutboxAttempt = Row<OutboxAttemptAttributes, 'id'>;

export const defineOutboxAttempt = (sequelize: Sequelize): ModelStatic<OutboxAttempt> =>
  sequelize.define<OutboxAttempt>(
    'OutboxAttempt',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      outboxId: { type: DataTypes.INTEGER, allowNull: false },
      worker: { type: DataTypes.STRING(100), allowNull: false },
      outcome: { type: DataTypes.STRING(16), allowNull: false },
      response: { type: DataTypes.TEXT, allowNull: true },
      at: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('outbox_attempts'),
  );
