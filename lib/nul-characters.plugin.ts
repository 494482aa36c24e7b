/**
 * Postgres text cannot hold a NUL character, and a statement carrying one fails as a protocol error that
 * looks like a broken connection. Every subgraph refuses such input up front as the client's mistake.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, visit, type DocumentNode } from 'graphql';
import { BadUserInputError, refusal } from './errors.ts';

function variablePathWithNul(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = variablePathWithNul(item, `${path}[${index}]`);
      if (found) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = variablePathWithNul(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

function documentHasNul(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    [Kind.STRING]: (node) => {
      if (node.value.includes('\u0000')) found = true;
    },
  });
  return found;
}

export function rejectNulCharactersPlugin<TContext extends object>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const field =
            variablePathWithNul(request.variables ?? {}, '$')?.replace(/^\$\./, '') ??
            (documentHasNul(document) ? 'a string argument' : undefined);
          if (field !== undefined)
            throw refusal(new BadUserInputError(field, 'must not contain NUL characters'), 400);
        },
      };
    },
  };
}
