/**
 * AgentStateSaver: LangGraph's BaseCheckpointSaver on the shared schema.
 * Writes go through the one write path (@agentstate/write-path, door
 * 'langgraph'): the provisioning policy, the audit trail, typed errors,
 * single-statement race-safe ensure of the user and thread. This file only
 * maps LangGraph's calls to rows (see statements.ts) and back.
 */
import {
  collectElements,
  ElementCache,
  GROWING_STATE_MIN_BYTES,
  renewEpochs,
  setUpDoor,
  splitState,
  InvalidInputError,
  resolveRetry,
  toPersistenceError,
  viaDriver,
  viaPrisma,
  withRetries,
  withThreadTurn,
  type EnsurePlan,
  type RetryOptions,
  type PreparedWrite,
  type Queryable,
  type ReferencePlan,
  type WritePath,
} from '@agentstate/write-path';
import type { RunnableConfig } from '@langchain/core/runnables';
import {
  BaseCheckpointSaver,
  compareWritesSortKeys,
  maxChannelVersion,
  TASKS,
  WRITES_IDX_MAP,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointTuple,
  type DeltaChannelHistory,
  type PendingWrite,
  writesSortKey,
} from '@langchain/langgraph-checkpoint';
import { CheckpointBatcher } from './checkpointBatcher';
import { fromBase64, metadataFilterJson, toBase64 } from './codec';
import { orderHistory, selectDeltaChannelHistory } from './deltaHistory';
import { checkedCheckpointJson, checkpointIdOf, checkWrites, requireText, serialized } from './inputs';
import { MissingOwnerError, StaleCheckpointError } from './errors';
import { nextChannelVersion } from './versions';
import { checkSaverOptions, isForkPolicy, type AgentStateSaverOptions, type ForkPolicy } from './options';
import { namespaceOf, requireId, requireThreadId, resolveOwner, type Owner, type SaverConfigurable } from './owner';
import { pruneCheckpoints } from './retention';
import {
  deleteThreadCheckpoints,
  insertCheckpoint,
  insertWrites,
  latestCheckpointId,
  selectCheckpoint,
  selectCheckpoints,
  selectPendingSends,
  type CheckpointRow,
  type CheckpointWrite,
  type LayoutBlob,
  type StatementResult,
  type ThreadKey,
} from './statements';

/** A channel value to store as a layout: its blob row and its split JSON text. */
interface LargeValue {
  blob: CheckpointWrite['blobs'][number];
  parts: NonNullable<ReturnType<typeof splitState>>;
}

/** What scoped savers (forUser) share with the saver they came from. */
interface SaverCore {
  prisma: AgentStateSaverOptions['prisma'];
  db: Queryable;
  forkPolicy: ForkPolicy;
  threadLockTimeoutMs: number;
  /** built-in retry of put and putWrites (both idempotent: keyed by checkpoint id, and by task and index) */
  retry: Required<RetryOptions>;
  /** group commit of steady puts (PostgreSQL through `sql` only), null when off */
  batcher: CheckpointBatcher | null;
  writePath: WritePath;
  checkpointPlan: ReferencePlan;
  writesPlan: ReferencePlan;
  defaultUserId?: string;
  /** growing-state storage: the threshold (null when off) and what this process knows of threads' elements */
  growing: { minBytes: number; elements: ElementCache } | null;
}

export interface PruneCheckpointsInput {
  /** required on an unscoped saver; a scoped saver (forUser) prunes its own user */
  userId?: string;
  /** one thread; all of the user's threads when absent */
  threadId?: string;
  /** checkpoints kept per thread and namespace, newest first (at least 1; default 1: the latest checkpoint always stays) */
  keepLast?: number;
  /** only checkpoints created before this instant are deleted (with keepLast: both must hold) */
  olderThan?: Date;
}

const PRUNE_KEYS = new Set(['userId', 'threadId', 'keepLast', 'olderThan']);

const KEY_FIELDS = ['userId', 'threadId'] as const;

export class AgentStateSaver extends BaseCheckpointSaver {
  readonly #core: SaverCore;
  /** the user this saver is scoped to (forUser), if any */
  readonly userId: string | undefined;

  /** @param scope internal: forUser's shared state */
  constructor(options: AgentStateSaverOptions, scope?: { core: SaverCore; userId: string }) {
    super(options?.serde);
    if (scope) {
      this.#core = scope.core;
      this.userId = scope.userId;
      return;
    }
    const checked = checkSaverOptions(options);
    const setup = setUpDoor('langgraph', checked, { loggerService: 'langgraph-saver' });
    const db = checked.sql ? viaDriver(checked.sql) : viaPrisma(checked.prisma);
    const writePath = setup.writePath(db);
    this.#core = {
      prisma: checked.prisma,
      db,
      forkPolicy: checked.forkPolicy ?? 'allow',
      batcher: checked.sql && checked.groupCommit !== false ? new CheckpointBatcher(db, checked.groupCommit ?? {}) : null,
      threadLockTimeoutMs: checked.threadLockTimeoutMs ?? 5000,
      retry: resolveRetry(checked.retry),
      writePath,
      // Start-up check: every required relation of the written models has a provisioning rule.
      checkpointPlan: writePath.plan('AgentCheckpoint', KEY_FIELDS),
      writesPlan: writePath.plan('AgentCheckpointWrite', KEY_FIELDS),
      growing:
        checked.growingState === false
          ? null
          : { minBytes: checked.growingState?.minBytes ?? GROWING_STATE_MIN_BYTES, elements: new ElementCache({ maxThreads: checked.growingState?.cacheThreads ?? 1000 }) },
      ...(checked.defaultUserId !== undefined ? { defaultUserId: checked.defaultUserId } : {}),
    };
    this.userId = undefined;
  }

  /** Unique per write (see versions.ts): a fork never reads a sibling branch's channel values. */
  override getNextVersion(current: number | undefined): number {
    // LangGraph's types default to numeric versions; string versions are supported at run time (compareChannelVersions).
    return nextChannelVersion(current as number | string | undefined) as unknown as number;
  }

  /** The environment decisions are made for (after narrowing). */
  get environment() {
    return this.#core.writePath.environment;
  }

  /** A saver that reads and writes only `userId`'s checkpoints; its deleteThread deletes only that user's thread. */
  forUser(userId: string): AgentStateSaver {
    return new AgentStateSaver({ prisma: undefined as never, serde: this.serde }, { core: this.#core, userId: requireId(userId, 'userId') });
  }

  #owner(operation: string, config: RunnableConfig | undefined): Owner {
    return resolveOwner(operation, config?.configurable as SaverConfigurable | undefined, {
      ...(this.userId !== undefined ? { scopedUserId: this.userId } : {}),
      ...(this.#core.defaultUserId !== undefined ? { defaultUserId: this.#core.defaultUserId } : {}),
    });
  }

  override async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const { userId, echo } = this.#owner('getTuple', config);
    const configurable = (config.configurable ?? {}) as SaverConfigurable;
    if (typeof configurable.thread_id !== 'string') return undefined;
    const key: ThreadKey = { userId, threadId: requireText(configurable.thread_id, 'configurable.thread_id'), checkpointNs: namespaceOf(configurable) };
    const checkpointId = checkpointIdOf(configurable);
    const row = await this.#read('getTuple', userId, () => selectCheckpoint(this.#core.db, key, checkpointId));
    if (!row) return undefined;
    await this.#migratePendingSends(userId, row);
    return this.#toTuple(row, echo);
  }

  override async *list(config: RunnableConfig, options?: CheckpointListOptions): AsyncGenerator<CheckpointTuple> {
    const { userId, echo } = this.#owner('list', config);
    const configurable = (config?.configurable ?? {}) as SaverConfigurable;
    const { filter, before, limit } = options ?? {};
    const checkpointId = checkpointIdOf(configurable);
    const beforeId = checkpointIdOf(before?.configurable, 'options.before.checkpoint_id');
    const rows = await this.#read('list', userId, () =>
      selectCheckpoints(this.#core.db, {
        userId,
        ...(typeof configurable.thread_id === 'string' && configurable.thread_id !== '' ? { threadId: requireText(configurable.thread_id, 'configurable.thread_id') } : {}),
        ...(configurable.checkpoint_ns !== undefined && configurable.checkpoint_ns !== null ? { checkpointNs: namespaceOf(configurable) } : {}),
        ...(checkpointId !== undefined ? { checkpointId } : {}),
        ...(filter && Object.keys(filter).length > 0 ? { filterJson: metadataFilterJson('json', new TextEncoder().encode(JSON.stringify(filter))) ?? '{}' } : {}),
        ...(beforeId !== undefined ? { before: beforeId } : {}),
        ...(limit !== undefined ? { limit: Math.max(0, Math.trunc(Number(limit))) } : {}),
      }),
    );
    for (const row of rows) {
      await this.#migratePendingSends(userId, row);
      yield await this.#toTuple(row, echo);
    }
  }

  /**
   * The writes and seed LangGraph's DeltaChannel rebuilds a channel from (see
   * deltaHistory.ts): the inherited walk's result, in one statement at any
   * depth. The owner is the config's, as for getTuple: LangGraph passes the
   * tuple's config, which names the owner it was read for.
   */
  override async getDeltaChannelHistory(options: { config: RunnableConfig; channels: string[] }): Promise<Record<string, DeltaChannelHistory>> {
    const { config, channels } = options;
    if (channels.length === 0) return {};
    const { userId } = this.#owner('getDeltaChannelHistory', config);
    const configurable = (config.configurable ?? {}) as SaverConfigurable;
    const wanted = [...new Set(channels)];
    if (typeof configurable.thread_id !== 'string') return Object.fromEntries(wanted.map((channel) => [channel, { writes: [] }]));
    const key: ThreadKey = { userId, threadId: requireText(configurable.thread_id, 'configurable.thread_id'), checkpointNs: namespaceOf(configurable) };
    const checkpointId = checkpointIdOf(configurable);
    const row = await this.#read('getDeltaChannelHistory', userId, () => selectDeltaChannelHistory(this.#core.db, key, checkpointId, wanted));
    const histories = orderHistory(row, wanted, key);
    const result: Record<string, DeltaChannelHistory> = {};
    for (const [channel, history] of Object.entries(histories)) {
      const writes = await Promise.all(history.writes.map(async (w) => [w.taskId, w.channel, await this.serde.loadsTyped(w.type, fromBase64(w.blob))] as [string, string, unknown]));
      result[channel] = history.seed ? { writes, seed: await this.serde.loadsTyped(history.seed.type, fromBase64(history.seed.blob ?? '')) } : { writes };
    }
    return result;
  }

  override async put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata, newVersions: ChannelVersions): Promise<RunnableConfig> {
    if (config.configurable === undefined) throw new InvalidInputError('config.configurable', 'put needs config.configurable with thread_id');
    const { userId, echo } = this.#owner('put', config);
    const configurable = config.configurable as SaverConfigurable;
    const threadId = requireThreadId(configurable);
    const checkpointNs = namespaceOf(configurable);
    const parent = checkpointIdOf(configurable) ?? null;
    const storedCheckpoint = checkedCheckpointJson(checkpoint, newVersions);
    const next: RunnableConfig = { configurable: { thread_id: threadId, checkpoint_ns: checkpointNs, checkpoint_id: checkpoint.id, ...owned(echo) } };
    const { writePath, db } = this.#core;
    // Decided and serialized before any connection is taken.
    const prepared = writePath.prepare(this.#core.checkpointPlan, { userId, threadId });
    if (prepared.decided.kind === 'skip') return next;
    const [metadataType, metadataBytes] = await serialized(this.serde, metadata, 'metadata');
    const blobs = await Promise.all(
      Object.entries(newVersions).map(async ([channel, version]) => {
        if (!(channel in checkpoint.channel_values)) return { channel, version: String(version), type: 'empty', blob: null };
        const [type, blob] = await serialized(this.serde, checkpoint.channel_values[channel], `checkpoint.channel_values.${channel}`);
        return { channel, version: String(version), type, blob };
      }),
    );
    const forkPolicy = this.#forkPolicy(configurable);
    const write: CheckpointWrite = {
      userId: prepared.values.userId as string,
      threadId,
      checkpointNs,
      checkpointId: checkpoint.id,
      parentCheckpointId: parent,
      checkpointJson: storedCheckpoint,
      metadataType,
      metadata: metadataBytes,
      metadataFilterJson: metadataFilterJson(metadataType, metadataBytes),
      blobs,
    };
    const { batcher } = this.#core;
    const large = this.#largeValue(write);
    const attempt = (ensure: EnsurePlan | null) =>
      large ? this.#insertWithLayout(db, write, ensure, large) : (ensure === null && batcher ? batcher.insert(write) : insertCheckpoint(db, write, ensure)).then(attempted);
    // Idempotent: the checkpoint's row is keyed by its id (a retry upserts the same row), its blobs by version
    // (a retried layout keeps the first attempt's; elements it appended again are collected with the thread's garbage).
    await this.#write('put', userId, () => (forkPolicy === 'reject' ? this.#putIfLatest(write, prepared) : writePath.write(prepared, attempt)), true);
    return next;
  }

  override async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath = ''): Promise<void> {
    const { userId } = this.#owner('putWrites', config);
    const configurable = (config.configurable ?? {}) as SaverConfigurable;
    const threadId = requireThreadId(configurable);
    const checkpointId = checkpointIdOf(configurable);
    if (checkpointId === undefined) throw new InvalidInputError('configurable.checkpoint_id', 'putWrites needs the checkpoint the writes belong to');
    const checkpointNs = namespaceOf(configurable);
    checkWrites(writes, taskId, taskPath);
    const { writePath, db } = this.#core;
    const prepared = writePath.prepare(this.#core.writesPlan, { userId, threadId });
    if (prepared.decided.kind === 'skip' || writes.length === 0) return;
    const rows = await Promise.all(
      writes.map(async ([channel, value], index) => {
        const [type, blob] = await serialized(this.serde, value, `writes[${index}].value`);
        return { idx: WRITES_IDX_MAP[channel] ?? index, channel, type, blob };
      }),
    );
    const write = {
      userId: prepared.values.userId as string,
      threadId,
      checkpointNs,
      checkpointId,
      taskId,
      taskPath,
      writes: rows,
      upsert: writes.every(([channel]) => channel in WRITES_IDX_MAP),
    };
    // Idempotent: keyed by checkpoint, task and index (a retry keeps or overwrites the same rows).
    await this.#write('putWrites', userId, () => writePath.write(prepared, (ensure: EnsurePlan | null) => insertWrites(db, write, ensure).then(attempted)), true);
  }

  #forkPolicy(configurable: SaverConfigurable): ForkPolicy {
    const requested = (configurable as { fork_policy?: unknown }).fork_policy;
    if (requested === undefined || requested === null) return this.#core.forkPolicy;
    if (!isForkPolicy(requested)) throw new InvalidInputError('configurable.fork_policy', "expected 'allow' or 'reject'");
    return requested;
  }

  /**
   * forkPolicy 'reject': the put in a transaction holding the thread's
   * advisory lock (the service's key, so both doors take turns), after
   * checking that the checkpoint it continues is still the latest of its
   * thread and namespace (or is this very checkpoint: a retried put).
   * Otherwise StaleCheckpointError, the transaction rolls back and nothing is
   * written. Writers of a thread queue in memory before they take a pool
   * connection, and wait at most threadLockTimeoutMs in all (then
   * ThreadBusyError): see withThreadTurn.
   */
  #putIfLatest(write: CheckpointWrite, prepared: PreparedWrite) {
    const { prisma, threadLockTimeoutMs, writePath } = this.#core;
    const key: ThreadKey = { userId: write.userId, threadId: write.threadId, checkpointNs: write.checkpointNs };
    return withThreadTurn({ prisma, userId: write.userId, threadId: write.threadId, timeoutMs: threadLockTimeoutMs }, (transaction) =>
      writePath.write(
        prepared,
        (ensure: EnsurePlan | null) =>
          transaction(async (db) => {
            const latest = await latestCheckpointId(db, key);
            if (latest !== write.parentCheckpointId && latest !== write.checkpointId) {
              throw new StaleCheckpointError(write.threadId, write.checkpointNs, write.parentCheckpointId, latest);
            }
            const large = this.#largeValue(write);
            return large ? this.#insertWithLayout(db, write, ensure, large) : attempted(await insertCheckpoint(db, write, ensure));
          }),
        { transactional: true },
      ),
    );
  }

  /**
   * The largest JSON channel value worth storing as a layout over the
   * thread's elements (growing-state storage: MessagesValue's list), split;
   * null to store every value whole.
   */
  #largeValue(write: CheckpointWrite): LargeValue | null {
    const growing = this.#core.growing;
    if (!growing) return null;
    let largest: CheckpointWrite['blobs'][number] | null = null;
    for (const b of write.blobs) if (b.type === 'json' && b.blob && b.blob.byteLength >= growing.minBytes && (!largest || b.blob.byteLength > (largest.blob?.byteLength ?? 0))) largest = b;
    if (!largest?.blob) return null;
    let parts: ReturnType<typeof splitState>;
    try {
      parts = splitState(Buffer.from(largest.blob.buffer, largest.blob.byteOffset, largest.blob.byteLength).toString('utf8'), growing.minBytes);
    } catch {
      return null; // not one JSON text (a custom serializer): stored whole
    }
    return parts ? { blob: largest, parts } : null;
  }

  /**
   * The put with one value as a layout, in one statement: planned against
   * what this process knows of the thread; refused as stale, planned afresh
   * (all elements new, cannot be refused) and run once more.
   */
  async #insertWithLayout(db: Queryable, write: CheckpointWrite, ensure: EnsurePlan | null, large: LargeValue) {
    const { elements } = this.#core.growing as NonNullable<SaverCore['growing']>;
    const layoutOf = (fresh: boolean): LayoutBlob => ({ channel: large.blob.channel, version: large.blob.version, type: large.blob.type, save: elements.plan(write.userId, write.threadId, large.parts, fresh) });
    let layout = layoutOf(false);
    let result = await insertCheckpoint(db, write, ensure, layout);
    if (result.elements?.kind === 'refused') {
      elements.forget(write.userId, write.threadId);
      layout = layoutOf(true);
      result = await insertCheckpoint(db, write, ensure, layout);
    }
    if (result.elements?.kind === 'written') elements.written(layout.save, result.elements.base, result.elements.epoch);
    return attempted(result);
  }

  /**
   * After checkpoints were deleted: the elements of the user's threads that
   * no layout references any more (growing-state storage), in a transaction
   * of their own (always safe to run; see collectElements).
   */
  async #collect(userId: string, threadId: string | null): Promise<void> {
    const { prisma } = this.#core;
    await prisma.$transaction(async (tx) => {
      const threads = await tx.$queryRaw<Array<{ thread_id: string }>>`
        SELECT thread_id FROM agent_state_element_logs WHERE user_id = ${userId} AND (${threadId}::text IS NULL OR thread_id = ${threadId}::text)`;
      if (threads.length === 0) return;
      const logged = await tx.$queryRaw<Array<{ user_id: string; thread_id: string }>>(renewEpochs(threads.map((t) => ({ userId, threadId: t.thread_id }))));
      if (logged.length > 0) await tx.$executeRaw(collectElements(logged.map((t) => ({ userId: t.user_id, threadId: t.thread_id }))));
    });
  }

  /**
   * LangGraph calls deleteThread(threadId) without a config, so the owner is
   * this saver's: its forUser scope, else its defaultUserId; with neither it
   * throws MissingOwnerError and deletes nothing. Only that user's
   * checkpoints, blobs and writes of the thread (all namespaces) are deleted;
   * the agent_threads row and any snapshots of the thread stay.
   */
  override async deleteThread(threadId: string): Promise<void> {
    const userId = this.userId ?? this.#core.defaultUserId;
    if (userId === undefined) throw new MissingOwnerError('deleteThread');
    const id = requireId(threadId, 'threadId');
    await this.#write('deleteThread', userId, async () => {
      await deleteThreadCheckpoints(this.#core.db, userId, id);
      await this.#collect(userId, id);
    });
  }

  /**
   * Retention per thread and namespace: deletes the checkpoints that are not
   * among the newest `keepLast` (default 1) and, when `olderThan` is given,
   * were created before it. The latest checkpoint of a thread always stays
   * (deleteThread removes a whole thread). Channel values a kept checkpoint
   * resolves through are never deleted, whichever checkpoint wrote them.
   */
  async prune(input: PruneCheckpointsInput): Promise<{ deletedCheckpoints: number; deletedWrites: number; deletedBlobs: number }> {
    if (input === null || typeof input !== 'object') throw new InvalidInputError('prune input', 'expected { userId?, threadId?, keepLast?, olderThan? }');
    const unknown = Object.keys(input).filter((key) => !PRUNE_KEYS.has(key));
    if (unknown.length > 0) throw new InvalidInputError('prune input', `unknown option(s) ${unknown.join(', ')}; expected ${[...PRUNE_KEYS].join(', ')}`);
    if (input.keepLast === undefined && input.olderThan === undefined) throw new InvalidInputError('prune input', 'give keepLast, olderThan, or both (nothing would be pruned otherwise)');
    const userId = input.userId !== undefined ? this.#owner('prune', { configurable: { user_id: input.userId } }).userId : (this.userId ?? raise(new MissingOwnerError('prune')));
    const keepLast = input.keepLast ?? 1;
    if (!Number.isInteger(keepLast) || keepLast < 1) throw new InvalidInputError('keepLast', 'must be an integer of at least 1 (to delete a whole thread, call deleteThread)');
    const olderThan = input.olderThan ?? null;
    if (olderThan !== null && (!(olderThan instanceof Date) || Number.isNaN(olderThan.getTime()))) throw new InvalidInputError('olderThan', 'expected a valid Date');
    const threadId = input.threadId === undefined ? null : requireId(input.threadId, 'threadId');
    const result = await this.#write('prune', userId, async () => {
      const counts = await pruneCheckpoints(this.#core.db, userId, threadId, keepLast, olderThan);
      if (counts.blobs > 0) await this.#collect(userId, threadId);
      return counts;
    });
    return { deletedCheckpoints: result.checkpoints, deletedWrites: result.writes, deletedBlobs: result.blobs };
  }

  /** A write; an idempotent one is retried by the library after a lost connection or a busy thread (see options.retry). */
  async #write<T>(operation: string, userId: string, action: () => Promise<T>, idempotent = false): Promise<T> {
    const { retry, writePath } = this.#core;
    const attempt = async () => {
      try {
        return await action();
      } catch (error) {
        throw toPersistenceError(operation, error, 'write');
      }
    };
    try {
      return await this.#traced(operation, userId, async () => {
        const { value } = await withRetries(retry, idempotent, attempt, (error) => writePath.telemetry.retry('langgraph', (error as { code?: string }).code ?? 'UNKNOWN'));
        return value;
      });
    } catch (error) {
      throw toPersistenceError(operation, error, 'write');
    }
  }

  async #read<T>(operation: string, userId: string, action: () => Promise<T>): Promise<T> {
    try {
      return await this.#traced(operation, userId, action);
    } catch (error) {
      throw toPersistenceError(operation, error, 'read');
    }
  }

  #traced<T>(operation: string, userId: string, action: () => Promise<T>): Promise<T> {
    // The service's attribute names (user.id), so one dashboard covers both doors.
    return this.#core.writePath.telemetry.traced(`langgraph.${operation}`, 'langgraph', { 'db.system.name': 'postgresql', 'user.id': userId.slice(0, 128) }, () => action());
  }

  /** Checkpoints saved before format v4 kept pending sends as writes of their parent: move them into the TASKS channel. */
  async #migratePendingSends(userId: string, row: CheckpointRow): Promise<void> {
    if ((row.checkpoint.v ?? 4) >= 4 || !row.parent_checkpoint_id) return;
    const key = { userId, threadId: row.thread_id, checkpointNs: row.checkpoint_ns };
    const sends = await selectPendingSends(this.#core.db, key, row.parent_checkpoint_id, TASKS);
    if (sends.length === 0) return;
    const values = await Promise.all(sends.map(([type, blob]) => this.serde.loadsTyped(type, fromBase64(blob))));
    const [type, bytes] = await this.serde.dumpsTyped(values);
    row.channel_values.push([TASKS, type, toBase64(bytes)]);
    const versions = (row.checkpoint.channel_versions ??= {});
    versions[TASKS] = Object.keys(versions).length > 0 ? maxChannelVersion(...Object.values(versions)) : this.getNextVersion(undefined);
  }

  async #toTuple(row: CheckpointRow, echo: string | undefined): Promise<CheckpointTuple> {
    const configurable = { thread_id: row.thread_id, checkpoint_ns: row.checkpoint_ns, ...owned(echo) };
    const values = await Promise.all(row.channel_values.filter(([, type]) => type !== 'empty').map(async ([channel, type, blob]) => [channel, await this.serde.loadsTyped(type, fromBase64(blob ?? ''))] as const));
    const checkpoint = {
      ...row.checkpoint,
      channel_versions: row.checkpoint.channel_versions ?? {},
      versions_seen: row.checkpoint.versions_seen ?? {},
      channel_values: Object.fromEntries(values),
    } as unknown as Checkpoint;
    return {
      config: { configurable: { ...configurable, checkpoint_id: row.checkpoint_id } },
      checkpoint,
      metadata: (await this.serde.loadsTyped(row.metadata_type, fromBase64(row.metadata))) as CheckpointMetadata,
      parentConfig: row.parent_checkpoint_id ? { configurable: { ...configurable, checkpoint_id: row.parent_checkpoint_id } } : undefined,
      pendingWrites: await Promise.all(
        row.pending_writes
          .sort(([taskA, , , , pathA, idxA], [taskB, , , , pathB, idxB]) => compareWritesSortKeys(writesSortKey(pathA, taskA, idxA), writesSortKey(pathB, taskB, idxB)))
          .map(async ([task, channel, type, blob]) => [task, channel, await this.serde.loadsTyped(type, fromBase64(blob))] as [string, string, unknown]),
      ),
    };
  }
}

/** configurable.user_id to echo in a returned config (see Owner.echo), or nothing. */
function owned(echo: string | undefined): { user_id?: string } {
  return echo === undefined ? {} : { user_id: echo };
}

function attempted(result: StatementResult) {
  return { value: undefined, written: result.written, ensured: result.ensured };
}

function raise(error: Error): never {
  throw error;
}

/** The saver, a LangGraph BaseCheckpointSaver (see AgentStateSaverOptions). */
export function createAgentStateSaver(options: AgentStateSaverOptions): AgentStateSaver {
  return new AgentStateSaver(options);
}
