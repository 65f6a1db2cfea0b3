import { findFkWrites } from './findFkWrites';
import { parseSources } from './parseSources';
import { loadSchemaModel } from './schemaModel';
import { FIXTURE_SCHEMA } from './testing';

const schema = loadSchemaModel(FIXTURE_SCHEMA);

/** `line:col Model.method field->relation` for each finding in one in-memory file. */
function check(code: string, fileName = '/virtual/file.ts'): string[] {
  const { sourceFiles, checker } = parseSources([{ fileName, text: code }]);
  const [sourceFile] = sourceFiles;
  if (!sourceFile) throw new Error('not parsed');
  return findFkWrites(sourceFile, checker, schema).map(
    (f) => `${f.line}:${f.column} ${f.model}.${f.method} ${f.field}->${f.relation.field}`,
  );
}

describe('findFkWrites: positives', () => {
  it('flags a shorthand userId in create data', () => {
    expect(check(`prisma.agentStateSnapshot.create({ data: { userId, threadId } });`)).toEqual([
      '1:44 AgentStateSnapshot.create userId->user',
    ]);
  });

  it('flags an explicit, quoted or computed-literal userId key', () => {
    expect(check(`db.agentStateSnapshot.create({ data: { userId: u.id } });`)).toEqual([
      '1:40 AgentStateSnapshot.create userId->user',
    ]);
    expect(check(`db.agentStateSnapshot.create({ data: { 'userId': x } });`)).toEqual([
      '1:40 AgentStateSnapshot.create userId->user',
    ]);
    expect(check(`db.agentStateSnapshot.create({ data: { ['userId']: x } });`)).toEqual([
      '1:40 AgentStateSnapshot.create userId->user',
    ]);
  });

  it('flags every row of a createMany array, spreads of const arrays and .map callbacks', () => {
    const code = [
      'const extra = [{ userId: "c" }];',
      'prisma.agentStateSnapshot.createMany({ data: [{ userId: "a" }, { threadId: "t" }, ...extra] });',
      'prisma.agentStateSnapshot.createManyAndReturn({ data: ids.map((id) => { return { userId: id }; }) });',
      'prisma.agentStateSnapshot.createMany({ data: { userId: "single" } });',
    ].join('\n');
    expect(check(code)).toEqual([
      '1:18 AgentStateSnapshot.createMany userId->user',
      '2:49 AgentStateSnapshot.createMany userId->user',
      '3:82 AgentStateSnapshot.createManyAndReturn userId->user',
      '4:48 AgentStateSnapshot.createMany userId->user',
    ]);
  });

  it('flags both the create and the update part of an upsert, not its where', () => {
    const code = 'prisma.agentStateSnapshot.upsert({ where: { userId }, create: { userId }, update: { userId: { set: u } } });';
    expect(check(code)).toEqual([
      '1:65 AgentStateSnapshot.upsert userId->user',
      '1:85 AgentStateSnapshot.upsert userId->user',
    ]);
  });

  it('flags update and updateMany that re-point the FK', () => {
    const code = [
      'prisma.agentStateSnapshot.update({ where: { id }, data: { userId: other } });',
      'prisma.agentStateSnapshot.updateMany({ where: { userId }, data: { userId: other } });',
      'prisma.agentStateSnapshot.updateManyAndReturn({ where: {}, data: { userId: other } });',
    ].join('\n');
    expect(check(code)).toEqual([
      '1:59 AgentStateSnapshot.update userId->user',
      '2:67 AgentStateSnapshot.updateMany userId->user',
      '3:68 AgentStateSnapshot.updateManyAndReturn userId->user',
    ]);
  });

  it('flags tx.<delegate> inside $transaction callbacks, and any other receiver', () => {
    const code = [
      'await prisma.$transaction(async (tx) => {',
      '  await tx.agentStateSnapshot.create({ data: { userId } });',
      '});',
      'this.db.client?.agentStateSnapshot!.create({ data: { userId } });',
      'prisma["agentStateSnapshot"]["create"]({ data: { userId } });',
    ].join('\n');
    expect(check(code)).toEqual([
      '2:48 AgentStateSnapshot.create userId->user',
      '4:54 AgentStateSnapshot.create userId->user',
      '5:50 AgentStateSnapshot.create userId->user',
    ]);
  });

  it('follows const bindings: the args object, `data` shorthand, spreads and ternaries', () => {
    const code = [
      'const base = { userId: "u" };',
      'const data = { ...base, threadId: "t" };',
      'prisma.agentStateSnapshot.create({ data });',
      'const args = { data: cond ? { runId: "r" } : { userId: "v" } };',
      'prisma.agentStateSnapshot.create(args);',
    ].join('\n');
    expect(check(code)).toEqual([
      '1:16 AgentStateSnapshot.create userId->user',
      '4:48 AgentStateSnapshot.create userId->user',
    ]);
  });

  it('reports a shared const once per calling method, at the key', () => {
    const code = [
      'const data = { userId: "u" };',
      'prisma.agentStateSnapshot.create({ data });',
      'prisma.agentStateSnapshot.create({ data });',
      'prisma.agentStateSnapshot.update({ where: { id }, data });',
    ].join('\n');
    expect(check(code)).toEqual([
      '1:16 AgentStateSnapshot.create userId->user',
      '1:16 AgentStateSnapshot.update userId->user',
    ]);
  });

  it('parses .tsx, .mts and .cts files', () => {
    const code = 'export const C = () => <div onClick={() => prisma.agentStateSnapshot.create({ data: { userId } })} />;';
    expect(check(code, '/virtual/c.tsx')).toEqual(['1:87 AgentStateSnapshot.create userId->user']);
    expect(check('prisma.agentStateSnapshot.create({ data: { userId } });', '/virtual/m.mts')).toHaveLength(1);
    expect(check('prisma.agentStateSnapshot.create({ data: { userId } });', '/virtual/c.cts')).toHaveLength(1);
  });
});

describe('findFkWrites: negatives', () => {
  it('accepts a nested relation write', () => {
    expect(check('prisma.agentStateSnapshot.create({ data: { user: { connect: { id: userId } }, threadId } });')).toEqual([]);
    expect(
      check('prisma.agentStateSnapshot.create({ data: { user: { connectOrCreate: { where: { id }, create: { id, email } } } } });'),
    ).toEqual([]);
  });

  it('ignores the FK of an optional relation (parentId)', () => {
    expect(check('prisma.agentStateSnapshot.create({ data: { user: { connect: { id } }, parentId } });')).toEqual([]);
  });

  it('ignores models without required relations, and unknown delegates', () => {
    expect(check('prisma.userProvisioningAudit.create({ data: { userId: "x", subjectId: "x" } });')).toEqual([]);
    expect(check('prisma.user.create({ data: { id, email, userId } });')).toEqual([]);
    expect(check('store.widgets.create({ data: { userId } });')).toEqual([]);
    expect(check('agentStateSnapshot.create({ data: { userId } });')).toEqual([]);
  });

  it('ignores reads, deletes and where clauses', () => {
    const code = [
      'prisma.agentStateSnapshot.findMany({ where: { userId } });',
      'prisma.agentStateSnapshot.deleteMany({ where: { userId } });',
      'prisma.agentStateSnapshot.count({ where: { userId } });',
      'prisma.agentStateSnapshot.updateMany({ where: { userId }, data: { runId } });',
    ].join('\n');
    expect(check(code)).toEqual([]);
  });

  it('ignores keys set to undefined, which Prisma drops', () => {
    expect(check('prisma.agentStateSnapshot.update({ where: { id }, data: { userId: undefined, runId } });')).toEqual([]);
    expect(check('prisma.agentStateSnapshot.update({ where: { id }, data: { userId: void 0 } });')).toEqual([]);
  });

  // Documented limits: what cannot be proven statically is skipped, not guessed.
  it('skips spreads and values it cannot resolve', () => {
    const code = [
      'function save(input: any, rows: any[]) {',
      '  prisma.agentStateSnapshot.create({ data: { ...input, threadId } });',
      '  prisma.agentStateSnapshot.create({ data: input });',
      '  prisma.agentStateSnapshot.create(makeArgs());',
      '  prisma.agentStateSnapshot.createMany({ data: rows });',
      '  let mutable = { userId: "u" };',
      '  prisma.agentStateSnapshot.create({ data: mutable });',
      '}',
    ].join('\n');
    expect(check(code)).toEqual([]);
  });

  it('does not confuse a parameter that shadows a const', () => {
    const code = [
      'const data = { userId: "u" };',
      'function save(data: unknown) {',
      '  return prisma.agentStateSnapshot.create({ data });',
      '}',
    ].join('\n');
    expect(check(code)).toEqual([]);
  });
});

describe('findFkWrites: suppression comments', () => {
  it('honours fk-lint-disable-next-line above the key or above the call, and fk-lint-disable-line', () => {
    const code = [
      'prisma.agentStateSnapshot.create({',
      '  // fk-lint-disable-next-line -- reproduces the original bug on purpose',
      '  data: { userId, threadId },',
      '});',
      '// fk-lint-disable-next-line',
      'prisma.agentStateSnapshot.create({',
      '  data: { userId },',
      '});',
      'prisma.agentStateSnapshot.create({ data: { userId } }); // fk-lint-disable-line -- seed data',
      'prisma.agentStateSnapshot.create({ data: { /* fk-lint-disable-line */ userId } });',
      'prisma.agentStateSnapshot.create({ data: { userId } });',
    ].join('\n');
    expect(check(code)).toEqual(['11:44 AgentStateSnapshot.create userId->user']);
  });

  it('only counts real comments that start with the directive', () => {
    const code = [
      'const s = "// fk-lint-disable-next-line";',
      'prisma.agentStateSnapshot.create({ data: { userId } });',
      '// see fk-lint-disable-next-line in the README',
      'prisma.agentStateSnapshot.create({ data: { userId } });',
      '// fk-lint-disable-next-line-please',
      'prisma.agentStateSnapshot.create({ data: { userId } });',
      '// fk-lint-disable-next-line',
      '',
      'prisma.agentStateSnapshot.create({ data: { userId } });',
    ].join('\n');
    expect(check(code)).toEqual([
      '2:44 AgentStateSnapshot.create userId->user',
      '4:44 AgentStateSnapshot.create userId->user',
      '6:44 AgentStateSnapshot.create userId->user',
      '9:44 AgentStateSnapshot.create userId->user',
    ]);
  });
});

describe('findFkWrites: clients extended with referenceProvisioning', () => {
  const header = "import { referenceProvisioning } from '@agentstate/prisma-provisioning';\n";

  it('stops flagging create, createMany, createManyAndReturn and an upsert create through a const extended in the same file', () => {
    const code = [
      header + 'const prisma = base.$extends(referenceProvisioning({ environment: "development" }));',
      'prisma.agentStateSnapshot.create({ data: { userId } });',
      'prisma.agentStateSnapshot.createMany({ data: [{ userId: "a" }] });',
      'prisma.agentStateSnapshot.createManyAndReturn({ data: [{ userId: "a" }] });',
      'prisma.agentStateSnapshot.upsert({ where: { id }, create: { userId }, update: {} });',
    ].join('\n');
    expect(check(code)).toEqual([]);
  });

  it('keeps flagging what the extension does not cover: update, updateMany, an upsert update', () => {
    const code = [
      header + 'const prisma = base.$extends(referenceProvisioning());',
      'prisma.agentStateSnapshot.update({ where: { id }, data: { userId } });',
      'prisma.agentStateSnapshot.updateMany({ data: { userId } });',
      'prisma.agentStateSnapshot.upsert({ where: { id }, create: { userId }, update: { userId } });',
    ].join('\n');
    expect(check(code)).toEqual([
      '3:59 AgentStateSnapshot.update userId->user',
      '4:48 AgentStateSnapshot.updateMany userId->user',
      '5:81 AgentStateSnapshot.upsert userId->user',
    ]);
  });

  it("accepts the tx of the extended client's own $transaction callback, aliased and namespace imports", () => {
    const code = [
      "import { referenceProvisioning as rp } from '@agentstate/prisma-provisioning';",
      "import * as provisioning from '@agentstate/prisma-provisioning';",
      'const a = base.$extends(rp());',
      'const b = base.$extends(provisioning.referenceProvisioning());',
      'a.$transaction(async (tx) => tx.agentStateSnapshot.create({ data: { userId } }));',
      'b.agentStateSnapshot.create({ data: { userId } });',
    ].join('\n');
    expect(check(code)).toEqual([]);
  });

  it('keeps flagging when it cannot tell: other factories or modules, let, parameters, reassigned tx, further $extends, the base client', () => {
    const code = [
      "import { referenceProvisioning } from './somewhere-else';",
      "import { otherExtension } from '@agentstate/prisma-provisioning';",
      'const a = base.$extends(referenceProvisioning());',
      'const b = base.$extends(otherExtension());',
      'const f = (client) => client.agentStateSnapshot.create({ data: { userId } });',
      'a.agentStateSnapshot.create({ data: { userId } });',
      'b.agentStateSnapshot.create({ data: { userId } });',
      'base.$transaction(async (tx) => tx.agentStateSnapshot.create({ data: { userId } }));',
    ].join('\n');
    expect(check(code)).toEqual([
      '5:66 AgentStateSnapshot.create userId->user',
      '6:39 AgentStateSnapshot.create userId->user',
      '7:39 AgentStateSnapshot.create userId->user',
      '8:72 AgentStateSnapshot.create userId->user',
    ]);
    const more = [
      header + 'let c = base.$extends(referenceProvisioning());',
      'const d = base.$extends(referenceProvisioning()).$extends(other);',
      'const e = base.$extends(referenceProvisioning());',
      'c.agentStateSnapshot.create({ data: { userId } });',
      'd.agentStateSnapshot.create({ data: { userId } });',
      'e.$transaction(async (tx) => { tx = base; return tx.agentStateSnapshot.create({ data: { userId } }); });',
    ].join('\n');
    expect(check(more)).toEqual([
      '5:39 AgentStateSnapshot.create userId->user',
      '6:39 AgentStateSnapshot.create userId->user',
      '7:89 AgentStateSnapshot.create userId->user',
    ]);
  });

  it('keeps flagging nested writes it never checked the same way (no exemption leaks into them)', () => {
    const code = [
      header + 'const prisma = base.$extends(referenceProvisioning());',
      'prisma.$transaction(async (tx) => tx.agentStateSnapshot.update({ where: { id }, data: { userId } }));',
    ].join('\n');
    expect(check(code)).toEqual(['3:89 AgentStateSnapshot.update userId->user']);
  });
});
