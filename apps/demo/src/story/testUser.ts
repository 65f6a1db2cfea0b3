import { createStatePersistence, type ProvisioningOutcome } from '@agentstate/state-persistence';
import { heading, line, shortId } from '../output';
import { TEST_USER, type StoryContext } from './context';

/** Part 2: a test- user saves too, through a service created for the 'test' environment. */
export async function testUserSave(ctx: StoryContext): Promise<{ provisioning: ProvisioningOutcome | null }> {
  const { out, prisma } = ctx;
  heading(out, `2. A test user: ${TEST_USER} (environment: test)`);
  const service = createStatePersistence({ prisma, environment: 'test', logger: ctx.logger });
  const result = await service.saveSnapshot({ userId: TEST_USER, threadId: `thread-${ctx.label}`, runId: `test-run-${ctx.label}`, state: { assertion: 'checkout works', passed: true } });
  if (result.status !== 'saved') throw new Error(`the test user's save was not saved: ${result.code}`);
  const user = await prisma.user.findUniqueOrThrow({ where: { id: TEST_USER } });
  line(out, `saved ${shortId(result.snapshot.id)}…; user provisioning: ${result.provisioning ?? 'null'}; role=${user.role} auto_provisioned=${user.autoProvisioned}`);
  return { provisioning: result.provisioning };
}
