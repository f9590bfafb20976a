import type { QueryInterface } from 'sequelize';

/** One migration: a dated name and what it does; `down` undoes it. */
export interface Migration {
  up(params: { context: QueryInterface }): Promise<void>;
  down(params: { context: QueryInterface }): Promise<void>;
}
