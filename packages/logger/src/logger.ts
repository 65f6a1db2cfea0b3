import { Writable } from 'node:stream';
import winston from 'winston';

/**
 * What the library needs from a logger. A winston Logger satisfies it, and so
 * does a thin wrapper around pino or console: consumers may pass their own.
 */
export interface Logger {
  error(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
  debug(message: string, meta?: Record<string, unknown>): unknown;
  /** winston's: lets hot paths skip building a line that would be dropped */
  isLevelEnabled?(level: string): boolean;
}

export interface CreateLoggerOptions {
  /** default: LOG_LEVEL, else 'info' */
  level?: string;
  /** added to every line as `service` */
  service?: string;
  /** where the JSON lines go; default stdout */
  stream?: NodeJS.WritableStream;
  silent?: boolean;
}

/** One structured JSON object per line, with an ISO timestamp. */
export function createLogger(options: CreateLoggerOptions = {}): winston.Logger {
  return winston.createLogger({
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    silent: options.silent ?? false,
    defaultMeta: options.service ? { service: options.service } : undefined,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Stream({ stream: options.stream ?? process.stdout })],
  });
}

/** A logger that keeps its lines in memory, parsed: for tests and for showing the audit trail in demos. */
export function createMemoryLogger(options: Omit<CreateLoggerOptions, 'stream'> = {}): {
  logger: winston.Logger;
  lines: Array<Record<string, unknown>>;
} {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ ...options, stream }), lines };
}

/** Discards everything. */
export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
