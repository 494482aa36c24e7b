/**
 * In-flight deduplication of client queries: a query identical to one executing (same document, operation
 * name and variables) for the same viewer waits for that execution's result instead of planning and
 * fetching it again. Everything before execution still runs for every request, its own authentication,
 * rate limits and operation limits included, so a shared result is never a way around them. Never for
 * mutations (each must run) nor across viewers (what a query returns depends on who asks).
 */
import { HeaderMap, type ApolloServerPlugin, type GraphQLResponse } from '@apollo/server';
import type { RouterContext } from '../router-context.ts';

export function requestDeduplicationPlugin(): ApolloServerPlugin<RouterContext> {
  /** The result of each executing query by its key; resolves to null if it cannot be shared. */
  const executing = new Map<string, Promise<GraphQLResponse | null>>();

  return {
    async requestDidStart() {
      let leading: { key: string; resolve: (response: GraphQLResponse | null) => void } | undefined;
      return {
        async responseForOperation({ operation, contextValue, queryHash, request }) {
          if (operation?.operation !== 'query' || contextValue.purpose !== 'request') return null;
          const viewer = contextValue.viewer;
          const key = [
            viewer ? `${viewer.userId}:${viewer.role}` : `anonymous:${contextValue.clientIp}`,
            queryHash,
            request.operationName ?? '',
            JSON.stringify(request.variables ?? {}),
          ].join('\n');
          const shared = executing.get(key);
          if (shared) return shared;
          const { promise, resolve } = Promise.withResolvers<GraphQLResponse | null>();
          executing.set(key, promise);
          leading = { key, resolve };
          return null;
        },
        async willSendResponse({ response }) {
          if (!leading) return;
          executing.delete(leading.key);
          // Each follower sends its own copy of the top level: plugins may add to it per response.
          leading.resolve(
            response.body.kind === 'single'
              ? {
                  http: { status: response.http.status, headers: new HeaderMap() },
                  body: { kind: 'single', singleResult: { ...response.body.singleResult } },
                }
              : null,
          );
        },
      };
    },
  };
}
