/**
 * referenceProvisioning: a Prisma Client extension giving direct Prisma
 * writes the service's guarantee. Every top-level create / createMany /
 * createManyAndReturn / upsert on a model with a required relation to a
 * policy-decided model (found in Prisma's data model) goes through the one
 * write path of @agentstate/state-persistence (door 'prisma-extension'): the
 * policy decision, refusals before the write, the ensure statement
 * (INSERT … ON CONFLICT DO NOTHING of the referenced rows, with the 'created'
 * audit row) and the known-reference cache. This file only says how the
 * extension's own statement (Prisma's write) is sent; it decides nothing.
 */
import { WriteSkippedByPolicyError } from './errors';
import { loadDataModel, Prisma, type DataModel } from '@agentstate/db';
import { createLogger, type Logger } from '@agentstate/logger';
import { createProvisioningPolicy, validateIdentifier, type Environment } from '@agentstate/policy';
import {
  createWritePath,
  doorEnvironment,
  ensureReferences,
  InvalidInputError,
  modelsReferencingPolicyModels,
  viaPrisma,
  type Attempt,
  type KeyValues,
  type PreparedWrite,
  type ProvisioningPolicyLike,
  type ReferencePlan,
  type ReferenceRule,
  type Telemetry,
  type WritePath,
} from '@agentstate/state-persistence';
import { batchMayProceed, callerTransaction, inInteractiveTransaction, markBatchRefused, neverSent, type CallerTransaction } from './transaction';
import { requiredKeyFields, rowKeyValues, rowsOf, type GuardedOperation } from './rowKeys';

export interface ReferenceProvisioningOptions {
  /** default: createProvisioningPolicy() */
  policy?: ProvisioningPolicyLike;
  /** may narrow the process's environment (AGENT_STATE_ENV, else NODE_ENV), never widen it */
  environment?: Environment;
  /** default: a JSON logger for service 'prisma-provisioning' */
  logger?: Logger;
  /** default: OpenTelemetry through the global providers (a no-op without an SDK) */
  telemetry?: Telemetry;
  /** default: parsed from prisma/schema.prisma */
  dataModel?: DataModel;
  /** default: DEFAULT_REFERENCE_RULES (User by the policy, AgentThread on first use) */
  referenceRules?: Readonly<Record<string, ReferenceRule>>;
  /** referenced rows remembered as existing (the steady-state fast path); 0 turns it off */
  knownReferenceCacheSize?: number;
}

interface HookParams {
  model?: string;
  operation: string;
  args: unknown;
  query: (args: unknown) => PromiseLike<unknown>;
}

let cachedDataModel: DataModel | undefined;

/**
 * The extension: `const prisma = base.$extends(referenceProvisioning({ environment: 'development' }))`.
 * The environment is resolved once, here, as the service does.
 */
export function referenceProvisioning(options: ReferenceProvisioningOptions = {}) {
  const logger = options.logger ?? createLogger({ service: 'prisma-provisioning' });
  const environment = doorEnvironment(options.environment, logger);
  const dataModel = options.dataModel ?? (cachedDataModel ??= loadDataModel());
  const rules = options.referenceRules;

  return Prisma.defineExtension((client) => {
    // Refusal audit rows and presence checks go through the client being extended, never inside a caller's transaction.
    const writePath = createWritePath({
      dataModel,
      policy: options.policy ?? createProvisioningPolicy(),
      environment,
      logger,
      direct: viaPrisma(client),
      door: 'prisma-extension',
      ...(options.telemetry ? { telemetry: options.telemetry } : {}),
      ...(rules ? { referenceRules: rules } : {}),
      ...(options.knownReferenceCacheSize !== undefined ? { knownReferenceCacheSize: options.knownReferenceCacheSize } : {}),
    });
    // Start-up check: every required relation of every guarded model has a rule.
    const plans = new Map<string, ReferencePlan>(
      modelsReferencingPolicyModels(dataModel, rules).map((model) => [model, writePath.plan(model, requiredKeyFields(dataModel.references.get(model) ?? []))]),
    );
    const guard = (operation: GuardedOperation) => (params: HookParams) => guardedWrite(writePath, client, plans, operation, params);
    return client.$extends({
      name: 'agentstate-reference-provisioning',
      query: { $allModels: { create: guard('create'), createMany: guard('createMany'), createManyAndReturn: guard('createManyAndReturn'), upsert: guard('upsert') } },
    });
  });
}

async function guardedWrite(writePath: WritePath, client: { $queryRaw: (sql: Prisma.Sql) => unknown }, plans: Map<string, ReferencePlan>, operation: GuardedOperation, params: HookParams): Promise<unknown> {
  const plan = params.model ? plans.get(params.model) : undefined;
  if (!plan) return params.query(params.args);
  const keyed = rowsOf(operation, params.args).map((row) => rowKeyValues(plan, row));
  // No rows, or a reference written another way (nested create, connectOrCreate): Prisma's own semantics.
  if (keyed.length === 0 || keyed.some((values) => values === null)) return params.query(params.args);
  // One span per guarded write (agentstate.<Model>.<operation>), with the first row's owner, never the data.
  const owner = (keyed[0] as Record<string, unknown>)[plan.policyReference.keys[0]?.from ?? ''];
  const attributes = { 'db.system.name': 'postgresql', 'agentstate.rows': keyed.length, ...(typeof owner === 'string' ? { 'user.id': owner.slice(0, 128) } : {}) };
  return writePath.telemetry.traced(`${plan.model}.${operation}`, 'prisma-extension', attributes, () =>
    writeGuarded(writePath, client, plan, keyed as Array<Record<string, unknown>>, params),
  );
}

async function writeGuarded(writePath: WritePath, client: { $queryRaw: (sql: Prisma.Sql) => unknown }, plan: ReferencePlan, keyed: Array<Record<string, unknown>>, params: HookParams): Promise<unknown> {
  const transaction = callerTransaction(params);
  const batch = transaction?.kind === 'batch' ? transaction.batch : null;
  let prepared: PreparedWrite[];
  try {
    prepared = keyed.map((values) => writePath.prepare(plan, checkedKeys(plan, values)));
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
 * statement of its own just before (see README: batch transactions).
 */
function attemptWrite(client: { $queryRaw: (sql: Prisma.Sql) => unknown }, transaction: CallerTransaction, params: HookParams): Attempt<unknown> {
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

/** Key values other than the user's (which the write path validates) must be valid identifiers too. */
function checkedKeys(plan: ReferencePlan, values: Record<string, unknown>): KeyValues {
  const userField = plan.policyReference.keys[0]?.from;
  for (const [field, value] of Object.entries(values)) {
    if (field === userField) continue;
    const valid = validateIdentifier(value);
    if (!valid.ok) throw new InvalidInputError(field, valid.reason, valid.code);
  }
  return values as KeyValues;
}

function recordMissing(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'P2025';
}
