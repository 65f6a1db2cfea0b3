import type { DataModel } from '@agentstate/db';
import type { Logger } from '@agentstate/logger';
import type { Environment } from '@agentstate/policy';
import type { KnownReferences } from './knownReferences';
import type { Queryable } from './queryable';
import type { Door, Telemetry } from './telemetry';
import type { ProvisioningPolicyLike } from './writeDecision';

/** What the parts of one write path share, fixed when a door creates it. Each part takes only the fields it uses. */
export interface WritePathContext {
  readonly dataModel: DataModel;
  readonly policy: ProvisioningPolicyLike;
  /** already resolved (see effectiveEnvironment) */
  readonly environment: Environment;
  readonly logger: Logger;
  /** where refusal audit rows and presence checks run: never inside a caller's transaction */
  readonly direct: Queryable;
  /** which door writes through this path (a metrics attribute) */
  readonly door: Door;
  readonly telemetry: Telemetry;
  /** referenced rows known to exist (the fast path) */
  readonly known: KnownReferences;
}
