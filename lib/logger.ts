import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

/** The header that carries one request's id from the client through the router to every subgraph. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * JSON logs (one object a line) tagged with the service name; secrets never reach them. On stdout, unless
 * `stream` says otherwise (a command whose stdout is its result logs to stderr).
 */
export function createLogger(
  service: string,
  level: LogLevel,
  stream: 'stdout' | 'stderr' = 'stdout',
): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.databaseUrl'],
        censor: '[redacted]',
      },
    },
    pino.destination(stream === 'stdout' ? 1 : 2),
  );
}

const ACCEPTABLE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Keeps a caller's request id when it is well-formed (so traces join up), otherwise makes a new one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && ACCEPTABLE_REQUEST_ID.test(value) ? value : randomUUID();
}
