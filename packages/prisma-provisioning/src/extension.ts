/**
 * referenceProvisioning: a Prisma Client extension giving direct Prisma
 * writes the service's guarantee. Every write operation (create, createMany,
 * createManyAndReturn, upsert, update, updateMany, updateManyAndReturn) on
 * every model is read whole, nested writes included (writeTree.ts), and every
 * id it writes is decided before Prisma sends anything, through the one write
 * path (@agentstate/write-path, door 'prisma-extension'): thread ids
 * by the id rule, user ids by the policy with the production clamp, refusals
 * audited. The rows of a top-level create / createMany / createManyAndReturn /
 * upsert whose references are given by key then go through the write path's
 * ensure statement (INSERT … ON CONFLICT DO NOTHING of the referenced rows,
 * with the 'created' audit row) and its known-reference cache. A row Prisma
 * then reports missing (P2003, P2025) becomes the typed error. This file only
 * says how the extension's own statement (Prisma's write) is sent; it decides
 * nothing.
 */
import { Prisma } from '@agentstate/db';
import { validateIdentifier } from '@agentstate/policy';
import {
  ensureReferences,
  foreignKeyViolation,
  InvalidInputError,
  modelsReferencingPolicyModels,
  setUpDoor,
  UnknownReferenceError,
  viaPrisma,
  type Attempt,
  type DecidedUser,
  type DoorOptions,
  type KeyValues,
  type PreparedWrite,
  type Queryable,
  type ReferencePlan,
  type WritePath,
} from '@agentstate/write-path';
import { WriteSkippedByPolicyError } from './errors';
import { batchMayProceed, callerTransaction, inInteractiveTransaction, markBatchRefused, neverSent, type CallerTransaction } from './transaction';
import { GUARDED_OPERATIONS, requiredKeyFields, rowKeyValues, rowsOf, type GuardedOperation } from './rowKeys';
import { readWrite, rowsToFind, writeSchema, type NeededRow, type WriteFindings, type WriteOperation, type WriteSchema } from './writeTree';

/** The options every door takes (DoorOptions); the default logger's service is 'prisma-provisioning'. */
export type ReferenceProvisioningOptions = DoorOptions;

interface HookParams {
  model?: string;
  operation: string;
  args: unknown;
  query: (args: unknown) => PromiseLike<unknown>;
}

type RawClient = { $queryRaw: (sql: Prisma.Sql) => unknown };

/** What every hook of one extended client shares. */
interface Door {
  writePath: WritePath;
  client: RawClient;
  /** statements outside any caller's transaction (presence checks after a failed write) */
  direct: Queryable;
  plans: Map<string, ReferencePlan>;
  schema: WriteSchema;
}

/**
 * The extension: `const prisma = base.$extends(referenceProvisioning({ environment: 'development' }))`.
 * The environment is resolved once, here, as the service does.
 */
export function referenceProvisioning(options: ReferenceProvisioningOptions = {}) {
  const setup = setUpDoor('prisma-extension', options, { loggerService: 'prisma-provisioning' });
  const { dataModel, referenceRules } = setup;
  const schema = writeSchema(dataModel, referenceRules);

  return Prisma.defineExtension((client) => {
    // Refusal audit rows and presence checks go through the client being extended, never inside a caller's transaction.
    const direct = viaPrisma(client);
    const writePath = setup.writePath(direct);
    // Start-up check: every required relation of every guarded model has a rule.
    const plans = new Map<string, ReferencePlan>(
      modelsReferencingPolicyModels(dataModel, referenceRules).map((model) => [model, writePath.plan(model, requiredKeyFields(dataModel.references.get(model) ?? []))]),
    );
    const door: Door = { writePath, client, direct, plans, schema };
    const hook = (operation: WriteOperation) => (params: HookParams) => writeThroughDoor(door, operation, params);
    return client.$extends({
      name: 'agentstate-reference-provisioning',
      query: {
        $allModels: {
          create: hook('create'),
          createMany: hook('createMany'),
          createManyAndReturn: hook('createManyAndReturn'),
          upsert: hook('upsert'),
          update: hook('update'),
          updateMany: hook('updateMany'),
          updateManyAndReturn: hook('updateManyAndReturn'),
        },
      },
    });
  });
}

const isGuarded = (operation: WriteOperation): operation is GuardedOperation => (GUARDED_OPERATIONS as readonly string[]).includes(operation);

/**
 * One write. Its ids are decided first, whatever its shape; then the rows of a
 * top-level create whose references are all given by key go through the write
 * path (provisioning), and anything else is Prisma's own write.
 */
function writeThroughDoor(door: Door, operation: WriteOperation, params: HookParams): Promise<unknown> {
  if (!params.model) return Promise.resolve(params.query(params.args));
  const findings = readWrite(door.schema, params.model, operation, params.args);
  const transaction = callerTransaction(params);
  const plan = isGuarded(operation) ? door.plans.get(params.model) : undefined;
  const keyed = plan ? rowsOf(operation as GuardedOperation, params.args).map((row) => rowKeyValues(plan, row)) : [];
  if (!plan || keyed.length === 0 || keyed.some((values) => values === null)) {
    if (findings.users.length === 0 && findings.identifiers.length === 0 && findings.connected.length === 0) return Promise.resolve(params.query(params.args));
    return checkedWrite(door, params.model, findings, transaction, () => params.query(params.args));
  }
  // One span per provisioned write (agentstate.<Model>.<operation>), with the first row's owner, never the data.
  const owner = (keyed[0] as Record<string, unknown>)[plan.policyReference.keys[0]?.from ?? ''];
  const attributes = { 'db.system.name': 'postgresql', 'agentstate.rows': keyed.length, ...(typeof owner === 'string' ? { 'user.id': owner.slice(0, 128) } : {}) };
  // The rows' own users are decided by the write path (prepare), once.
  const rowUsers = new Set(keyed.map((values) => (values as Record<string, unknown>)[plan.policyReference.keys[0]?.from ?? '']));
  return door.writePath.telemetry.traced(`${plan.model}.${operation}`, 'prisma-extension', attributes, () =>
    checkedWrite(door, plan.model, findings, transaction, () => writeGuarded(door, plan, keyed as Array<Record<string, KeyValues[string]>>, transaction, params), rowUsers),
  );
}

/** The write's ids decided (before anything is sent), then `send`, with a row Prisma reports missing turned into the typed error. */
async function checkedWrite(
  door: Door,
  model: string,
  findings: WriteFindings,
  transaction: CallerTransaction,
  send: () => PromiseLike<unknown>,
  decidedElsewhere: ReadonlySet<unknown> = new Set(),
): Promise<unknown> {
  const decided = await decideIds(door.writePath, model, findings, transaction?.kind === 'batch' ? transaction.batch : null, decidedElsewhere);
  try {
    return await send();
  } catch (error) {
    throw await missingRowError(door, findings, decided, transaction, error);
  }
}

/**
 * Every id the write names: thread ids by the id rule, user ids by the write
 * path's decision (policy and production clamp). Malformed: InvalidInputError;
 * skip: WriteSkippedByPolicyError; refused: ProvisioningRefusedError, each
 * refused user audited once. Synchronous up to the audit row, so the other
 * writes of a batch learn of the refusal before any of them sends anything.
 */
async function decideIds(writePath: WritePath, model: string, findings: WriteFindings, batch: object | null, decidedElsewhere: ReadonlySet<unknown>): Promise<Map<string, DecidedUser>> {
  const decided = new Map<string, DecidedUser>();
  try {
    for (const id of findings.identifiers) {
      const valid = validateIdentifier(id.value);
      if (!valid.ok) throw new InvalidInputError(id.path, valid.reason, valid.code);
    }
    for (const user of findings.users) {
      if (decidedElsewhere.has(user.value) || (typeof user.value === 'string' && decided.has(user.value))) continue;
      const decision = writePath.decideUser(user.value, user.path);
      if (decision.kind === 'skip') throw new WriteSkippedByPolicyError(model, decision.decision.reason);
      decided.set(decision.decision.id, decision);
    }
  } catch (error) {
    if (batch) markBatchRefused(batch);
    throw error;
  }
  const refused = [...decided.values()].filter((d) => d.kind === 'refuse');
  if (refused.length === 0) return decided;
  if (batch) markBatchRefused(batch);
  throw await writePath.refuse(refused.map((d) => d.decision));
}

const NOT_CREATED_HERE =
  'this write names the user where the extension never creates one (an update, a connect, or a nested write); only the rows of a top-level create, createMany or upsert, given by key, are provisioned by the policy.';

/** Prisma reported a row missing (P2003, P2025): which one the write pointed at, as the typed error; anything else unchanged. */
async function missingRowError(door: Door, findings: WriteFindings, decided: Map<string, DecidedUser>, transaction: CallerTransaction, error: unknown): Promise<unknown> {
  if (!foreignKeyViolation(error) && !recordMissing(error)) return error;
  const rows = rowsToFind(findings);
  const missing = rows.length === 0 ? [] : await missingRows(door, rows, transaction).catch(() => []);
  const { policyModel, policyKey } = door.schema;
  for (const row of missing) {
    const id = row.model === policyModel ? row.key[policyKey] : undefined;
    if (typeof id !== 'string') continue;
    // A row's own user was decided by the write path: decide it again here (the same answer).
    const decision = decided.get(id) ?? door.writePath.decideUser(id, policyKey);
    door.writePath.telemetry.foreignKeyViolation('prisma-extension', policyModel, 'typed-error');
    return door.writePath.unknownUser(decision.decision, NOT_CREATED_HERE);
  }
  const first = missing[0];
  if (!first) return error;
  door.writePath.telemetry.foreignKeyViolation('prisma-extension', first.model, 'typed-error');
  return new UnknownReferenceError(first.model, Object.values(first.key).map(String).join('/'), 'not-created-by-this-write');
}

/** Which of `rows` do not exist: in the caller's interactive transaction if it still answers, else outside it. */
async function missingRows(door: Door, rows: NeededRow[], transaction: CallerTransaction): Promise<NeededRow[]> {
  const check = rows.map((row, i) => {
    const shape = door.schema.models.get(row.model);
    const key = Object.fromEntries(Object.entries(row.key).map(([field, value]) => [shape?.columns.get(field) ?? field, value]));
    return { reference: { referencedTable: shape?.table ?? row.model, field: String(i) }, key };
  });
  const plan = { create: [], check };
  const inCaller = transaction?.kind === 'itx' ? await ensureReferences(inInteractiveTransaction(door.client, transaction.handle), plan).catch(() => null) : null;
  const outcome = inCaller ?? (await ensureReferences(door.direct, plan));
  return outcome.missing.map((i) => rows[Number(i)] as NeededRow);
}

async function writeGuarded(door: Door, plan: ReferencePlan, keyed: Array<Record<string, KeyValues[string]>>, transaction: CallerTransaction, params: HookParams): Promise<unknown> {
  const { writePath, client } = door;
  const batch = transaction?.kind === 'batch' ? transaction.batch : null;
  let prepared: PreparedWrite[];
  try {
    prepared = keyed.map((values) => writePath.prepare(plan, values));
  } catch (error) {
    if (batch) markBatchRefused(batch);
    throw error;
  }
  const skipped = prepared.find((p) => p.decided.kind === 'skip');
  if (skipped) {
    if (batch) markBatchRefused(batch);
    throw new WriteSkippedByPolicyError(plan.model, skipped.decided.decision.reason);
  }
  const refused = prepared.some((p) => p.decided.kind !== 'write');
  if (batch && refused) markBatchRefused(batch);
  // Another write of this batch was refused: this one sends nothing (see transaction.ts).
  if (batch && !refused && !(await batchMayProceed(batch))) return neverSent();
  const result = await writePath.writeMany(prepared, attemptWrite(client, transaction, params), { callerTransaction: transaction !== null });
  // Unreachable: the write path turns an unwritten row into its typed error first.
  if (!result.written) throw new Error(`${plan.model} was not written`);
  return result.value;
}

/**
 * The door's statement: Prisma's write, alone on the fast path (nothing
 * added), else after the ensure statement — inside the caller's interactive
 * transaction when there is one (a rollback undoes both), otherwise as a
 * statement of its own just before (see docs/guides/prisma-extension.md: batch transactions).
 */
function attemptWrite(client: RawClient, transaction: CallerTransaction, params: HookParams): Attempt<unknown> {
  return async (ensure) => {
    if (ensure === null) {
      try {
        return { value: await params.query(params.args), written: true, ensured: null };
      } catch (error) {
        // `connect` to a row that is gone is P2025, not a foreign key error: not final on the fast path either.
        if (recordMissing(error)) return { value: undefined, written: false, ensured: null };
        throw error;
      }
    }
    const db = transaction?.kind === 'itx' ? inInteractiveTransaction(client, transaction.handle) : viaPrisma(client as Parameters<typeof viaPrisma>[0]);
    const ensured = await ensureReferences(db, ensure);
    if (ensured.missing.length > 0) return { value: undefined, written: false, ensured };
    return { value: await params.query(params.args), written: true, ensured };
  };
}

function recordMissing(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'P2025';
}
