import { describe, expect, it } from '@jest/globals';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { pino } from 'pino';
import { BadUserInputError, ConflictError, createErrorFormatter, NotFoundError } from './errors.ts';

function capturingLogger() {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  return { logger, lines };
}

/** What Apollo Server hands formatError for an error thrown inside a resolver. */
function resolverError(original: Error): [GraphQLFormattedError, unknown] {
  const wrapped = new GraphQLError(original.message, { originalError: original, path: ['field'] });
  return [
    {
      message: original.message,
      path: ['field'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at x'] },
    },
    wrapped,
  ];
}

const databaseUnreachable = (error: unknown) =>
  error instanceof Error && error.message.includes('ECONNREFUSED') ? 'the products database' : undefined;

describe('createErrorFormatter', () => {
  it('keeps a domain error with its code and details, without a stack trace', () => {
    const format = createErrorFormatter(capturingLogger().logger, databaseUnreachable);
    expect(format(...resolverError(new BadUserInputError('input.price', 'must not be negative')))).toEqual({
      message: 'input.price: must not be negative',
      path: ['field'],
      locations: undefined,
      extensions: { code: 'BAD_USER_INPUT', field: 'input.price' },
    });
    expect(format(...resolverError(new NotFoundError('Product', '7'))).extensions).toEqual({
      code: 'NOT_FOUND',
      id: '7',
    });
    expect(format(...resolverError(new ConflictError('taken', 'input.sku'))).extensions).toEqual({
      code: 'CONFLICT',
      field: 'input.sku',
    });
  });

  it('hides an unexpected error (its message may hold SQL) behind INTERNAL_SERVER_ERROR and logs it', () => {
    const { logger, lines } = capturingLogger();
    const format = createErrorFormatter(logger, databaseUnreachable);
    const formatted = format(
      ...resolverError(new Error('insert into "product" ... violates check constraint')),
    );
    expect(formatted).toEqual({
      message: 'Internal server error',
      path: ['field'],
      locations: undefined,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(lines.join('')).toContain('violates check constraint');
  });

  it('reports an unreachable dependency as SERVICE_UNAVAILABLE without its address', () => {
    const format = createErrorFormatter(capturingLogger().logger, databaseUnreachable);
    const formatted = format(...resolverError(new Error('connect ECONNREFUSED 10.0.0.5:5432')));
    expect(formatted.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
    expect(formatted.message).toBe('the products database is unavailable, please retry shortly');
  });

  it('keeps request errors and relayed subgraph errors but strips internal extensions', () => {
    const format = createErrorFormatter(capturingLogger().logger, databaseUnreachable);
    const relayed = new GraphQLError('page: must be 1 or more, got 0');
    expect(
      format(
        {
          message: relayed.message,
          extensions: {
            code: 'BAD_USER_INPUT',
            field: 'page',
            serviceName: 'products',
            response: { url: 'http://internal' },
          },
        },
        relayed,
      ),
    ).toEqual({
      message: relayed.message,
      locations: undefined,
      path: undefined,
      extensions: { code: 'BAD_USER_INPUT', field: 'page' },
    });
    const parse = new GraphQLError('Syntax Error: Expected Name, found <EOF>.');
    expect(
      format({ message: parse.message, extensions: { code: 'GRAPHQL_PARSE_FAILED' } }, parse).extensions,
    ).toEqual({
      code: 'GRAPHQL_PARSE_FAILED',
    });
  });
});
