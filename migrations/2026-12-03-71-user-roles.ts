import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

export const migration: Migration = {
  async up({ context: qi }) {
    // What a user may change on the site (docs/web.md, Roles): `engineer` (rules, schedules and
    // their own settings) or `admin` (also mailboxes, people and everyone's settings). Existing
    // users are engineers; `datamer user role <handle> admin` makes an admin.
    await qi.addColumn('users', 'role', { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'engineer' });
  },
  async down({ context: qi }) {
    await qi.removeColumn('users', 'role');
  },
};
