export { AgentStateSaver, createAgentStateSaver } from './saver';
export type { PruneCheckpointsInput } from './saver';
export type { AgentStateSaverOptions, ForkPolicy } from './options';
export type { GroupCommitOptions } from './checkpointBatcher';
export { MissingOwnerError, StaleCheckpointError } from './errors';
