import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

/** A login to the site: express-session's data as JSON, until it expires. */
export interface WebSessionAttributes {
  sid: string;
  expires: Date | null;
  data: string;
}
export type WebSession = Row<WebSessionAttributes>;

export const defineWebSession = (sequelize: Sequelize): ModelStatic<WebSession> =>
  sequelize.define<WebSession>(
    'WebSession',
    {
      sid: { type: DataTypes.STRING(64), primaryKey: true },
      expires: { type: DataTypes.DATE, allowNull: true },
      data: { type: DataTypes.TEXT, allowNull: false },
    },
    tableOptions('web_sessions'),
  );
