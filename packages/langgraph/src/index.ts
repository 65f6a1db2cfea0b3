export { AgentStateSaver, createAgentStateSaver } from './saver';
export type { PruneCheckpointsInput } from './saver';
export type { AgentStateSaverOptions, ForkPolicy } from './options';
export type { GroupCommitOptions } from './checkpointBatcher';
export { CheckpointCycleError, MissingOwnerError, StaleCheckpointError } from './errors';
