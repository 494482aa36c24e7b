import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { isatty } from 'node:tty';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogFormat, LogLevel } from './config.ts';
import { logTraceFields } from './telemetry.ts';

export type { Logger };

/** The header that carries one request's id from the client through the router to every subgraph. */
export const REQUEST_ID_HEADER = 'x-request-id';

export interface LogOptions {
  level: LogLevel;
  /** `json` (one object a line, the default) or `pretty` (for a person at a terminal: `npm start`). */
  format?: LogFormat;
  /** stdout unless a command's stdout is its result (it then logs to stderr). */
  stream?: 'stdout' | 'stderr';
  /** On Google Cloud: lines inside a span carry Cloud Logging's trace fields for this project. */
  googleCloudProject?: string;
}

/** Cloud Logging's severity for each pino level (its `severity` field; pino's numeric `level` means nothing to it). */
const SEVERITY: Readonly<Record<string, string>> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

/** Error properties that are kept in a log line; a driver's error may hold its client, socket or pool. */
interface SerialisedError {
  type: string;
  message: string;
  code?: unknown;
  stack?: string;
  cause?: SerialisedError;
}

/** An error as a log line shows it: its type, message, code and stack (and its cause's), nothing else. */
export function serialiseError(error: unknown, depth = 0): SerialisedError {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) };
  const { code } = error as { code?: unknown };
  return {
    type: error.constructor.name,
    message: error.message,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    ...(error.cause !== undefined && depth < 3 ? { cause: serialiseError(error.cause, depth + 1) } : {}),
  };
}

/**
 * Logs tagged with the service name; secrets never reach them. JSON for machines (one object a line,
 * in the shape Cloud Logging reads: `message`, `severity`, and the trace of the span it was written in);
 * `pretty` colours and shortens them for a terminal (pino-pretty, a development dependency, loaded only
 * then).
 */
export function createLogger(service: string, options: LogOptions): Logger {
  const fd = options.stream === 'stderr' ? 2 : 1;
  return pino(
    {
      level: options.level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: serialiseError, error: serialiseError },
      messageKey: 'message',
      formatters: { level: (label, number) => ({ level: number, severity: SEVERITY[label] ?? 'DEFAULT' }) },
      mixin: () => logTraceFields(options.googleCloudProject),
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.databaseUrl'],
        censor: '[redacted]',
      },
    },
    options.format === 'pretty' ? prettyStream(fd) : jsonStream(fd),
  );
}

/**
 * JSON lines, written asynchronously, except to a terminal: a terminal's descriptor is non-blocking, and a
 * line whose write met EAGAIN waits for an asynchronous retry that `process.exit` does not wait for (the
 * exit flush writes only what is still queued), so a line of `npm start` at a terminal could be lost at
 * Ctrl-C. Synchronous writes retry on the spot.
 */
function jsonStream(fd: 1 | 2): DestinationStream {
  return pino.destination({ dest: fd, sync: isatty(fd) });
}

function prettyStream(fd: 1 | 2): DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as (options: object) => DestinationStream;
  return pretty({
    destination: fd,
    sync: true,
    translateTime: 'HH:MM:ss',
    ignore: 'pid,hostname',
    messageKey: 'message',
    messageFormat: '{service} {message}',
    singleLine: true,
  });
}

const ACCEPTABLE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Keeps a caller's request id when it is well-formed (so traces join up), otherwise makes a new one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && ACCEPTABLE_REQUEST_ID.test(value) ? value : randomUUID();
}
