/**
 * Prisma's data model (DMMF) at runtime, from Prisma's own schema parser
 * (@prisma/prisma-schema-wasm, the build of our Prisma version). The
 * generated client's runtime data model omits relation keys and
 * required-ness; this keeps the full picture: tables, columns, and which
 * relations every row must satisfy.
 */
import { readFileSync } from 'node:fs';
import { get_dmmf } from '@prisma/prisma-schema-wasm';
import { schemaPath } from './paths';

export interface DataModelField {
  name: string;
  /** column name (the field name unless @map) */
  column: string;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  type: string;
  isRequired: boolean;
  isList: boolean;
  relationFromFields: string[];
  relationToFields: string[];
  /** the relation's name (pairs a relation field with its opposite side); null for scalars */
  relationName: string | null;
}

export interface DataModelModel {
  name: string;
  /** table name (the model name unless @@map) */
  table: string;
  fields: DataModelField[];
}

/** A relation whose foreign key lives on `model` (the owning side). */
export interface Reference {
  model: string;
  field: string;
  referencedModel: string;
  referencedTable: string;
  required: boolean;
  /** pairs of (field on `model`, field on the referenced model), with their columns */
  keys: Array<{ from: string; fromColumn: string; to: string; toColumn: string }>;
  /** the constraint name Prisma Migrate gives it: <table>_<columns>_fkey */
  constraint: string;
  /** the relation's name, shared with the field on the referenced model's side */
  relationName: string;
  /** referential actions as the schema says, Prisma's defaults filled in */
  onDelete: ReferentialAction;
  onUpdate: ReferentialAction;
}

/** Prisma's referential actions (`onDelete:` / `onUpdate:` of `@relation`). */
export type ReferentialAction = 'Cascade' | 'Restrict' | 'NoAction' | 'SetNull' | 'SetDefault';

export interface DataModel {
  models: Map<string, DataModelModel>;
  /** every reference (foreign key) of the schema, by the owning model */
  references: Map<string, Reference[]>;
  /** foreign key constraint name -> the reference it enforces */
  byConstraint: Map<string, Reference>;
}

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: DataModelField['kind'];
  type: string;
  isRequired: boolean;
  isList: boolean;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationName?: string | null;
  relationOnDelete?: ReferentialAction;
  relationOnUpdate?: ReferentialAction;
}

/** Parses a Prisma schema (default: prisma/schema.prisma) into its data model. */
export function loadDataModel(schema: string = readFileSync(schemaPath(), 'utf8')): DataModel {
  const dmmf = JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: schema, noColor: true }))) as {
    datamodel: { models: Array<{ name: string; dbName?: string | null; fields: DmmfField[] }> };
  };
  const models = new Map<string, DataModelModel>();
  const actions = new Map<string, { onDelete?: ReferentialAction; onUpdate?: ReferentialAction }>();
  for (const model of dmmf.datamodel.models) {
    for (const f of model.fields) actions.set(`${model.name}.${f.name}`, { onDelete: f.relationOnDelete, onUpdate: f.relationOnUpdate });
    models.set(model.name, {
      name: model.name,
      table: model.dbName ?? model.name,
      fields: model.fields.map((f) => ({
        name: f.name,
        column: f.dbName ?? f.name,
        kind: f.kind,
        type: f.type,
        isRequired: f.isRequired,
        isList: f.isList,
        relationFromFields: f.relationFromFields ?? [],
        relationToFields: f.relationToFields ?? [],
        relationName: f.relationName ?? null,
      })),
    });
  }
  const references = new Map<string, Reference[]>();
  const byConstraint = new Map<string, Reference>();
  for (const model of models.values()) {
    const owned: Reference[] = [];
    for (const field of model.fields) {
      if (field.kind !== 'object' || field.isList || field.relationFromFields.length === 0) continue;
      const target = models.get(field.type);
      if (!target) continue;
      const keys = field.relationFromFields.map((from, i) => {
        const to = field.relationToFields[i] ?? '';
        return { from, fromColumn: columnOf(model, from), to, toColumn: columnOf(target, to) };
      });
      const reference: Reference = {
        model: model.name,
        field: field.name,
        referencedModel: target.name,
        referencedTable: target.table,
        required: field.isRequired,
        keys,
        constraint: `${model.table}_${keys.map((k) => k.fromColumn).join('_')}_fkey`.slice(0, 63),
        relationName: field.relationName ?? '',
        // Prisma's defaults: onDelete Restrict (required) or SetNull (optional), onUpdate Cascade.
        onDelete: actions.get(`${model.name}.${field.name}`)?.onDelete ?? (field.isRequired ? 'Restrict' : 'SetNull'),
        onUpdate: actions.get(`${model.name}.${field.name}`)?.onUpdate ?? 'Cascade',
      };
      owned.push(reference);
      byConstraint.set(reference.constraint, reference);
    }
    references.set(model.name, owned);
  }
  return { models, references, byConstraint };
}

let defaultModel: DataModel | undefined;

/** The data model of prisma/schema.prisma, parsed once per process: every door's default. */
export function defaultDataModel(): DataModel {
  defaultModel ??= loadDataModel();
  return defaultModel;
}

/** The column of a field; throws for a field the model does not have. */
export function columnOf(model: DataModelModel, field: string): string {
  const found = model.fields.find((f) => f.name === field && f.kind !== 'object');
  if (!found) throw new Error(`Model ${model.name} has no scalar field "${field}"`);
  return found.column;
}
