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
import type { ReferenceRule } from '@agentstate/state-persistence';

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
  /** rows of governed models it points at (read with rowsToFind, only when Prisma reports a row missing) */
  needed: NeededRow[];
  /** rows it creates or may create (connectOrCreate, upsert): never among the rows to find */
  created: Array<{ model: string; values: Record<string, unknown> }>;
}

/** The rows a write points at and does not create, each once. */
export function rowsToFind(findings: WriteFindings): NeededRow[] {
  const seen = new Set<string>();
  return findings.needed.filter((row) => {
    const text = `${row.model}:${JSON.stringify(row.key)}`;
    if (seen.has(text) || Object.keys(row.key).length === 0) return false;
    seen.add(text);
    return !findings.created.some((c) => c.model === row.model && Object.entries(row.key).every(([field, value]) => c.values[field] === value));
  });
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
type Mode = 'create' | 'update';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isPrimitive = (value: unknown) => typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean';
const join = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);
/** One item or a list of them (to-many nested operations take either). */
const items = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

/** The identifying values of a unique `where` (compound keys such as `userId_id` flattened), with where each sits; filters other than equality are ignored. */
export function whereEntries(model: ModelShape, where: unknown, path = ''): Array<[field: string, value: unknown, path: string]> {
  if (!isObject(where)) return [];
  return Object.entries(where).flatMap(([key, value]): Array<[string, unknown, string]> => {
    if (model.columns.has(key)) {
      if (isPrimitive(value)) return [[key, value, join(path, key)]];
      return isObject(value) && isPrimitive(value.equals) ? [[key, value.equals, join(join(path, key), 'equals')]] : [];
    }
    return model.relations.has(key) || key === 'OR' || key === 'NOT' ? [] : whereEntries(model, value, join(path, key));
  });
}

export const whereValues = (model: ModelShape, where: unknown): Values => Object.fromEntries(whereEntries(model, where).map(([field, value]) => [field, value]));

/** What a top-level write of `model` creates, changes and points at. */
export function readWrite(schema: WriteSchema, model: string, operation: WriteOperation, args: unknown): WriteFindings {
  const shape = schema.models.get(model);
  const walk = new Walk(schema);
  const a = isObject(args) ? args : {};
  if (!shape) return walk.findings();
  switch (operation) {
    case 'create':
      walk.row(shape, 'create', a.data, '', {}, {});
      break;
    case 'createMany':
    case 'createManyAndReturn':
      items(a.data).forEach((row, i) => walk.row(shape, 'create', row, Array.isArray(a.data) ? join('', i) : '', {}, {}));
      break;
    case 'upsert':
      walk.row(shape, 'create', a.create, 'create', {}, {});
      walk.row(shape, 'update', a.update, 'update', whereValues(shape, a.where), {});
      break;
    case 'update':
    case 'updateMany':
    case 'updateManyAndReturn':
      walk.row(shape, 'update', a.data, '', whereValues(shape, a.where), {});
      break;
  }
  return walk.findings();
}

class Walk {
  private readonly users: WrittenId[] = [];
  private readonly identifiers: WrittenId[] = [];
  private readonly needed: NeededRow[] = [];
  /** rows this write creates (or may create: connectOrCreate, upsert), by model: a row it creates is never "needed" */
  private readonly created: Array<{ model: string; values: Values }> = [];

  constructor(private readonly schema: WriteSchema) {}

  findings(): WriteFindings {
    return { users: this.users, identifiers: this.identifiers, needed: this.needed, created: this.created };
  }

  /**
   * One row the write creates or updates. `known`: values it has already
   * (an update's `where`, its parent's key); `given`: values the write gives
   * it from its parent (a nested create's or a connected row's foreign key).
   * Returns the row's values as far as the write says them.
   */
  row(model: ModelShape, mode: Mode, data: unknown, path: string, known: Values, given: Values, givenAt: Record<string, string> = {}): Values {
    if (!isObject(data)) return known;
    const values: Values = { ...known, ...given };
    const origin: Record<string, string> = { ...givenAt };
    const written = new Set(Object.keys(given));
    if (mode === 'create') this.created.push({ model: model.name, values });
    for (const [key, value] of Object.entries(data)) {
      if (!model.columns.has(key)) continue;
      values[key] = mode === 'update' && isObject(value) && 'set' in value ? value.set : value;
      origin[key] = join(path, key);
      written.add(key);
    }
    for (const [key, operations] of Object.entries(data)) {
      const relation = model.relations.get(key);
      const target = relation && this.schema.models.get(relation.target);
      if (!relation || !target || !isObject(operations)) continue;
      if (relation.owning) {
        const reference = relation.owning;
        const found = this.owning(target, operations, join(path, key), reference.keys.map((k) => k.to), Object.fromEntries(reference.keys.map((k) => [k.to, values[k.from]])));
        for (const k of reference.keys) {
          if (found.values[k.to] === undefined) continue;
          values[k.from] = found.values[k.to];
          origin[k.from] = found.at[k.to] ?? join(path, key);
          written.add(k.from);
        }
      } else if (relation.back) {
        this.back(target, relation.back, operations, join(path, key), values, origin);
      }
    }
    for (const [field, root] of model.ids) {
      if (values[field] === undefined || (mode === 'update' && !written.has(field))) continue;
      const id = { model: root.model, field: root.field, value: values[field], path: origin[field] ?? join(path, field) };
      (root.model === this.schema.policyModel ? this.users : this.identifiers).push(id);
    }
    for (const reference of model.references) {
      if (!this.schema.models.get(reference.referencedModel)?.governed) continue;
      if (!reference.keys.every((k) => values[k.from] !== undefined && values[k.from] !== null)) continue;
      if (mode === 'update' && !reference.keys.some((k) => written.has(k.from))) continue;
      this.needed.push({ model: reference.referencedModel, key: Object.fromEntries(reference.keys.map((k) => [k.to, values[k.from]])) });
    }
    return values;
  }

  /**
   * A relation whose foreign key this row holds (`user: { connect | create | connectOrCreate | upsert | update }`):
   * the referenced row's key values (`keyFields`) the row ends up pointing at, and where each was written.
   */
  private owning(target: ModelShape, operations: Values, path: string, keyFields: string[], current: Values): { values: Values; at: Record<string, string> } {
    let values: Values = {};
    let at: Record<string, string> = {};
    const under = (prefix: string) => Object.fromEntries(keyFields.map((f) => [f, join(prefix, f)]));
    const fromWhere = (where: unknown, prefix: string) => {
      const entries = whereEntries(target, where, prefix);
      return { values: Object.fromEntries(entries.map(([f, v]) => [f, v])), at: Object.fromEntries(entries.map(([f, , p]) => [f, p])) };
    };
    for (const [operation, argument] of Object.entries(operations)) {
      const here = join(path, operation);
      const a = isObject(argument) ? argument : {};
      if (operation === 'create') {
        values = this.row(target, 'create', argument, here, {}, {});
        at = under(here);
      } else if (operation === 'connect') {
        ({ values, at } = fromWhere(argument, here));
        if (target.governed) this.needed.push({ model: target.name, key: values });
      } else if (operation === 'connectOrCreate') {
        const created = this.row(target, 'create', a.create, join(here, 'create'), {}, {});
        ({ values, at } = fromWhere(a.where, join(here, 'where')));
        this.created.push({ model: target.name, values });
        if (keyFields.some((f) => values[f] === undefined)) ({ values, at } = { values: created, at: under(join(here, 'create')) });
      } else if (operation === 'upsert') {
        values = this.row(target, 'create', a.create, join(here, 'create'), {}, {});
        at = under(join(here, 'create'));
        this.row(target, 'update', a.update, join(here, 'update'), { ...current, ...whereValues(target, a.where) }, {});
      } else if (operation === 'update') {
        const { data, where } = unwrapUpdate(target, argument);
        this.row(target, 'update', data, here, { ...current, ...whereValues(target, where) }, {});
      }
    }
    return { values, at };
  }

  /**
   * A relation whose foreign key the other side holds (`threads: { create, connect, set, upsert, update, … }`):
   * created and connected rows get the parent's key (`given`); updated ones keep theirs (`known`).
   */
  private back(target: ModelShape, reference: Reference, operations: Values, path: string, parent: Values, parentAt: Record<string, string>): void {
    const given: Values = {};
    const givenAt: Record<string, string> = {};
    for (const k of reference.keys) {
      if (parent[k.to] === undefined) continue;
      given[k.from] = parent[k.to];
      givenAt[k.from] = parentAt[k.to] ?? path;
    }
    for (const [operation, argument] of Object.entries(operations)) {
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
          if (target.governed) this.needed.push({ model: target.name, key: whereValues(target, item) });
          this.row(target, 'update', {}, at, whereValues(target, item), given, givenAt);
        } else if (operation === 'connectOrCreate') {
          this.row(target, 'create', a.create, join(at, 'create'), {}, given, givenAt);
          this.row(target, 'update', {}, join(at, 'where'), whereValues(target, a.where), given, givenAt);
        } else if (operation === 'upsert') {
          this.row(target, 'create', a.create, join(at, 'create'), {}, given, givenAt);
          this.row(target, 'update', a.update, join(at, 'update'), { ...given, ...whereValues(target, a.where) }, {});
        } else if (operation === 'update') {
          const { data, where } = unwrapUpdate(target, item);
          this.row(target, 'update', data, at, { ...given, ...whereValues(target, where) }, {});
        } else if (operation === 'updateMany') {
          this.row(target, 'update', a.data, join(at, 'data'), given, {});
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
