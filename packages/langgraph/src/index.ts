export { AgentStateSaver, createAgentStateSaver } from './saver';
export type { PruneCheckpointsInput } from './saver';
export type { AgentStateSaverOptions } from './options';
export { MissingOwnerError } from './errors';
