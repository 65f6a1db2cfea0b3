/**
 * The one write path. Every door that writes a row referencing a user (the
 * service's saveSnapshot, the LangGraph saver, the Prisma extension) goes
 * through it: the policy decision, the referenced rows to ensure, the audit
 * trail, foreign key errors turned into typed errors, and the known-reference
 * cache, whose stale entries can never change an outcome (attempts.ts).
 *
 * A door supplies only its own statement, as an `attempt` that receives the
 * ensure plan (or null for the fast path) and either puts the ensure CTEs in
 * front of its own INSERT or runs them as a statement of its own before its
 * write (the Prisma extension: inside the caller's transaction when there is
 * one). Multi-row writes (createMany) go through writeMany, single rows through
 * write, which is writeMany of one row.
 *
 * This file composes the parts, each in a file of its own: the decision
 * (prepareWrite.ts), the ensure plan (ensurePlan.ts), the attempts and their
 * retry (attempts.ts), what a failed write is missing (missingReferences.ts),
 * audited refusals (refusals.ts) and metrics (writeMetrics.ts).
 */
import type { DataModel } from '@agentstate/db';
import type { Logger } from '@agentstate/logger';
import type { Environment, ProvisioningDecision } from '@agentstate/policy';
import { runAttempts, type Attempt, type ProvisioningOutcome, type WriteManyResult, type WriteOptions } from './attempts';
import type { WritePathContext } from './context';
import type { ProvisioningRefusedError, UnknownUserError } from './errors';
import { KnownReferences } from './knownReferences';
import { decideUser, prepareWrite, type DecidedUser, type PreparedWrite } from './prepareWrite';
import type { Queryable } from './queryable';
import { DEFAULT_REFERENCE_RULES, planReferences, type KeyValues, type ReferencePlan, type ReferenceRule } from './referencePlan';
import { refuse, unknownUser } from './refusals';
import { createTelemetry, type Door, type Telemetry } from './telemetry';
import type { ProvisioningPolicyLike } from './writeDecision';
import { measuredWrite } from './writeMetrics';

export interface WritePathOptions {
  dataModel: DataModel;
  policy: ProvisioningPolicyLike;
  /** already resolved (see effectiveEnvironment) */
  environment: Environment;
  logger: Logger;
  /** where refusal audit rows and presence checks run: never inside a caller's transaction */
  direct: Queryable;
  referenceRules?: Readonly<Record<string, ReferenceRule>>;
  /** how many referenced rows known to exist are remembered; 0 turns the fast path off */
  knownReferenceCacheSize?: number;
  /** which door writes through this path (a metrics attribute) */
  door: Door;
  /** default: OpenTelemetry through the global providers (a no-op without an SDK) */
  telemetry?: Telemetry;
}

export interface WriteResult<T> {
  value: T;
  written: boolean;
  /** an idempotent write found its earlier attempt stored: nothing written (see Attempted.replayed) */
  replayed: boolean;
  /** what happened to the user: null when the policy does not provision this user */
  provisioning: ProvisioningOutcome | null;
}

export interface WritePath {
  /** the environment decisions are made for */
  readonly environment: Environment;
  readonly telemetry: Telemetry;
  /** The plan for writing rows of `model`; fails at start-up when a required relation has no rule. */
  plan(model: string, suppliedFields: readonly string[]): ReferencePlan;
  /**
   * Decides for one write, before any connection is taken. Malformed ids throw
   * InvalidInputError (logged, nothing written); ephemeral runs are decided
   * 'skip' (logged; the door writes nothing).
   */
  prepare(target: ReferencePlan, values: KeyValues, runId?: string): PreparedWrite;
  /** One write, with its metrics: status, provisioning, duration by write path. */
  write<T>(prepared: PreparedWrite, attempt: Attempt<T>, writeOptions?: WriteOptions): Promise<WriteResult<T>>;
  /**
   * One statement writing several rows (a createMany), each prepared on its
   * own: the same decision, ensure, audit and retry as a single write, with the
   * rows' references ensured together (each referenced row once) and any
   * refused row refusing the whole write before anything is written.
   */
  writeMany<T>(rows: readonly PreparedWrite[], attempt: Attempt<T>, writeOptions?: WriteOptions): Promise<WriteManyResult<T>>;
  /**
   * For a door that finds more users in one write than its rows' own (the
   * Prisma extension's nested writes and updates): the same decision as
   * prepare, and the same audited refusals and missing-user errors, each
   * counted as a refused save.
   */
  decideUser(userId: unknown, field: string, runId?: string): DecidedUser;
  refuse(decisions: readonly ProvisioningDecision[]): Promise<ProvisioningRefusedError>;
  unknownUser(decision: ProvisioningDecision, reason?: string): Promise<UnknownUserError>;
  /** the user's rows (and everything keyed under it) were deleted by this process: forget them */
  forgetUser(userId: string): void;
  /** one referenced row was deleted by this process */
  forgetReference(model: string, keyText: string): void;
}

export function createWritePath(options: WritePathOptions): WritePath {
  const { dataModel, door } = options;
  const rules = options.referenceRules ?? DEFAULT_REFERENCE_RULES;
  const known = new KnownReferences(options.knownReferenceCacheSize ?? 10_000);
  const telemetry = options.telemetry ?? createTelemetry();
  const context: WritePathContext = { dataModel, policy: options.policy, environment: options.environment, logger: options.logger, direct: options.direct, door, telemetry, known };

  async function writeMany<T>(rows: readonly PreparedWrite[], attempt: Attempt<T>, writeOptions: WriteOptions = {}): Promise<WriteManyResult<T>> {
    if (rows.length === 0) throw new Error('writeMany needs at least one row');
    return measuredWrite(context, attempt, writeOptions, (observed) => runAttempts(context, rows, observed, writeOptions));
  }

  return Object.freeze({
    environment: context.environment,
    telemetry,
    plan: (model: string, suppliedFields: readonly string[]) => planReferences(dataModel, model, suppliedFields, rules),
    prepare: (target: ReferencePlan, values: KeyValues, runId?: string) => prepareWrite(context, target, values, runId),
    async write<T>(prepared: PreparedWrite, attempt: Attempt<T>, writeOptions: WriteOptions = {}): Promise<WriteResult<T>> {
      const result = await writeMany([prepared], attempt, writeOptions);
      return { value: result.value, written: result.written, replayed: result.replayed === true, provisioning: result.provisioning[0] ?? null };
    },
    writeMany,
    decideUser: (userId: unknown, field: string, runId?: string) => decideUser(context, userId, field, runId),
    async refuse(decisions: readonly ProvisioningDecision[]) {
      const error = await refuse(context, decisions);
      telemetry.save(door, 'refused', 'none');
      return error;
    },
    async unknownUser(decision: ProvisioningDecision, reason?: string) {
      const error = await unknownUser(context, decision, reason);
      telemetry.save(door, 'refused', 'none');
      return error;
    },
    forgetUser: (userId: string) => known.forgetOwnedBy(userId),
    forgetReference: (model: string, keyText: string) => known.forget(`${model}:${keyText}`),
  });
}
