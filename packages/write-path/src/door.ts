/**
 * A door's set-up, written once for every door (the service, the LangGraph
 * saver, the Prisma extension): its options -> the environment it decides for
 * (captured once; an option may narrow the process's environment, never widen
 * it) -> the policy -> the data model -> the write path on the door's
 * connection. The write path comes last and on demand because the Prisma
 * extension only has its client when Prisma applies it.
 */
import { defaultDataModel, type DataModel } from '@agentstate/db';
import { createLogger, type Logger } from '@agentstate/logger';
import { createProvisioningPolicy, type Environment } from '@agentstate/policy';
import type { Queryable } from './queryable';
import { DEFAULT_REFERENCE_RULES, type ReferenceRule } from './referencePlan';
import type { Door, Telemetry } from './telemetry';
import { effectiveEnvironment, type ProvisioningPolicyLike } from './writeDecision';
import { createWritePath, type WritePath } from './writePath';

/** The options every door takes for its write path (each door checks its own options first). */
export interface DoorOptions {
  /** default: createProvisioningPolicy() */
  policy?: ProvisioningPolicyLike;
  /** may narrow the process's environment (AGENT_STATE_ENV, else NODE_ENV), never widen it */
  environment?: Environment;
  /** default: the shared JSON logger, named for the door */
  logger?: Logger;
  /** default: OpenTelemetry through the global providers (a no-op without an SDK) */
  telemetry?: Telemetry;
  /** default: prisma/schema.prisma, parsed once per process */
  dataModel?: DataModel;
  /** default: DEFAULT_REFERENCE_RULES (User by the policy, AgentThread on first use) */
  referenceRules?: Readonly<Record<string, ReferenceRule>>;
  /** referenced rows remembered as existing (the fast path); 0 turns it off */
  knownReferenceCacheSize?: number;
}

export interface DoorSetup {
  readonly logger: Logger;
  readonly environment: Environment;
  readonly dataModel: DataModel;
  readonly referenceRules: Readonly<Record<string, ReferenceRule>>;
  /** The door's write path; `direct` is where its statements outside any caller's transaction run. */
  writePath(direct: Queryable): WritePath;
}

export function setUpDoor(door: Door, options: DoorOptions, defaults: { loggerService: string }): DoorSetup {
  const logger = options.logger ?? createLogger({ service: defaults.loggerService });
  const environment = doorEnvironment(options.environment, logger);
  const policy = options.policy ?? createProvisioningPolicy();
  const dataModel = options.dataModel ?? defaultDataModel();
  const referenceRules = options.referenceRules ?? DEFAULT_REFERENCE_RULES;
  return Object.freeze({
    logger,
    environment,
    dataModel,
    referenceRules,
    writePath: (direct: Queryable) =>
      createWritePath({
        dataModel,
        policy,
        environment,
        logger,
        direct,
        door,
        referenceRules,
        ...(options.telemetry ? { telemetry: options.telemetry } : {}),
        ...(options.knownReferenceCacheSize !== undefined ? { knownReferenceCacheSize: options.knownReferenceCacheSize } : {}),
      }),
  });
}

/** effectiveEnvironment for a door being created, with the warning line when the option was overruled. */
export function doorEnvironment(requested: Environment | undefined, logger: Logger): Environment {
  const { environment, narrowedFrom } = effectiveEnvironment(requested);
  if (narrowedFrom) {
    logger.warn('environment option narrowed', { requested: narrowedFrom, environment, reason: 'AGENT_STATE_ENV/NODE_ENV of this process does not say development or test; auto-creation stays off' });
  }
  return environment;
}
