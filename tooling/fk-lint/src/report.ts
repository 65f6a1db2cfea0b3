import type { Finding, WriteMethod } from './findFkWrites';
import type { RequiredRelation } from './schemaModel';

const SAVE_SNAPSHOT = "save through @agentstate/state-persistence's saveSnapshot, which provisions references per policy";

// The *Many methods accept plain scalars only, so "connect instead" is only half an
// answer there: the fix is the single-row method with a relation write.
const SINGLE_ROW: Partial<Record<WriteMethod, WriteMethod>> = {
  createMany: 'create',
  createManyAndReturn: 'create',
  updateMany: 'update',
  updateManyAndReturn: 'update',
};

export function connectSnippet(relation: RequiredRelation): string {
  return `${relation.field}: { connect: { ${relation.referencedFields.join(', ')} } }`;
}

export function hintFor(method: WriteMethod, relation: RequiredRelation): string {
  const single = SINGLE_ROW[method];
  const connect = `\`${connectSnippet(relation)}\``;
  if (single) return `${method} cannot connect relations; use ${single} with ${connect} per row, or ${SAVE_SNAPSHOT}`;
  return `use ${connect} instead, or ${SAVE_SNAPSHOT}`;
}

/** `file:line:col  Model.method sets FK scalar 'f' of required relation 'r' -> Ref; hint: ...` */
export function formatFinding(finding: Finding, displayPath: string = finding.file): string {
  const { line, column, model, method, field, relation } = finding;
  return (
    `${displayPath}:${line}:${column}  ${model}.${method} sets FK scalar '${field}' of required relation ` +
    `'${relation.field}' -> ${relation.referencedModel}; hint: ${hintFor(method, relation)}`
  );
}
