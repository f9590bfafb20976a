import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';
import type { Schedule, Severity } from './vocabulary.js';

// The rule object as the engine (src/classification/rules.ts) reads it and the table stores it.
export type RuleField = 'subject' | 'body' | 'from' | 'header' | 'server';

export interface RuleCondition {
  field: RuleField;
  /** the header's name, for field `header` */
  header?: string;
  /** RE2 syntax; named groups `(?P<name>…)` can feed the servers action */
  pattern: string;
  /** default false: monitoring mail is not consistent about case */
  caseSensitive?: boolean;
}

export interface RuleActions {
  severity?: Severity;
  org?: string;
  /** literal FQDNs, or `$name` for the text a named group captured */
  servers?: string[];
  schedule?: Schedule;
  /** file into this folder instead of the org's (used by the mailbox workspace) */
  folder?: string;
  /** grouping (docs/correlation.md): `never` keeps the mail out of every event but its own, `new` always opens a new event */
  group?: 'never' | 'new';
}

export interface RuleDefinition {
  id: number;
  name: string;
  /** rules are tried in ascending position */
  position: number;
  enabled: boolean;
  conditions: RuleCondition[];
  actions: RuleActions;
  /** after this rule matches, keep trying later rules */
  continue: boolean;
  /** set fields even where the sender's tags already did */
  override: boolean;
}

/** An engineer-written rule: the engine's rule object, stored per tenant, with its use. */
export interface RuleAttributes extends RuleDefinition {
  tenantId: number;
  /** messages this rule matched when they arrived */
  hits: number;
  lastMatchedAt: Date | null;
  /** a user handle, `cli` or `datamer` */
  createdBy: string;
  /** a suggestion an engineer dismissed: it stays, disabled, and is not proposed again */
  dismissedAt: Date | null;
  dismissedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}
export type Rule = Row<RuleAttributes, 'id' | 'hits' | 'lastMatchedAt' | 'dismissedAt' | 'dismissedBy'>;

export const defineRule = (sequelize: Sequelize): ModelStatic<Rule> =>
  sequelize.define<Rule>(
    'Rule',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      name: { type: DataTypes.STRING(200), allowNull: false },
      position: { type: DataTypes.INTEGER, allowNull: false },
      enabled: { type: DataTypes.BOOLEAN, allowNull: false },
      conditions: { type: DataTypes.JSON, allowNull: false },
      actions: { type: DataTypes.JSON, allowNull: false },
      continue: { type: DataTypes.BOOLEAN, allowNull: false },
      override: { type: DataTypes.BOOLEAN, allowNull: false },
      hits: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      lastMatchedAt: { type: DataTypes.DATE, allowNull: true },
      createdBy: { type: DataTypes.STRING(320), allowNull: false },
      dismissedAt: { type: DataTypes.DATE, allowNull: true },
      dismissedBy: { type: DataTypes.STRING(320), allowNull: true },
      createdAt: { type: DataTypes.DATE, allowNull: false },
      updatedAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('rules'),
  );
