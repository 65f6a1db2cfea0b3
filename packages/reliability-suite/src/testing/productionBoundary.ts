/**
 * The production boundary. With environment 'production', 10,000 generated
 * ids built to slip past it (every dev/test prefix, case variants,
 * whitespace, look-alike unicode, control characters, near misses; fixed
 * seed) never create a user row, and each refusal is audited exactly as the
 * README documents: well-formed ids get a `user_provisioning_audit` row
 * (DEV_ID_IN_PRODUCTION for dev/test ids, USER_NOT_FOUND for the rest) and a
 * JSON log line; malformed ids only a JSON log line. Then: changing
 * process.env after start-up does not change a production service's decisions.
 */
import type { PrismaClient } from '@agentstate/db';
import { countAllRows, describeEachDatabase, type DatabaseKind } from '@agentstate/db/testing';
import { createMemoryLogger } from '@agentstate/logger';
import {
  createStatePersistence,
  InvalidInputError,
  ProvisioningRefusedError,
  StatePersistenceError,
  UnknownUserError,
  type StatePersistence,
} from '@agentstate/state-persistence';
import { recordFigure } from '../figures/figures';
import { expectedOutcome, generateProductionBoundaryIds, PRODUCTION_BOUNDARY_SEED, type ExpectedOutcome, type Family } from './productionIds';
import { changedTables, describeError, flushLogs, serviceWithLog, settle, unique, type LogLine } from './helpers';

const IDS = 10_000;
/** saves in flight at once (PGlite serialises them anyway) */
const PARALLEL = 8;
const AUDIT_TABLE = 'user_provisioning_audit';

async function forEachLimited<T>(items: readonly T[], parallel: number, run: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) {
        const index = next++;
        await run(items[index]!, index);
      }
    }),
  );
}

function checkRefusal(id: string, expected: ExpectedOutcome, outcome: Awaited<ReturnType<typeof settle>>): string | null {
  if (outcome.ok) return `saved or skipped instead of refused: ${JSON.stringify(outcome.value).slice(0, 200)}`;
  const error = outcome.error;
  if (!(error instanceof StatePersistenceError)) return `untyped error: ${describeError(error)}`;
  switch (expected.kind) {
    case 'malformed':
      return error instanceof InvalidInputError && error.reasonCode === expected.reasonCode && /^Invalid userId: /.test(error.message) ? null : `expected InvalidInputError ${expected.reasonCode}, got ${describeError(error)}`;
    case 'dev-id-refused':
      return error instanceof ProvisioningRefusedError && error.reasonCode === 'DEV_ID_IN_PRODUCTION' && error.message.includes(id) ? null : `expected ProvisioningRefusedError DEV_ID_IN_PRODUCTION, got ${describeError(error)}`;
    case 'must-exist':
      return error instanceof UnknownUserError && error.message.includes(id) ? null : `expected UnknownUserError, got ${describeError(error)}`;
  }
}

async function maxAuditId(prisma: PrismaClient): Promise<bigint> {
  const rows = await prisma.$queryRaw<Array<{ max: bigint | null }>>`SELECT max(id) AS max FROM user_provisioning_audit`;
  return BigInt(rows[0]?.max ?? 0);
}

/** The production-boundary tests on one kind of database (one test file per kind, so the two run in parallel). */
export function productionBoundarySuite(testFile: string, only: DatabaseKind): void {
  describeEachDatabase('production boundary', (db, kind) => {
    it(`${IDS.toLocaleString('en-US')} generated dev/test-looking ids never create a user; every refusal is audited as documented`, async () => {
      const { prisma } = db();
      const { service, lines } = serviceWithLog(prisma, 'production');
      const ids = generateProductionBoundaryIds(IDS);
      const expected = ids.map(({ id }) => expectedOutcome(id));
      const families = countBy(ids.map((g) => g.family));
      const expectedKinds = countBy(expected.map((e) => e.kind));
      const expectedMalformedCodes = countBy(expected.flatMap((e) => (e.kind === 'malformed' ? [e.reasonCode] : [])));
      // the generator covers every family and every outcome, so a degenerate generator fails here
      expect(Object.keys(families).sort()).toEqual((['case-variant', 'control-character', 'exact-prefix', 'invisible-character', 'look-alike', 'near-miss', 'too-long', 'whitespace'] satisfies Family[]).sort());
      expect(Object.keys(expectedKinds).sort()).toEqual(['dev-id-refused', 'malformed', 'must-exist']);
      expect(Object.keys(expectedMalformedCodes).sort()).toEqual(['INVALID_ID_CHARACTER', 'INVALID_ID_CONTROL_CHARACTER', 'INVALID_ID_TOO_LONG', 'INVALID_ID_WHITESPACE']);

      const before = await countAllRows(prisma);
      const auditFloor = await maxAuditId(prisma);
      const mismatches: string[] = [];
      await forEachLimited(ids, PARALLEL, async ({ id }, i) => {
        const outcome = await settle(() => service.saveSnapshot({ userId: id, threadId: 'boundary', runId: 'r', state: { i } }));
        const problem = checkRefusal(id, expected[i]!, outcome);
        if (problem) mismatches.push(`${JSON.stringify(id)} (${ids[i]!.family}): ${problem}`);
      });
      await flushLogs();
      const after = await countAllRows(prisma);

      // The database: no row anywhere but the audit table, whose new rows are exactly the well-formed refusals.
      const { [AUDIT_TABLE]: auditBefore, ...otherBefore } = before;
      const { [AUDIT_TABLE]: auditAfter, ...otherAfter } = after;
      const audit = await prisma.userProvisioningAudit.groupBy({
        by: ['outcome', 'decision', 'reasonCode', 'environment'],
        where: { id: { gt: auditFloor } },
        _count: true,
      });
      const auditByKey = Object.fromEntries(audit.map((a) => [`${a.outcome}/${a.decision}/${a.reasonCode}/${a.environment}`, a._count]));
      const wellFormed = ids.filter((_, i) => expected[i]!.kind !== 'malformed').map((g) => g.id);
      const auditSubjects = await prisma.userProvisioningAudit.findMany({ where: { id: { gt: auditFloor } }, select: { subjectId: true } });
      const subjectCounts = countBy(auditSubjects.map((a) => a.subjectId));
      const notExactlyOnce = wellFormed.filter((id) => subjectCounts[id] !== 1).length;
      const strayAuditRows = auditSubjects.filter((a) => !wellFormed.includes(a.subjectId)).length;

      // The log: one JSON line per decision; malformed ids are only logged.
      const provisioningLines = lines.filter((l: LogLine) => l.message === 'user.provisioning');
      const logByKey = countBy(provisioningLines.map((l) => `${String(l.level)}/${String(l.outcome)}/${String(l.reasonCode)}/${String(l.environment)}`));

      const userRows = after.userbase ?? 0;
      recordFigure(testFile, {
        key: `productionBoundary.${kind}`,
        summary:
          `${IDS} generated ids in production (seed 0x${PRODUCTION_BOUNDARY_SEED.toString(16)}) [${kind}]: ${userRows} user rows created, ` +
          `${(auditAfter ?? 0) - (auditBefore ?? 0)} refusals audited as rows (${expectedKinds['dev-id-refused']} dev/test ids + ${expectedKinds['must-exist']} unknown ids), ` +
          `${provisioningLines.filter((l) => String(l.reasonCode).startsWith('INVALID_ID_')).length} malformed ids logged only, ${mismatches.length} wrong decisions`,
        values: {
          ids: IDS,
          userRowsCreated: userRows,
          auditRows: (auditAfter ?? 0) - (auditBefore ?? 0),
          devIdsRefused: expectedKinds['dev-id-refused'] ?? 0,
          unknownIdsRefused: expectedKinds['must-exist'] ?? 0,
          malformedLoggedOnly: expectedKinds.malformed ?? 0,
          wrongDecisions: mismatches.length,
        },
      });

      expect(mismatches.slice(0, 10)).toEqual([]);
      expect(changedTables(otherBefore, otherAfter)).toEqual({});
      expect(auditByKey).toEqual({
        'refused/reject/DEV_ID_IN_PRODUCTION/production': expectedKinds['dev-id-refused'],
        'refused/require-existing/USER_NOT_FOUND/production': expectedKinds['must-exist'],
      });
      expect((auditAfter ?? 0) - (auditBefore ?? 0)).toBe(wellFormed.length);
      expect({ notExactlyOnce, strayAuditRows }).toEqual({ notExactlyOnce: 0, strayAuditRows: 0 });
      expect(logByKey).toEqual({
        'warn/refused/DEV_ID_IN_PRODUCTION/production': expectedKinds['dev-id-refused'],
        'warn/refused/USER_NOT_FOUND/production': expectedKinds['must-exist'],
        ...Object.fromEntries(Object.entries(expectedMalformedCodes).map(([code, n]) => [`warn/refused/${code}/production`, n])),
      });
    }, 300_000);

    it('changing AGENT_STATE_ENV / NODE_ENV after start-up does not change a production service’s decisions', async () => {
      const { prisma } = db();
      const saved = { AGENT_STATE_ENV: process.env.AGENT_STATE_ENV, NODE_ENV: process.env.NODE_ENV };
      const restore = () => {
        for (const [key, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[key];
          else process.env[key] = value;
        }
      };
      const results: Array<{ afterSpoof: boolean; problem: string | null }> = [];
      let control: StatePersistence | undefined;
      const before = await countAllRows(prisma);
      try {
        process.env.AGENT_STATE_ENV = 'production';
        const { logger } = createMemoryLogger();
        // no `environment` option: the service reads process.env once, now
        const service = createStatePersistence({ prisma, logger });
        expect(service.environment).toBe('production');
        const userIds = Array.from({ length: 100 }, (_, i) => unique(i % 2 ? 'dev-temp-spoof-' : 'test-spoof-'));
        let spoofed = false;
        // a stream of saves; the environment is flipped half way, while saves are in flight
        await forEachLimited(userIds, 4, async (userId, i) => {
          if (i === 50) {
            process.env.AGENT_STATE_ENV = 'development';
            process.env.NODE_ENV = 'development';
            spoofed = true;
          }
          const afterSpoof = spoofed;
          const outcome = await settle(() => service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: { i } }));
          results.push({ afterSpoof, problem: checkRefusal(userId, { kind: 'dev-id-refused' }, outcome) });
        });
        expect(service.environment).toBe('production');
        // control: the flip itself is effective, a service created now would auto-create
        control = createStatePersistence({ prisma, logger });
        expect(control.environment).toBe('development');
      } finally {
        restore();
      }
      const after = await countAllRows(prisma);
      const refusedAfterSpoof = results.filter((r) => r.afterSpoof && r.problem === null).length;
      recordFigure(testFile, {
        key: `environmentSpoofing.${kind}`,
        summary: `environment spoofed to development mid-run [${kind}]: ${refusedAfterSpoof}/${results.filter((r) => r.afterSpoof).length} later saves still refused, ${(after.userbase ?? 0) - (before.userbase ?? 0)} user rows created`,
        values: { saves: results.length, afterSpoof: results.filter((r) => r.afterSpoof).length, refusedAfterSpoof, userRowsCreated: (after.userbase ?? 0) - (before.userbase ?? 0) },
      });
      expect(results.filter((r) => r.problem !== null).map((r) => r.problem)).toEqual([]);
      expect(results.filter((r) => r.afterSpoof).length).toBeGreaterThanOrEqual(45);
      expect(after.userbase).toBe(before.userbase);
      expect(process.env.AGENT_STATE_ENV).toBe(saved.AGENT_STATE_ENV);
      expect(process.env.NODE_ENV).toBe(saved.NODE_ENV);
      // and the control service really would have created the user (so the flip was real)
      const probe = unique('dev-temp-control-');
      await expect(control!.saveSnapshot({ userId: probe, threadId: 't', runId: 'r', state: {} })).resolves.toMatchObject({ status: 'saved', provisioning: 'created' });
    }, 120_000);
  }, { kinds: [only] });
}

function countBy(keys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}
