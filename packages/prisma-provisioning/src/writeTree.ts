/**
 * Reading a whole Prisma write, nested writes included. Prisma's query
 * extensions see only the top-level operation (a nested create,
 * connectOrCreate or upsert is part of its `args`, never an operation of its
 * own), so the extension walks the tree itself: every row the write creates
 * or changes, at any depth and through every relation, with the values its
 * identifier fields get. Pure functions over the arguments and Prisma's data
 * model; nothing here decides anything.
 *
 * An identifier field holds the key of a model that has a reference rule
 * (User.id, AgentThread.userId/id), directly or through a foreign key
 * (AgentStateSnapshot.userId, .threadId): its values are user ids (decided by
 * the policy) or other ids (thread ids, checked with the id rule).
 */
import type { DataModel, Reference } from '@agentstate/db';
import type { ReferenceRule } from '@agentstate/write-path';

/** The top-level operations that write rows. */
export const WRITE_OPERATIONS = ['create', 'createMany', 'createManyAndReturn', 'upsert', 'update', 'updateMany', 'updateManyAndReturn'] as const;
export type WriteOperation = (typeof WRITE_OPERATIONS)[number];

/** A value a write puts into an identifier field. */
export interface WrittenId {
  /** whose key it is: the model and field at the end of the foreign keys (User.id, AgentThread.id) */
  model: string;
  field: string;
  value: unknown;
  /** where in the write it sits, e.g. `user.connectOrCreate.create.id` (without the leading `data.`) */
  path: string;
}

/** A row the write points at and does not create: when Prisma reports a row missing, one of these is. */
export interface NeededRow {
  model: string;
  /** field -> value: the row's key (or the unique field a `connect` names) */
  key: Record<string, unknown>;
}

export interface WriteFindings {
  /** user ids the write creates, renames a user to, or gives to a row it creates or moves */
  users: WrittenId[];
  /** every other identifier it writes (thread ids) */
  identifiers: WrittenId[];
  /** foreign keys of the rows it writes that point at rows of governed models: each row and the reference (read by rowsToFind) */
  pointers: Array<{ reference: Reference; values: Record<string, unknown> }>;
  /** rows of governed models it connects by a unique field */
  connected: NeededRow[];
  /** rows it creates or may create (connectOrCreate, upsert): never among the rows to find */
  created: Array<{ model: string; values: Record<string, unknown> }>;
}

interface Relation {
  target: string;
  /** the foreign key is on this side: its reference */
  owning: Reference | null;
  /** the foreign key is on the target (a list or back relation): the target's reference to this model */
  back: Reference | null;
}

export interface ModelShape {
  name: string;
  table: string;
  /** scalar field -> column */
  columns: Map<string, string>;
  relations: Map<string, Relation>;
  /** identifier field -> whose key it holds */
  ids: Map<string, { model: string; field: string }>;
  /** the foreign keys this model holds */
  references: Reference[];
  /** the model has a reference rule (its rows are ones a write may need to find) */
  governed: boolean;
}

export interface WriteSchema {
  models: Map<string, ModelShape>;
  /** the model whose ids the policy decides (User), and the field its rows are referenced by (id) */
  policyModel: string;
  policyKey: string;
}

/** The shapes the walk needs, from Prisma's data model and the reference rules (built once per extension). */
export function writeSchema(dataModel: DataModel, rules: Readonly<Record<string, ReferenceRule>>): WriteSchema {
  const governed = new Set(Object.keys(rules));
  const policyModel = Object.entries(rules).find(([, rule]) => rule.kind === 'policy')?.[0] ?? 'User';
  const referencedFields = new Set([...dataModel.references.values()].flat().flatMap((r) => r.keys.map((k) => `${r.referencedModel}.${k.to}`)));
  const all = [...dataModel.references.values()].flat();

  const rootOf = (model: string, field: string, depth = 0): { model: string; field: string } | null => {
    for (const reference of dataModel.references.get(model) ?? []) {
      const key = reference.keys.find((k) => k.from === field);
      if (key && governed.has(reference.referencedModel) && depth < 8) return rootOf(reference.referencedModel, key.to, depth + 1);
    }
    return governed.has(model) && referencedFields.has(`${model}.${field}`) ? { model, field } : null;
  };

  const models = new Map<string, ModelShape>();
  for (const model of dataModel.models.values()) {
    const columns = new Map<string, string>();
    const relations = new Map<string, Relation>();
    const ids = new Map<string, { model: string; field: string }>();
    for (const field of model.fields) {
      if (field.kind !== 'object') {
        columns.set(field.name, field.column);
        const root = rootOf(model.name, field.name);
        if (root) ids.set(field.name, root);
        continue;
      }
      const owning = field.relationFromFields.length > 0 ? (all.find((r) => r.model === model.name && r.field === field.name) ?? null) : null;
      const back = owning ? null : (all.find((r) => r.model === field.type && r.referencedModel === model.name && r.relationName === field.relationName) ?? null);
      relations.set(field.name, { target: field.type, owning, back });
    }
    models.set(model.name, { name: model.name, table: model.table, columns, relations, ids, references: dataModel.references.get(model.name) ?? [], governed: governed.has(model.name) });
  }
  const policyKey = all.find((r) => r.referencedModel === policyModel)?.keys[0]?.to ?? 'id';
  return { models, policyModel, policyKey };
}

type Values = Record<string, unknown>;
type Paths = Record<string, string>;
type Mode = 'create' | 'update';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isPrimitive = (value: unknown) => typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean';
const join = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);
/** One item or a list of them (to-many nested operations take either). */
const items = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

/**
 * The identifying values of a unique `where` (compound keys such as
 * `userId_id` flattened) into `values`, and where each sits into `at`;
 * filters other than equality are ignored.
 */
function readWhere(model: ModelShape, where: unknown, path: string, values: Values, at: Paths): void {
  if (!isObject(where)) return;
  for (const key in where) {
    const value = where[key];
    if (model.columns.has(key)) {
      if (isPrimitive(value)) {
        values[key] = value;
        at[key] = join(path, key);
      } else if (isObject(value) && isPrimitive(value.equals)) {
        values[key] = value.equals;
        at[key] = join(join(path, key), 'equals');
      }
    } else if (!model.relations.has(key) && key !== 'OR' && key !== 'NOT') {
      readWhere(model, value, join(path, key), values, at);
    }
  }
}

export function whereValues(model: ModelShape, where: unknown): Values {
  const values: Values = {};
  readWhere(model, where, '', values, {});
  return values;
}

/** What a top-level write of `model` creates, changes and points at. */
export function readWrite(schema: WriteSchema, model: string, operation: WriteOperation, args: unknown): WriteFindings {
  const shape = schema.models.get(model);
  const walk = new Walk(schema);
  const a = isObject(args) ? args : {};
  if (!shape) return walk.findings();
  switch (operation) {
    case 'create':
      walk.row(shape, 'create', a.data, '', {}, {}, {});
      break;
    case 'createMany':
    case 'createManyAndReturn':
      items(a.data).forEach((row, i) => walk.row(shape, 'create', row, Array.isArray(a.data) ? join('', i) : '', {}, {}, {}));
      break;
    case 'upsert':
      walk.row(shape, 'create', a.create, 'create', {}, {}, {});
      walk.row(shape, 'update', a.update, 'update', whereValues(shape, a.where), {}, {});
      break;
    case 'update':
    case 'updateMany':
    case 'updateManyAndReturn':
      walk.row(shape, 'update', a.data, '', whereValues(shape, a.where), {}, {});
      break;
  }
  return walk.findings();
}

/** The rows a write points at and does not create, each once (computed only when Prisma reports a row missing). */
export function rowsToFind(findings: WriteFindings): NeededRow[] {
  const seen = new Set<string>();
  const pointed = findings.pointers.map(({ reference, values }) => ({ model: reference.referencedModel, key: Object.fromEntries(reference.keys.map((k) => [k.to, values[k.from]])) }));
  return [...pointed, ...findings.connected].filter((row) => {
    const text = `${row.model}:${JSON.stringify(row.key)}`;
    if (seen.has(text) || Object.keys(row.key).length === 0) return false;
    seen.add(text);
    return !findings.created.some((c) => c.model === row.model && Object.entries(row.key).every(([field, value]) => c.values[field] === value));
  });
}

class Walk {
  private readonly users: WrittenId[] = [];
  private readonly identifiers: WrittenId[] = [];
  private readonly connected: NeededRow[] = [];
  /** a row's foreign key, recorded as the row and the reference: its key is read only if needed (rowsToFind) */
  private readonly pointers: Array<{ reference: Reference; values: Values }> = [];
  /** rows this write creates (or may create: connectOrCreate, upsert), by model: a row it creates is never "needed" */
  private readonly created: Array<{ model: string; values: Values }> = [];

  constructor(private readonly schema: WriteSchema) {}

  findings(): WriteFindings {
    return { users: this.users, identifiers: this.identifiers, pointers: this.pointers, connected: this.connected, created: this.created };
  }

  /**
   * One row the write creates or updates. `known`: values it has already
   * (an update's `where`, its parent's key); `given`: values the write gives
   * it from its parent (a nested create's or a connected row's foreign key),
   * written at `givenAt`. Returns the row's values as far as the write says them.
   */
  row(model: ModelShape, mode: Mode, data: unknown, path: string, known: Values, given: Values, givenAt: Paths): Values {
    if (!isObject(data)) return known;
    const values: Values = { ...known, ...given };
    const origin: Paths = { ...givenAt };
    // What an update writes (a created row writes everything it has).
    const written = mode === 'update' ? new Set(Object.keys(given)) : null;
    if (mode === 'create') this.created.push({ model: model.name, values });
    for (const key in data) {
      if (!model.columns.has(key)) continue;
      const value = data[key];
      values[key] = written && isObject(value) && 'set' in value ? value.set : value;
      if (model.ids.has(key)) origin[key] = join(path, key);
      written?.add(key);
    }
    for (const key in data) {
      const operations = data[key];
      const relation = model.relations.get(key);
      const target = relation && this.schema.models.get(relation.target);
      if (!relation || !target || !isObject(operations)) continue;
      if (relation.owning) {
        const { keys } = relation.owning;
        const current: Values = {};
        for (const k of keys) current[k.to] = values[k.from];
        const found: Values = {};
        const at: Paths = {};
        this.owning(target, operations, join(path, key), keys.map((k) => k.to), current, found, at);
        for (const k of keys) {
          if (found[k.to] === undefined) continue;
          values[k.from] = found[k.to];
          origin[k.from] = at[k.to] ?? join(path, key);
          written?.add(k.from);
        }
      } else if (relation.back) {
        this.back(target, relation.back, operations, join(path, key), values, origin);
      }
    }
    for (const [field, root] of model.ids) {
      if (values[field] === undefined || (written && !written.has(field))) continue;
      const id = { model: root.model, field: root.field, value: values[field], path: origin[field] ?? join(path, field) };
      (root.model === this.schema.policyModel ? this.users : this.identifiers).push(id);
    }
    for (const reference of model.references) {
      if (!this.schema.models.get(reference.referencedModel)?.governed) continue;
      if (written && !reference.keys.some((k) => written.has(k.from))) continue;
      if (reference.keys.every((k) => values[k.from] !== undefined && values[k.from] !== null)) this.pointers.push({ reference, values });
    }
    return values;
  }

  /**
   * A relation whose foreign key this row holds (`user: { connect | create | connectOrCreate | upsert | update }`):
   * fills `found` with the referenced row's key values (`keyFields`) the row ends up pointing at, and `at` with where each was written.
   */
  private owning(target: ModelShape, operations: Values, path: string, keyFields: string[], current: Values, found: Values, at: Paths): void {
    const take = (values: Values, prefix: string) => {
      for (const f of keyFields) {
        found[f] = values[f];
        at[f] = join(prefix, f);
      }
    };
    for (const operation in operations) {
      const argument = operations[operation];
      const here = join(path, operation);
      const a = isObject(argument) ? argument : {};
      if (operation === 'create') {
        take(this.row(target, 'create', argument, here, {}, {}, {}), here);
      } else if (operation === 'connect') {
        const key: Values = {};
        readWhere(target, argument, here, key, at);
        for (const f of keyFields) found[f] = key[f];
        if (target.governed) this.connected.push({ model: target.name, key });
      } else if (operation === 'connectOrCreate') {
        const created = this.row(target, 'create', a.create, join(here, 'create'), {}, {}, {});
        const key: Values = {};
        readWhere(target, a.where, join(here, 'where'), key, at);
        this.created.push({ model: target.name, values: key });
        if (keyFields.every((f) => key[f] !== undefined)) for (const f of keyFields) found[f] = key[f];
        else take(created, join(here, 'create'));
      } else if (operation === 'upsert') {
        take(this.row(target, 'create', a.create, join(here, 'create'), {}, {}, {}), join(here, 'create'));
        this.row(target, 'update', a.update, join(here, 'update'), { ...current, ...whereValues(target, a.where) }, {}, {});
      } else if (operation === 'update') {
        const { data, where } = unwrapUpdate(target, argument);
        this.row(target, 'update', data, here, { ...current, ...whereValues(target, where) }, {}, {});
      }
    }
  }

  /**
   * A relation whose foreign key the other side holds (`threads: { create, connect, set, upsert, update, … }`):
   * created and connected rows get the parent's key (`given`); updated ones keep theirs (`known`).
   */
  private back(target: ModelShape, reference: Reference, operations: Values, path: string, parent: Values, parentAt: Paths): void {
    const given: Values = {};
    const givenAt: Paths = {};
    for (const k of reference.keys) {
      if (parent[k.to] === undefined) continue;
      given[k.from] = parent[k.to];
      givenAt[k.from] = parentAt[k.to] ?? path;
    }
    for (const operation in operations) {
      const argument = operations[operation];
      const here = join(path, operation);
      const list = Array.isArray(argument);
      items(argument).forEach((item, i) => {
        const at = list ? join(here, i) : here;
        const a = isObject(item) ? item : {};
        if (operation === 'create') this.row(target, 'create', item, at, {}, given, givenAt);
        else if (operation === 'createMany') {
          const rows = a.data;
          items(rows).forEach((row, j) => this.row(target, 'create', row, Array.isArray(rows) ? join(join(at, 'data'), j) : join(at, 'data'), {}, given, givenAt));
        } else if (operation === 'connect' || operation === 'set') {
          // The connected row must exist; it moves to the parent (its foreign key becomes the parent's key).
          const key = whereValues(target, item);
          if (target.governed) this.connected.push({ model: target.name, key });
          this.row(target, 'update', {}, at, key, given, givenAt);
        } else if (operation === 'connectOrCreate') {
          this.row(target, 'create', a.create, join(at, 'create'), {}, given, givenAt);
          this.row(target, 'update', {}, join(at, 'where'), whereValues(target, a.where), given, givenAt);
        } else if (operation === 'upsert') {
          this.row(target, 'create', a.create, join(at, 'create'), {}, given, givenAt);
          this.row(target, 'update', a.update, join(at, 'update'), { ...given, ...whereValues(target, a.where) }, {}, {});
        } else if (operation === 'update') {
          const { data, where } = unwrapUpdate(target, item);
          this.row(target, 'update', data, at, { ...given, ...whereValues(target, where) }, {}, {});
        } else if (operation === 'updateMany') {
          this.row(target, 'update', a.data, join(at, 'data'), given, {}, {});
        }
      });
    }
  }
}

/** A nested update is `{ where?, data }` or the data itself (to-one relations accept both). */
function unwrapUpdate(model: ModelShape, argument: unknown): { data: unknown; where: unknown } {
  if (isObject(argument) && isObject(argument.data) && !model.columns.has('data') && !model.relations.has('data') && Object.keys(argument).every((k) => k === 'data' || k === 'where')) {
    return { data: argument.data, where: argument.where };
  }
  return { data: argument, where: undefined };
}
