export { AgentStateSaver, createAgentStateSaver } from './saver';
export type { PruneCheckpointsInput } from './saver';
export type { AgentStateSaverOptions, ForkPolicy } from './options';
export { MissingOwnerError, StaleCheckpointError } from './errors';
