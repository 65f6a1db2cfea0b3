import { agentStateSaverPut } from './agentStateSaverPut';
import { checkThenCreate, checkThenCreateTransaction } from './checkThenCreate';
import { rawFirstSaveStatement, rawInsertViaPrisma, rawServiceStatement } from './diagnostics';
import { langgraphPut } from './langgraphPut';
import { prismaCreate, prismaCreateFullRow } from './prismaCreate';
import { prismaExtensionCreate } from './prismaExtensionCreate';
import { rawInsert, rawInsertPrepared, yardstickInsert } from './rawInsert';
import { serviceFirstSave, serviceFirstSaveUnnamed } from './serviceFirstSave';
import { serviceSteady } from './serviceSteady';
import { serviceSteadyIdempotent, serviceSteadySingle, serviceSteadyTraced, serviceSteadyUnnamed } from './serviceVariants';
import type { SaveContenderFactory } from './types';

/**
 * The save contenders, in table order. The first, the yardstick (a prepared raw
 * INSERT into a fixed copy of today's table layout), is every save scenario's
 * baseline; baselines come in two variants where the statement form or the
 * commit count would otherwise flatter us.
 */
export const SAVE_CONTENDERS: readonly SaveContenderFactory[] = [
  yardstickInsert,
  rawInsert,
  rawInsertPrepared,
  checkThenCreate,
  checkThenCreateTransaction,
  prismaCreate,
  prismaCreateFullRow,
  prismaExtensionCreate,
  serviceSteady,
  serviceSteadySingle,
  serviceSteadyUnnamed,
  serviceSteadyTraced,
  serviceSteadyIdempotent,
  serviceFirstSave,
  serviceFirstSaveUnnamed,
  langgraphPut,
  agentStateSaverPut,
];
export const SAVE_CONTENDER_IDS = [
  'yardstick-insert',
  'raw-insert',
  'raw-insert-prepared',
  'check-then-create',
  'check-then-create-tx',
  'prisma-create',
  'prisma-create-full-row',
  'prisma-extension-create',
  'service-steady',
  'service-steady-single',
  'service-steady-unnamed',
  'service-steady-otel',
  'service-steady-idempotent',
  'service-first-save',
  'service-first-save-unnamed',
  'langgraph-put',
  'agentstate-saver-put',
] as const;
/** The baseline of every save scenario (first row, "x base"). */
export const SAVE_BASELINE = 'yardstick-insert';
/** Need a PostgreSQL server: named prepared statements (pg), LangGraph's saver (a pg pool). Left out on PGlite. */
export const PG_ONLY_SAVE_CONTENDERS: ReadonlySet<SaveContenderFactory> = new Set([rawInsertPrepared, serviceSteadyUnnamed, serviceFirstSaveUnnamed, langgraphPut]);
/** Profiling rows measured alongside the contenders in every PostgreSQL save scenario. */
export const SAVE_DIAGNOSTICS: readonly SaveContenderFactory[] = [rawInsertViaPrisma, rawServiceStatement, rawFirstSaveStatement];

export { agentStateSaverPut } from './agentStateSaverPut';
export { langgraphPut } from './langgraphPut';
export { latestReaders, pageReaders, verifyReaders } from './reads';
export type { SaveContender, SaveContext, StoredIn } from './types';
