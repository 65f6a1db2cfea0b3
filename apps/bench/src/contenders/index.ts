import { checkThenCreate } from './checkThenCreate';
import { rawInsertViaPrisma } from './diagnostics';
import { langgraphPut } from './langgraphPut';
import { prismaCreate } from './prismaCreate';
import { rawInsert } from './rawInsert';
import { serviceFirstSave } from './serviceFirstSave';
import { serviceSteady } from './serviceSteady';
import type { SaveContenderFactory } from './types';

/** The six save contenders, in the order of the brief (the first is every scenario's baseline). */
export const SAVE_CONTENDERS: readonly SaveContenderFactory[] = [rawInsert, checkThenCreate, prismaCreate, serviceSteady, serviceFirstSave, langgraphPut];
export const SAVE_CONTENDER_IDS = ['raw-insert', 'check-then-create', 'prisma-create', 'service-steady', 'service-first-save', 'langgraph-put'] as const;
/** Profiling rows measured alongside the contenders in every PostgreSQL save scenario. */
export const SAVE_DIAGNOSTICS: readonly SaveContenderFactory[] = [rawInsertViaPrisma];

export { langgraphPut } from './langgraphPut';
export { latestReaders, pageReaders, verifyReaders } from './reads';
export type { SaveContext } from './types';
