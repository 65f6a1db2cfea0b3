/**
 * The attempts of one write: the door's statement, sent on the fast path or
 * with the ensure plan, until it settles.
 *
 * The fast path (a plain INSERT, the foreign keys doing the existence checks)
 * is taken only when every referenced row is remembered, and its answer is
 * accepted only when it is a clean success, which is exactly what the ensure
 * path would have answered then (nothing created, nothing audited, the same
 * row). Anything else (a foreign key violation, the door's guard failing)
 * forgets the references and asks the ensure path, the same statement a
 * cache-less writer sends: the cache can never change an outcome.
 *
 * On the ensure path, a violated reference the write may not create is the
 * answer (its typed error); one it may create was deleted while the statement
 * ran (a race): tried again, up to MAX_ATTEMPTS, outside a caller's
 * transaction only (a failed statement aborts that one).
 */
import { auditEvent, logAudit } from './audit';
import type { WritePathContext } from './context';
import { foreignKeyViolation } from './databaseErrors';
import { ensurePlan } from './ensurePlan';
import type { EnsureOutcome, EnsurePlan } from './ensureStatement';
import type { KnownReferences } from './knownReferences';
import { findMissing, missingOf, missingReferenceError, violatedReference } from './missingReferences';
import type { PreparedWrite } from './prepareWrite';
import { referenceKey } from './referencePlan';
import { refuse } from './refusals';

/** What one attempt of a door's statement did. */
export interface Attempted<T> {
  value: T;
  /** the door's row was written (false: its own guard, e.g. an invalid parent, stopped it) */
  written: boolean;
  /** the ensure part's outcome; null on the fast path */
  ensured: EnsureOutcome | null;
  /**
   * an idempotent write found its own earlier attempt already stored (same
   * id, same content): `value` is that row, nothing was written or created
   */
  replayed?: boolean;
}

/** The door's statement: the fast path (ensure null), or with the ensure CTEs in front (or an ensure statement before it). */
export type Attempt<T> = (ensure: EnsurePlan | null) => Promise<Attempted<T>>;

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

/**
 * What happened to the referenced user during a write when the policy lets
 * this write create it: 'created' (by this write) or 'already-existed'. null
 * when the policy does not provision the user (it must already exist).
 */
export type ProvisioningOutcome = 'created' | 'already-existed';

/** A write's result: provisioning per row, in the order given. */
export interface WriteManyResult<T> {
  value: T;
  written: boolean;
  /** the write's own earlier attempt was found stored (written is false, nothing audited) */
  replayed?: boolean;
  provisioning: Array<ProvisioningOutcome | null>;
}

/** How often a write is tried when referenced rows are deleted while it runs. */
const MAX_ATTEMPTS = 4;

export type AttemptContext = Omit<WritePathContext, 'policy'>;

export async function runAttempts<T>(context: AttemptContext, rows: readonly PreparedWrite[], attempt: Attempt<T>, writeOptions: WriteOptions): Promise<WriteManyResult<T>> {
  if (rows.some((row) => row.decided.kind === 'skip')) throw new Error('a skipped write must not be written (the door returns before)');
  const refused = rows.filter((row) => row.decided.kind === 'refuse');
  if (refused.length > 0) throw await refuse(context, refused.map((row) => row.decided.decision));
  const { known, direct, telemetry, door } = context;
  const retryable = !writeOptions.callerTransaction;
  let ensure: EnsurePlan | null = retryable && allKnown(known, rows) ? null : ensurePlan(rows);
  for (let attemptNumber = 1; ; attemptNumber++) {
    let attempted: Attempted<T>;
    try {
      attempted = await attempt(ensure);
    } catch (error) {
      if (!foreignKeyViolation(error)) throw error;
      forgetAll(known, rows);
      const violated = violatedReference(context.dataModel, (rows[0] as PreparedWrite).plan, error);
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
      const missing = await findMissing(direct, rows);
      const blocking = missing.filter(({ row, field }) => !ensurePlan([row]).create.some((created) => created.reference.field === field));
      if (blocking.length > 0) throw await missingReferenceError(context, blocking);
      if (retryable && attemptNumber < MAX_ATTEMPTS) continue;
      if (missing.length > 0) throw await missingReferenceError(context, missing);
      throw error;
    }
    // A replay wrote nothing: no provisioning to report, no audit line, nothing learned.
    if (attempted.replayed) return { value: attempted.value, written: false, replayed: true, provisioning: rows.map(() => null) };
    if (attempted.ensured === null) {
      if (attempted.written) return finish(context, rows, attempted, []);
      ensure = ensurePlan(rows);
      continue;
    }
    if (attempted.ensured.missing.length > 0) {
      forgetAll(known, rows);
      throw await missingReferenceError(context, await missingOf(direct, rows, attempted.ensured.missing));
    }
    return finish(context, rows, attempted, attempted.ensured.created);
  }
}

/** The settled write: provisioning per row (one audit line per user), and its references remembered. */
function finish<T>(context: Pick<WritePathContext, 'known' | 'logger'>, rows: readonly PreparedWrite[], attempted: Attempted<T>, createdUsers: readonly string[]): WriteManyResult<T> {
  if (!attempted.written) return { value: attempted.value, written: false, provisioning: rows.map(() => null) };
  const logged = new Set<string>();
  // The fast path ran only because every reference was known (and just touched): nothing to add.
  const learned = attempted.ensured !== null;
  const provisioning = rows.map((prepared): ProvisioningOutcome | null => {
    if (learned) for (const reference of prepared.plan.required) context.known.add(referenceKey(reference, prepared.values));
    const { decided } = prepared;
    if (decided.kind !== 'write' || !decided.userMayBeCreated) return null;
    const outcome: ProvisioningOutcome = createdUsers.includes(decided.decision.id) && !logged.has(decided.decision.id) ? 'created' : 'already-existed';
    // One line per user, however many rows of this write reference it.
    if (!logged.has(decided.decision.id)) logAudit(context.logger, auditEvent(decided.decision, outcome));
    logged.add(decided.decision.id);
    return outcome;
  });
  return { value: attempted.value, written: true, provisioning };
}

function allKnown(known: KnownReferences, rows: readonly PreparedWrite[]): boolean {
  return rows.every((prepared) => prepared.plan.required.every((reference) => known.has(referenceKey(reference, prepared.values))));
}

function forgetAll(known: KnownReferences, rows: readonly PreparedWrite[]): void {
  for (const prepared of rows) for (const reference of prepared.plan.required) known.forget(referenceKey(reference, prepared.values));
}
