import type { Model, Optional } from 'sequelize';

/** A model instance whose attributes are `A`; the keys in `Generated` may be left out on create. */
export type Row<A extends object, Generated extends keyof A = never> = Model<A, Optional<A, Generated>> & A;

/** Every table: snake_case columns, timestamps written by DaTamer from its clock (never the wall clock). */
export const tableOptions = (tableName: string) => ({ tableName, underscored: true, timestamps: false }) as const;
