export { createLogger, createMemoryLogger, silentLogger } from './logger';
export type { CreateLoggerOptions, Logger } from './logger';
