import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { get_dmmf } from '@prisma/prisma-schema-wasm';
import { ConfigError } from './errors';

/** A relation whose scalar foreign key lives on this model and must always point at a row. */
export interface RequiredRelation {
  /** the relation field, e.g. `user` */
  readonly field: string;
  /** the model it points at, e.g. `User` */
  readonly referencedModel: string;
  /** FK scalars on this model, in schema order (`relationFromFields`), e.g. `['userId']` */
  readonly fkFields: readonly string[];
  /** referenced fields on the other side (`relationToFields`), e.g. `['id']` */
  readonly referencedFields: readonly string[];
}

export interface ModelInfo {
  readonly name: string;
  /** property name on the Prisma client: `AgentStateSnapshot` -> `agentStateSnapshot` */
  readonly delegate: string;
  readonly requiredRelations: readonly RequiredRelation[];
  /** FK scalar -> the required relations it belongs to (usually one) */
  readonly fkToRelations: ReadonlyMap<string, readonly RequiredRelation[]>;
}

export interface SchemaModel {
  /** only models with at least one required relation; keyed by client delegate name */
  readonly byDelegate: ReadonlyMap<string, ModelInfo>;
}

/** Source for Prisma's parser: one schema string, or `[path, content]` pairs of a multi-file schema. */
export type SchemaSource = string | ReadonlyArray<readonly [string, string]>;

// The slice of DMMF this tool reads. DMMF is Prisma's own public description of the
// schema, so relation semantics (implicit back-relations, @relation names, multi-file
// schemas) come from the same parser that `prisma generate` uses.
interface DmmfField {
  name: string;
  kind: string;
  type: string;
  isList: boolean;
  isRequired: boolean;
  relationFromFields?: string[];
  relationToFields?: string[];
}
interface DmmfModel {
  name: string;
  fields: DmmfField[];
}
interface Dmmf {
  datamodel: { models: DmmfModel[] };
}

/** Prisma client delegate name: the model name with its first character lowercased. */
export function delegateName(modelName: string): string {
  return modelName.charAt(0).toLowerCase() + modelName.slice(1);
}

export function parseSchemaModel(source: SchemaSource): SchemaModel {
  let raw: string;
  try {
    raw = get_dmmf(JSON.stringify({ prismaSchema: source, noColor: true }));
  } catch (error) {
    throw new ConfigError(`invalid Prisma schema:\n${prismaErrorMessage(error)}`);
  }
  const dmmf = JSON.parse(raw) as Dmmf;
  const byDelegate = new Map<string, ModelInfo>();
  for (const model of dmmf.datamodel.models) {
    const requiredRelations = model.fields.filter(isRequiredOwningRelation).map(
      (field): RequiredRelation => ({
        field: field.name,
        referencedModel: field.type,
        fkFields: field.relationFromFields ?? [],
        referencedFields: field.relationToFields ?? [],
      }),
    );
    if (requiredRelations.length === 0) continue;
    const fkToRelations = new Map<string, RequiredRelation[]>();
    for (const relation of requiredRelations) {
      for (const fk of relation.fkFields) {
        const list = fkToRelations.get(fk) ?? [];
        list.push(relation);
        fkToRelations.set(fk, list);
      }
    }
    const delegate = delegateName(model.name);
    byDelegate.set(delegate, { name: model.name, delegate, requiredRelations, fkToRelations });
  }
  return { byDelegate };
}

// Only the side that holds the FK (non-empty relationFromFields) can be written with a raw
// scalar; list fields and back-relations never carry one. Optional relations (nullable FK)
// cannot violate a constraint by being left out, and are out of scope by design.
function isRequiredOwningRelation(field: DmmfField): boolean {
  return (
    field.kind === 'object' &&
    !field.isList &&
    field.isRequired &&
    (field.relationFromFields?.length ?? 0) > 0
  );
}

/**
 * Reads a schema file, or every `*.prisma` file under a directory (Prisma's multi-file
 * schema layout), and parses it.
 */
export function loadSchemaModel(schemaPath: string): SchemaModel {
  if (!existsSync(schemaPath)) {
    throw new ConfigError(`Prisma schema not found at ${schemaPath} (pass --schema <file-or-dir>)`);
  }
  if (statSync(schemaPath).isDirectory()) {
    const files = listPrismaFiles(schemaPath);
    if (files.length === 0) throw new ConfigError(`no *.prisma files under ${schemaPath}`);
    return parseSchemaModel(files.map((file) => [file, readFileSync(file, 'utf8')] as const));
  }
  return parseSchemaModel(readFileSync(schemaPath, 'utf8'));
}

function listPrismaFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listPrismaFiles(full));
    else if (entry.name.endsWith('.prisma')) out.push(full);
  }
  return out.sort();
}

// The wasm module throws an Error whose message is a JSON envelope `{ error_code, message }`.
function prismaErrorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message.trim();
  } catch {
    // not JSON: fall through to the raw text
  }
  return text;
}
