import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot } from './discoverFiles';
import { ConfigError } from './errors';
import { delegateName, loadSchemaModel, parseSchemaModel } from './schemaModel';
import { FIXTURE_SCHEMA, PACKAGE_DIR } from './testing';

describe('delegateName', () => {
  it('lowercases only the first character, like the Prisma client', () => {
    expect(delegateName('AgentStateSnapshot')).toBe('agentStateSnapshot');
    expect(delegateName('User')).toBe('user');
    expect(delegateName('URLRecord')).toBe('uRLRecord');
  });
});

describe('loadSchemaModel', () => {
  it('keeps only models with required relations, with their FK scalars', () => {
    const schema = loadSchemaModel(FIXTURE_SCHEMA);
    expect([...schema.byDelegate.keys()]).toEqual(['agentStateSnapshot']);
    const snapshot = schema.byDelegate.get('agentStateSnapshot');
    expect(snapshot?.name).toBe('AgentStateSnapshot');
    // `parent` (optional) and `children`/`snapshots` (lists, no FK) are not required relations
    expect(snapshot?.requiredRelations).toEqual([
      { field: 'user', referencedModel: 'User', fkFields: ['userId'], referencedFields: ['id'] },
    ]);
    expect([...(snapshot?.fkToRelations.keys() ?? [])]).toEqual(['userId']);
  });

  it('reads the shared repo schema: userId and threadId are FKs of the required relations user -> User and thread -> AgentThread', () => {
    const root = findRepoRoot([PACKAGE_DIR]);
    expect(root).toBeDefined();
    const schema = loadSchemaModel(join(root ?? '', 'prisma', 'schema.prisma'));
    const thread = { field: 'thread', referencedModel: 'AgentThread', fkFields: ['userId', 'threadId'], referencedFields: ['userId', 'id'] };
    expect(schema.byDelegate.get('agentStateSnapshot')?.fkToRelations.get('userId')).toEqual([
      { field: 'user', referencedModel: 'User', fkFields: ['userId'], referencedFields: ['id'] },
      thread,
    ]);
    expect(schema.byDelegate.get('agentStateSnapshot')?.fkToRelations.get('threadId')).toEqual([thread]);
    expect(schema.byDelegate.get('agentThread')?.fkToRelations.get('userId')).toEqual([
      { field: 'user', referencedModel: 'User', fkFields: ['userId'], referencedFields: ['id'] },
    ]);
    // parentId belongs to the optional lineage relation
    expect(schema.byDelegate.get('agentStateSnapshot')?.fkToRelations.has('parentId')).toBe(false);
  });

  it('reads a multi-file schema folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fk-lint-schema-'));
    const text = readFileSync(FIXTURE_SCHEMA, 'utf8');
    const [head, models] = splitAt(text, 'model User {');
    mkdirSync(join(dir, 'models'));
    writeFileSync(join(dir, 'schema.prisma'), head);
    writeFileSync(join(dir, 'models', 'all.prisma'), models);
    expect([...loadSchemaModel(dir).byDelegate.keys()]).toEqual(['agentStateSnapshot']);
  });

  it('reports a missing schema as a ConfigError', () => {
    expect(() => loadSchemaModel('/nonexistent/schema.prisma')).toThrow(
      new ConfigError('Prisma schema not found at /nonexistent/schema.prisma (pass --schema <file-or-dir>)'),
    );
  });
});

describe('parseSchemaModel', () => {
  it("reports Prisma's own validation message, without colour codes", () => {
    let caught: unknown;
    try {
      parseSchemaModel('model A {\n  id Int @id\n  b  B @relation(fields: [bId], references: [id])\n}\n');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as Error).message;
    expect(message.startsWith('invalid Prisma schema:\n')).toBe(true);
    expect(message).toContain('Type "B" is neither a built-in type, nor refers to another model');
    expect(message).not.toContain('\u001b[');
  });

  it('handles composite foreign keys and two required relations on one model', () => {
    const schema = parseSchemaModel(
      [
        'datasource db {',
        '  provider = "postgresql"',
        '}',
        'model Org {',
        '  id      String   @id',
        '  members Member[]',
        '}',
        'model Team {',
        '  orgId   String',
        '  code    String',
        '  members Member[]',
        '  @@id([orgId, code])',
        '}',
        'model Member {',
        '  id       String @id',
        '  orgId    String',
        '  teamCode String',
        '  org      Org    @relation(fields: [orgId], references: [id])',
        '  team     Team   @relation(fields: [orgId, teamCode], references: [orgId, code])',
        '}',
      ].join('\n'),
    );
    const member = schema.byDelegate.get('member');
    expect(member?.fkToRelations.get('orgId')?.map((r) => r.field)).toEqual(['org', 'team']);
    expect(member?.fkToRelations.get('teamCode')).toEqual([
      { field: 'team', referencedModel: 'Team', fkFields: ['orgId', 'teamCode'], referencedFields: ['orgId', 'code'] },
    ]);
  });
});

function splitAt(text: string, marker: string): [string, string] {
  const at = text.indexOf(marker);
  return [text.slice(0, at), text.slice(at)];
}
