/**
 * The one write path. Every door that writes a row referencing a user (the
 * service's saveSnapshot, the LangGraph saver, the Prisma extension) goes
 * through it: the policy decision, the referenced rows to ensure, the audit
 * trail, foreign key errors turned into typed errors, and the known-reference
 * cache, whose stale entries can never change an outcome.
 *
 * A door supplies only its own statement, as an `attempt` that receives the
 * ensure plan (or null for the fast path) and either puts the ensure CTEs in
 * front of its own INSERT or runs them as a statement of its own before its
 * write (the Prisma extension: inside the caller's transaction when there is
 * one). Multi-row writes (createMany) go through writeMany, single rows through
 * write, which is writeMany of one row.
 *
 * Why the cache cannot change an outcome: the fast path (a plain INSERT, the
 * foreign keys doing the existence checks) is taken only when every
 * referenced row is remembered, and its answer is accepted only when it is a
 * clean success, which is exactly what the ensure path would have answered
 * then (nothing created, nothing audited, the same row). Anything else (a
 * foreign key violation, the door's guard failing) forgets the references and
 * asks the ensure path, the same statement a cache-less writer sends.
 */
import type { DataModel } from '@agentstate/db';
import type { Logger } from '@agentstate/logger';
import type { Environment, ProvisioningDecision } from '@agentstate/policy';
import { InvalidInputError, ProvisioningRefusedError, UnknownReferenceError, UnknownUserError } from './errors';
import { auditColumns, auditEvent, insertAuditRow, logAudit, type AuditEvent } from './audit';
import { foreignKeyViolation } from './databaseErrors';
import { ensureReferences, type EnsureOutcome, type EnsurePlan } from './ensureStatement';
import { KnownReferences } from './knownReferences';
import type { Queryable } from './queryable';
import {
  DEFAULT_REFERENCE_RULES,
  planReferences,
  referenceKey,
  referenceKeyText,
  type KeyValues,
  type PlannedReference,
  type ReferencePlan,
  type ReferenceRule,
} from './referencePlan';
import { createTelemetry, type Door, type Telemetry, type WritePathKind } from './telemetry';
import { decideWrite, type ProvisioningPolicyLike, type WriteDecision } from './writeDecision';

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

/**
 * What happened to the referenced user during a write when the policy lets
 * this write create it: 'created' (by this write) or 'already-existed'. null
 * when the policy does not provision the user (it must already exist).
 */
export type ProvisioningOutcome = 'created' | 'already-existed';

/** A decision about a user: write, refuse (audited by refuse) or skip; malformed ids never get one (InvalidInputError). */
export type DecidedUser = Exclude<WriteDecision, { kind: 'invalid' }>;

/** A decided write: to write, to refuse (with its audit row), or to skip (the door returns without writing). */
export interface PreparedWrite {
  plan: ReferencePlan;
  values: KeyValues;
  decided: DecidedUser;
}

/** What one attempt of a door's statement did. */
export interface Attempted<T> {
  value: T;
  /** the door's row was written (false: its own guard, e.g. an invalid parent, stopped it) */
  written: boolean;
  /** the ensure part's outcome; null on the fast path */
  ensured: EnsureOutcome | null;
}

export type Attempt<T> = (ensure: EnsurePlan | null) => Promise<Attempted<T>>;

export interface WriteResult<T> {
  value: T;
  written: boolean;
  /** what happened to the user: null when the policy does not provision this user */
  provisioning: ProvisioningOutcome | null;
}

/** A multi-row write's result: provisioning per row, in the order given. */
export interface WriteManyResult<T> {
  value: T;
  written: boolean;
  provisioning: Array<ProvisioningOutcome | null>;
}

/** A reference found missing, and the row that needs it. */
interface MissingReference {
  row: PreparedWrite;
  field: string;
}

export interface WriteOptions {
  /**
   * The write runs inside a transaction the caller owns (Prisma extension in
   * `$transaction`): a failed statement aborts it, so there is no fast path
   * and no retry; the ensure step always runs.
   */
  callerTransaction?: boolean;
  /** the attempt runs in a transaction of the door's own (reported as the 'transaction' write path) */
  transactional?: boolean;
}

/** How often a write is tried when referenced rows are deleted while it runs. */
const MAX_ATTEMPTS = 4;

export type WritePath = ReturnType<typeof createWritePath>;

export function createWritePath(options: WritePathOptions) {
  const { dataModel, policy, environment, logger, direct } = options;
  const rules = options.referenceRules ?? DEFAULT_REFERENCE_RULES;
  const known = new KnownReferences(options.knownReferenceCacheSize ?? 10_000);
  const telemetry = options.telemetry ?? createTelemetry();
  const { door } = options;

  /** The plan for writing rows of `model`; fails at start-up when a required relation has no rule. */
  function plan(model: string, suppliedFields: readonly string[]): ReferencePlan {
    return planReferences(dataModel, model, suppliedFields, rules);
  }

  /**
   * Decides for one write, before any connection is taken. Malformed ids throw
   * InvalidInputError (logged, nothing written); ephemeral runs are decided
   * 'skip' (logged; the door writes nothing).
   */
  function prepare(target: ReferencePlan, values: KeyValues, runId?: string): PreparedWrite {
    const field = userField(target);
    const decided = decideUser(values[field], field, runId);
    return { plan: target, values: { ...values, [field]: decided.decision.id }, decided };
  }

  /** The decision about one user id, as prepare makes it for a row's user (also for a user a write names elsewhere, e.g. in a nested write). */
  function decideUser(userId: unknown, field: string, runId?: string): DecidedUser {
    const decided = decideWrite(policy, environment, userId, runId);
    if (decided.kind === 'invalid') {
      logAudit(logger, auditEvent(decided.decision, 'refused'));
      telemetry.save(door, 'invalid', 'none');
      throw new InvalidInputError(field, decided.decision.reason, decided.decision.code);
    }
    if (decided.kind === 'skip') {
      logAudit(logger, auditEvent(decided.decision, 'skipped'));
      telemetry.save(door, 'skipped', 'none');
    }
    return decided;
  }

  /** One write, with its metrics: status, provisioning, duration by write path. */
  async function write<T>(prepared: PreparedWrite, attempt: Attempt<T>, writeOptions: WriteOptions = {}): Promise<WriteResult<T>> {
    const result = await writeMany([prepared], attempt, writeOptions);
    return { value: result.value, written: result.written, provisioning: result.provisioning[0] ?? null };
  }

  /**
   * One statement writing several rows (a createMany), each prepared on its
   * own: the same decision, ensure, audit and retry as a single write, with the
   * rows' references ensured together (each referenced row once) and any
   * refused row refusing the whole write before anything is written.
   */
  async function writeMany<T>(rows: readonly PreparedWrite[], attempt: Attempt<T>, writeOptions: WriteOptions = {}): Promise<WriteManyResult<T>> {
    if (rows.length === 0) throw new Error('writeMany needs at least one row');
    const started = performance.now();
    let path: WritePathKind = writeOptions.transactional || writeOptions.callerTransaction ? 'transaction' : 'steady';
    const observed: Attempt<T> = (ensure) => {
      if (ensure !== null && path === 'steady') path = 'provisioning';
      return attempt(ensure);
    };
    try {
      const result = await writeOnce(rows, observed, writeOptions);
      for (const provisioning of result.provisioning) telemetry.save(door, result.written ? 'saved' : 'failed', provisioning ?? 'none');
      const provisioning = result.provisioning.find((p) => p === 'created') ?? result.provisioning.find((p) => p !== null) ?? 'none';
      if (result.written) telemetry.saveDuration(door, path, (performance.now() - started) / 1000);
      telemetry.annotate({ 'agentstate.write_path': path, 'agentstate.provisioning': provisioning });
      return result;
    } catch (error) {
      const refused = error instanceof ProvisioningRefusedError || error instanceof UnknownUserError;
      telemetry.save(door, refused ? 'refused' : 'failed', 'none');
      throw error;
    }
  }

  async function writeOnce<T>(rows: readonly PreparedWrite[], attempt: Attempt<T>, writeOptions: WriteOptions): Promise<WriteManyResult<T>> {
    if (rows.some((row) => row.decided.kind === 'skip')) throw new Error('a skipped write must not be written (the door returns before)');
    const refused = rows.filter((row) => row.decided.kind === 'refuse');
    if (refused.length > 0) throw await refuse(refused.map((row) => row.decided.decision));
    const retryable = !writeOptions.callerTransaction;
    let ensure: EnsurePlan | null = retryable && allKnown(rows) ? null : ensurePlan(rows);
    for (let attemptNumber = 1; ; attemptNumber++) {
      let attempted: Attempted<T>;
      try {
        attempted = await attempt(ensure);
      } catch (error) {
        if (!foreignKeyViolation(error)) throw error;
        forgetAll(rows);
        const violated = violatedReference((rows[0] as PreparedWrite).plan, error);
        if (violated) telemetry.foreignKeyViolation(door, violated.referencedModel, 'retried');
        // The fast path's failure is never final: ask the ensure path.
        if (ensure === null) {
          ensure = ensurePlan(rows);
          continue;
        }
        // Not one of our references (e.g. the door's parent row): the door maps it.
        if (!violated) throw error;
        // A reference we may not create is missing: that is the answer. Otherwise a
        // referenced row was deleted while we wrote (a race): try again.
        const missing = await findMissing(rows);
        const blocking = missing.filter(({ row, field }) => !ensurePlan([row]).create.some((created) => created.reference.field === field));
        if (blocking.length > 0) throw await missingReferenceError(blocking);
        if (retryable && attemptNumber < MAX_ATTEMPTS) continue;
        if (missing.length > 0) throw await missingReferenceError(missing);
        throw error;
      }
      if (attempted.ensured === null) {
        if (attempted.written) return finish(rows, attempted, []);
        ensure = ensurePlan(rows);
        continue;
      }
      if (attempted.ensured.missing.length > 0) {
        forgetAll(rows);
        throw await missingReferenceError(await missingOf(rows, attempted.ensured.missing));
      }
      return finish(rows, attempted, attempted.ensured.created);
    }
  }

  /** Refused users: each audited once (log line, audit row, refusal metric), the first one's error. */
  async function refuse(decisions: readonly ProvisioningDecision[]): Promise<ProvisioningRefusedError> {
    const seen = new Set<string>();
    for (const decision of decisions) {
      if (seen.has(decision.id)) continue;
      seen.add(decision.id);
      telemetry.refusal(door, decision.code, environment);
      await auditRefusal(auditEvent(decision, 'refused'));
    }
    const first = decisions[0] as ProvisioningDecision;
    return new ProvisioningRefusedError(first.id, first.code, first.reason);
  }

  function finish<T>(rows: readonly PreparedWrite[], attempted: Attempted<T>, createdUsers: readonly string[]): WriteManyResult<T> {
    if (!attempted.written) return { value: attempted.value, written: false, provisioning: rows.map(() => null) };
    const logged = new Set<string>();
    // The fast path ran only because every reference was known (and just touched): nothing to add.
    const learned = attempted.ensured !== null;
    const provisioning = rows.map((prepared): ProvisioningOutcome | null => {
      if (learned) for (const reference of prepared.plan.required) known.add(referenceKey(reference, prepared.values));
      const { decided } = prepared;
      if (decided.kind !== 'write' || !decided.userMayBeCreated) return null;
      const outcome: ProvisioningOutcome = createdUsers.includes(decided.decision.id) && !logged.has(decided.decision.id) ? 'created' : 'already-existed';
      // One line per user, however many rows of this write reference it.
      if (!logged.has(decided.decision.id)) logAudit(logger, auditEvent(decided.decision, outcome));
      logged.add(decided.decision.id);
      return outcome;
    });
    return { value: attempted.value, written: true, provisioning };
  }

  /** Exactly what a cache-less writer sends: every creatable reference created if missing, every other one checked (each referenced row once). */
  function ensurePlan(rows: readonly PreparedWrite[]): EnsurePlan {
    const plan: EnsurePlan = { create: [], check: [] };
    const planned = new Set<string>();
    for (const prepared of rows) {
      const { decided, values } = prepared;
      for (const reference of prepared.plan.required) {
        const cacheKey = referenceKey(reference, values);
        if (planned.has(cacheKey)) continue;
        planned.add(cacheKey);
        const key = Object.fromEntries(reference.keys.map((k) => [k.toColumn, values[k.from]]));
        const rule = reference.rule;
        const defaults =
          rule.kind === 'create-on-first-use'
            ? (rule.defaults ?? {})
            : rule.kind === 'policy' && decided.kind === 'write' && decided.userMayBeCreated && decided.decision.kind === 'create-if-missing'
              ? decided.decision.defaults
              : null;
        if (!defaults) {
          plan.check.push({ reference, key });
          continue;
        }
        const row: Record<string, unknown> = {};
        for (const [field, value] of Object.entries(defaults)) row[reference.columnOf(field)] = value;
        // The key columns come from the written row itself and win over any default.
        Object.assign(row, key);
        const audit = rule.kind === 'policy' ? auditColumns(auditEvent(decided.decision, 'created')) : undefined;
        plan.create.push({ reference, values: row, ...(audit ? { audit } : {}) });
      }
    }
    return plan;
  }

  /** Which references of which rows are missing now (read outside any transaction). */
  async function findMissing(rows: readonly PreparedWrite[]): Promise<MissingReference[]> {
    const out: MissingReference[] = [];
    for (const row of rows) {
      const check = row.plan.required.map((reference) => ({ reference, key: Object.fromEntries(reference.keys.map((k) => [k.toColumn, row.values[k.from]])) }));
      for (const field of (await ensureReferences(direct, { create: [], check })).missing) out.push({ row, field });
    }
    return out;
  }

  /**
   * The rows behind the ensure step's missing fields. One row: that row. Several
   * rows: whichever are missing now, else (seen only inside the caller's
   * transaction) the first row that had to check such a reference.
   */
  async function missingOf(rows: readonly PreparedWrite[], fields: readonly string[]): Promise<MissingReference[]> {
    if (rows.length === 1) return fields.map((field) => ({ row: rows[0] as PreparedWrite, field }));
    const now = (await findMissing(rows)).filter((m) => fields.includes(m.field));
    if (now.length > 0) return now;
    const checking = rows.find((row) => ensurePlan([row]).check.some((c) => fields.includes(c.reference.field))) ?? (rows[0] as PreparedWrite);
    return fields.map((field) => ({ row: checking, field }));
  }

  /** The typed error for the first missing reference (the user first), naming its real rule. */
  async function missingReferenceError(missing: readonly MissingReference[]): Promise<Error> {
    const first = missing[0] as MissingReference;
    const prepared = first.row;
    const fields = missing.filter((m) => m.row === prepared).map((m) => m.field);
    const reference = prepared.plan.required.find((r) => fields.includes(r.field)) as PlannedReference;
    const { decision } = prepared.decided;
    telemetry.foreignKeyViolation(door, reference.referencedModel, 'typed-error');
    if (reference.rule.kind === 'policy') return unknownUser(decision);
    return new UnknownReferenceError(reference.referencedModel, referenceKeyText(reference, prepared.values), reference.rule.kind);
  }

  /** A user that must exist and does not: audited (USER_NOT_FOUND), UnknownUserError. `reason` replaces the policy's in the error (e.g. why this write could not create it). */
  async function unknownUser(decision: ProvisioningDecision, reason: string = decision.reason): Promise<UnknownUserError> {
    telemetry.refusal(door, 'USER_NOT_FOUND', environment);
    await auditRefusal(auditEvent(decision, 'refused', { reasonCode: 'USER_NOT_FOUND', reason: `user does not exist; ${reason}` }));
    return new UnknownUserError(decision.id, decision.code, reason);
  }

  /** The planned reference a foreign key violation is about: directly, or through a referenced row's own key (thread -> user). */
  function violatedReference(target: ReferencePlan, error: unknown): PlannedReference | null {
    const violation = foreignKeyViolation(error);
    const reference = violation ? dataModel.byConstraint.get(violation.constraint) : undefined;
    if (!reference) return null;
    if (reference.model === target.model) return target.required.find((r) => r.constraint === reference.constraint) ?? null;
    return target.required.find((r) => r.referencedModel === reference.referencedModel) ?? null;
  }

  /** A refusal's log line and audit row. The refusal stands even if the row cannot be written (the line still is). */
  async function auditRefusal(event: AuditEvent): Promise<void> {
    logAudit(logger, event);
    await insertAuditRow(direct, auditColumns(event)).catch((auditError: unknown) => logger.error('audit row could not be written', { error: String(auditError) }));
  }

  function allKnown(rows: readonly PreparedWrite[]): boolean {
    return rows.every((prepared) => prepared.plan.required.every((reference) => known.has(referenceKey(reference, prepared.values))));
  }

  function forgetAll(rows: readonly PreparedWrite[]): void {
    for (const prepared of rows) for (const reference of prepared.plan.required) known.forget(referenceKey(reference, prepared.values));
  }

  return Object.freeze({
    environment,
    telemetry,
    plan,
    prepare,
    write,
    writeMany,
    /**
     * For a door that finds more users in one write than its rows' own (the
     * Prisma extension's nested writes and updates): the same decision as
     * prepare, and the same audited refusals and missing-user errors, each
     * counted as a refused save.
     */
    decideUser,
    refuse: async (decisions: readonly ProvisioningDecision[]) => {
      const error = await refuse(decisions);
      telemetry.save(door, 'refused', 'none');
      return error;
    },
    unknownUser: async (decision: ProvisioningDecision, reason?: string) => {
      const error = await unknownUser(decision, reason);
      telemetry.save(door, 'refused', 'none');
      return error;
    },
    /** the user's rows (and everything keyed under it) were deleted by this process: forget them */
    forgetUser: (userId: string) => known.forgetOwnedBy(userId),
    /** one referenced row was deleted by this process */
    forgetReference: (model: string, keyText: string) => known.forget(`${model}:${keyText}`),
  });
}

function userField(plan: ReferencePlan): string {
  const key = plan.policyReference.keys[0];
  if (!key || plan.policyReference.keys.length !== 1) throw new Error(`${plan.model}: the policy-decided reference must have a single key field`);
  return key.from;
}
