/**
 * The domain errors and the only place that decides their `extensions.code`.
 *
 * Services throw these; `formatClientError` turns them into GraphQL errors for clients. Anything else that
 * escapes a resolver is logged with its stack and reaches the client as a bare INTERNAL_SERVER_ERROR, so a
 * stack trace, SQL or a connection string never leaves the process.
 */
import { HeaderMap } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from './logger.ts';

export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  /** Refusals before GraphQL: a malformed request (bad JSON, a batch), a body over the size limit. */
  BAD_REQUEST: 'BAD_REQUEST',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** Trusted documents: an operation that is not in the manifest the router allows (TRUSTED_DOCUMENTS). */
  PERSISTED_QUERY_NOT_ALLOWED: 'PERSISTED_QUERY_NOT_ALLOWED',
  /** A hash the router does not know, sent without the document: send it again with its text. */
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A refusal the client can act on; its message is written for the client. */
export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** Input that breaks a rule; `field` is the input path the client should fix (e.g. `input.price`). */
export class BadUserInputError extends DomainError {
  constructor(field: string, message: string) {
    super(ErrorCode.BAD_USER_INPUT, `${field}: ${message}`, { field });
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id: string) {
    super(ErrorCode.NOT_FOUND, `${what} ${id} was not found`, { id });
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, field?: string) {
    super(ErrorCode.CONFLICT, message, field === undefined ? {} : { field });
  }
}

/** No valid credentials: no token, a bad or expired one, or a wrong password. HTTP 401 at the router. */
export class UnauthenticatedError extends DomainError {
  constructor(
    message = 'authentication required: send a valid access token as "Authorization: Bearer <token>"',
  ) {
    super(ErrorCode.UNAUTHENTICATED, message);
  }
}

/** Authenticated, but the role or ownership does not allow this. */
export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super(ErrorCode.FORBIDDEN, message);
  }
}

/** Too many calls of `field` in the window; `retryAfter` is in seconds. */
export class RateLimitedError extends DomainError {
  constructor(field: string, retryAfter: number) {
    super(ErrorCode.RATE_LIMITED, `too many ${field} requests: retry in ${retryAfter} s`, {
      field,
      retryAfter,
    });
  }
}

/** A dependency (database, another service) cannot be reached; the request may succeed later. */
export class ServiceUnavailableError extends DomainError {
  constructor(what: string) {
    super(ErrorCode.SERVICE_UNAVAILABLE, `${what} is unavailable, please retry shortly`);
  }
}

/**
 * A domain error refused before execution (in the HTTP context or a request plugin) as a GraphQL error
 * that also sets the HTTP status of the whole response, and headers such as Retry-After.
 */
export function refusal(
  error: DomainError,
  status: number,
  headers: Record<string, string> = {},
): GraphQLError {
  return new GraphQLError(error.message, {
    originalError: error,
    extensions: {
      ...error.details,
      code: error.code,
      http: { status, headers: new HeaderMap(Object.entries(headers)) },
    },
  });
}

/** Codes that graphql-js and Apollo Server give to malformed requests; their messages are safe to show. */
const REQUEST_ERROR_CODES = new Set<unknown>([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  ...Object.values(ErrorCode).filter((code) => code !== ErrorCode.INTERNAL_SERVER_ERROR),
]);

/** Extension keys that describe internals (stack traces, raw subgraph responses) and never reach a client. */
const INTERNAL_EXTENSIONS = new Set(['stacktrace', 'exception', 'response', 'serviceName', 'http']);

/** Names the dependency an error says is unreachable (e.g. "the products database"), if it says so. */
export type UnavailabilityCheck = (error: unknown) => string | undefined;

/**
 * Apollo Server's `formatError` for every service: keeps domain errors and errors that already carry a
 * known code (request errors, errors relayed from a subgraph) without internals, reports unreachable
 * dependencies as SERVICE_UNAVAILABLE, and hides everything else behind INTERNAL_SERVER_ERROR after
 * logging it.
 */
export function createErrorFormatter(logger: Logger, unavailable: UnavailabilityCheck) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const { locations, path } = formatted;
    const original = unwrapResolverError(error);
    if (original instanceof DomainError) {
      return {
        message: original.message,
        locations,
        path,
        extensions: { ...original.details, code: original.code },
      };
    }
    const dependency =
      unavailable(original) ??
      (original instanceof GraphQLError ? unavailable(original.originalError) : undefined);
    if (dependency !== undefined) {
      logger.warn({ err: original }, `${dependency} is unavailable`);
      const { message, code } = new ServiceUnavailableError(dependency);
      return { message, locations, path, extensions: { code } };
    }
    const extensions = formatted.extensions ?? {};
    if (REQUEST_ERROR_CODES.has(extensions.code)) {
      const safe = Object.fromEntries(
        Object.entries(extensions).filter(([key]) => !INTERNAL_EXTENSIONS.has(key)),
      );
      return { message: formatted.message, locations, path, extensions: safe };
    }
    logger.error({ err: original, path }, 'unexpected error while resolving a request');
    return {
      message: 'Internal server error',
      locations,
      path,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
