import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

/** One customer. Every other row belongs to exactly one tenant; nothing crosses tenants. */
export interface TenantAttributes {
  id: number;
  /** short, unique, used on the command line: `--tenant default` */
  name: string;
  displayName: string;
  createdAt: Date;
  /** bumped with every rule change: compiled rules older than this are stale */
  rulesRevision: number;
  /** where DaTamer mails its own MSEs for this tenant (heartbeat, self-reports); null: not watched */
  selfAddress: string | null;
  /** the authserv-id whose Authentication-Results (DKIM/SPF) may stand in for a command token; null: tokens only */
  trustedAuthservId: string | null;
  /** a recovery that leaves no source of an unclaimed event in trouble completes it (docs/correlation.md) */
  recoveryCompletes: boolean;
}
export type Tenant = Row<TenantAttributes, 'id' | 'rulesRevision' | 'selfAddress' | 'trustedAuthservId' | 'recoveryCompletes'>;

export const defineTenant = (sequelize: Sequelize): ModelStatic<Tenant> =>
  sequelize.define<Tenant>(
    'Tenant',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      name: { type: DataTypes.STRING(64), allowNull: false, unique: true },
      displayName: { type: DataTypes.STRING(200), allowNull: false },
      createdAt: { type: DataTypes.DATE, allowNull: false },
      rulesRevision: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      selfAddress: { type: DataTypes.STRING(320), allowNull: true },
      trustedAuthservId: { type: DataTypes.STRING(255), allowNull: true },
      recoveryCompletes: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    },
    tableOptions('tenants'),
  );
