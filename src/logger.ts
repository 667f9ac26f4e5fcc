/**
 * The one logger hook. bucketkit never writes to the console; it reports what a user may want to know
 * (a server that ignores conditional writes, a port dropped from a write, a stale lock broken) to the
 * function set here. Nothing is logged until one is set.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEvent {
  level: LogLevel;
  /** Where it happened: `storage.s3`, `storage.file`, `erasure`, ... */
  scope: string;
  message: string;
  fields?: Record<string, unknown>;
}

export type Logger = (event: LogEvent) => void;

let current: Logger | undefined;

/**
 * Sets (or with `undefined` removes) the function that receives bucketkit's log events.
 *
 * @example
 * ```ts
 * setLogger((e) => console.error(`[bucketkit ${e.scope}] ${e.level}: ${e.message}`, e.fields ?? ''));
 * ```
 */
export function setLogger(logger: Logger | undefined): void {
  current = logger;
}

/**
 * Reports an event to the logger, if any. A throwing logger never breaks the operation that logged.
 *
 * @example
 * ```ts
 * log('warn', 'erasure', 'a port failed during a write', { port: port.name });
 * ```
 */
export function log(level: LogLevel, scope: string, message: string, fields?: Record<string, unknown>): void {
  if (!current) return;
  try {
    current({ level, scope, message, ...(fields ? { fields } : {}) });
  } catch {
    // logging must not change behaviour
  }
}
