import ts from 'typescript';
import { COVERED_METHODS, isProvisioningClient } from './extendedClient';
import { ObjectResolver, unwrap } from './resolveObjects';
import type { ModelInfo, RequiredRelation, SchemaModel } from './schemaModel';
import { suppressedLines } from './suppressions';

/** Prisma delegate methods that write rows, and where their row data lives. */
const WRITE_METHODS = {
  create: 'data',
  update: 'data',
  // These take plain scalars only (no nested relation writes), and `data` may be an array.
  createMany: 'rows',
  createManyAndReturn: 'rows',
  updateMany: 'rows',
  updateManyAndReturn: 'rows',
  upsert: 'upsert',
} as const;

export type WriteMethod = keyof typeof WRITE_METHODS;

export interface Finding {
  readonly file: string;
  /** 1-based */
  readonly line: number;
  /** 1-based */
  readonly column: number;
  readonly model: string;
  readonly method: WriteMethod;
  readonly field: string;
  readonly relation: RequiredRelation;
  /** where the write call starts (the key may sit elsewhere, e.g. in a `const`) */
  readonly call: { readonly line: number; readonly column: number };
}

/**
 * Finds `<anything>.<delegate>.<writeMethod>({ data: { <fk>: ... } })` in one parsed file,
 * where `<fk>` is the scalar of a required relation of the delegate's model. The receiver
 * is not inspected (`prisma`, `tx`, `this.db`, ...): the delegate name is what identifies
 * a Prisma model, which also keeps unrelated `.create()` methods out.
 *
 * `// fk-lint-disable-next-line -- why` silences findings on the next line, whether that is
 * the line of the key or the line where the call starts; `// fk-lint-disable-line` the same line.
 */
export function findFkWrites(sourceFile: ts.SourceFile, checker: ts.TypeChecker, schema: SchemaModel): Finding[] {
  const resolver = new ObjectResolver(checker);
  const raw: Finding[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) raw.push(...checkCall(node, sourceFile, resolver, checker, schema));
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  if (raw.length === 0) return [];

  const suppressed = suppressedLines(sourceFile);
  // A `const data = {...}` shared by several calls of one method is one finding: one key to fix.
  const unique = new Map<string, Finding>();
  for (const f of raw) {
    if (suppressed.has(f.line) || suppressed.has(f.call.line)) continue;
    const key = `${f.line}:${f.column}:${f.model}.${f.method}:${f.field}:${f.relation.field}`;
    if (!unique.has(key)) unique.set(key, f);
  }
  return [...unique.values()].sort((a, b) => a.line - b.line || a.column - b.column || a.method.localeCompare(b.method));
}

function checkCall(call: ts.CallExpression, sourceFile: ts.SourceFile, resolver: ObjectResolver, checker: ts.TypeChecker, schema: SchemaModel): Finding[] {
  const target = delegateCall(call);
  if (!target) return [];
  const model = schema.byDelegate.get(target.delegate);
  if (!model || !isWriteMethod(target.method)) return [];
  const method = target.method;
  const argument = call.arguments[0];
  if (!argument) return [];
  // Through a client provably extended with referenceProvisioning, the extension ensures the
  // references of top-level created rows: only an upsert's `update` branch is still checked.
  const covered = COVERED_METHODS.has(method) && isProvisioningClient(target.receiver, checker);
  if (covered && method !== 'upsert') return [];

  const rows: ts.ObjectLiteralExpression[] = [];
  for (const args of resolver.objectLiterals(argument)) {
    const kind = WRITE_METHODS[method];
    const parts = kind === 'upsert' ? (covered ? ['update'] : ['create', 'update']) : ['data'];
    for (const part of parts) {
      const prop = resolver.findProperty(args, part);
      if (!prop) continue;
      rows.push(...(kind === 'rows' ? resolver.propertyRowObjects(prop) : resolver.propertyValueObjects(prop)));
    }
  }

  const findings: Finding[] = [];
  for (const row of rows) {
    for (const written of resolver.writtenProperties(row)) {
      for (const relation of model.fkToRelations.get(written.name) ?? []) {
        findings.push(toFinding(sourceFile, call, written.node, model, method, written.name, relation));
      }
    }
  }
  return findings;
}

/** `<receiver>.<delegate>.<method>(...)`, also with `?.`, `!` or `['delegate']`. */
function delegateCall(call: ts.CallExpression): { receiver: ts.Expression; delegate: string; method: string } | undefined {
  const callee = unwrap(call.expression);
  const method = memberName(callee);
  if (method === undefined || !(ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee))) return undefined;
  const access = unwrap(callee.expression);
  const delegate = memberName(access);
  if (delegate === undefined || !(ts.isPropertyAccessExpression(access) || ts.isElementAccessExpression(access))) return undefined;
  return { receiver: access.expression, delegate, method };
}

function memberName(node: ts.Expression): string | undefined {
  if (ts.isPropertyAccessExpression(node)) return ts.isIdentifier(node.name) ? node.name.text : undefined;
  if (ts.isElementAccessExpression(node)) {
    const arg = unwrap(node.argumentExpression);
    return ts.isStringLiteralLike(arg) ? arg.text : undefined;
  }
  return undefined;
}

function isWriteMethod(name: string): name is WriteMethod {
  return Object.prototype.hasOwnProperty.call(WRITE_METHODS, name);
}

function toFinding(
  sourceFile: ts.SourceFile,
  call: ts.CallExpression,
  node: ts.Node,
  model: ModelInfo,
  method: WriteMethod,
  field: string,
  relation: RequiredRelation,
): Finding {
  const at = position(sourceFile, node);
  return { file: sourceFile.fileName, ...at, model: model.name, method, field, relation, call: position(sourceFile, call) };
}

function position(sourceFile: ts.SourceFile, node: ts.Node): { line: number; column: number } {
  const { line, character } = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
  return { line: line + 1, column: character + 1 };
}
