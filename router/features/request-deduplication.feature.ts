/**
 * In-flight deduplication of client queries: a query identical to one executing (same document, operation
 * name and variables) for the same viewer waits for that execution's response instead of planning,
 * fetching and serialising it again. Everything before execution still runs for every request, its own
 * authentication, rate limits and operation limits included, so a shared response is never a way around
 * them. Never for mutations (each must run) nor across viewers (what a query returns depends on who asks).
 *
 * Two halves: the plugin decides, once a request passed its checks, whether it leads an execution or
 * follows one; `finishResponse` (called by the HTTP server with the response Apollo produced) hands the
 * leader's serialised response to its followers, so an 87 KB result is serialised once, not per request.
 * Batched requests are not deduplicated (a batch shares one context across its operations): the router
 * uses this feature only when batching is off.
 */
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import type { RouterContext } from '../router-context.ts';
import type { RouterMetrics } from '../router-metrics.ts';
import type { RouterFeature } from '../router-feature.ts';

/** The part of a leader's HTTP response its followers send as theirs. */
interface SharedResponse {
  status: number | undefined;
  body: string;
}

type Role =
  | { leads: string; share: (response: SharedResponse | null) => void }
  | { follows: Promise<SharedResponse | null> };

export function useRequestDeduplication(metrics?: RouterMetrics): RouterFeature {
  /** The response of each executing query by its key; null when it cannot be shared. */
  const executing = new Map<string, Promise<SharedResponse | null>>();
  /** What each HTTP request does, by its exchange (see RouterContext.exchange). */
  const roles = new WeakMap<object, Role>();

  const plugin: ApolloServerPlugin<RouterContext> = {
    async requestDidStart() {
      return {
        async responseForOperation({ operation, contextValue, queryHash, request }) {
          const { exchange } = contextValue;
          if (operation?.operation !== 'query' || contextValue.purpose !== 'request' || !exchange)
            return null;
          const viewer = contextValue.viewer;
          const key = [
            viewer ? `${viewer.userId}:${viewer.role}` : `anonymous:${contextValue.clientIp}`,
            queryHash,
            request.operationName ?? '',
            JSON.stringify(request.variables ?? {}),
          ].join('\n');
          const shared = executing.get(key);
          if (shared) {
            metrics?.deduplicatedRequests.inc();
            roles.set(exchange, { follows: shared });
            // A stand-in: finishResponse replaces it with the leader's response.
            return {
              http: { status: 200, headers: new HeaderMap() },
              body: { kind: 'single', singleResult: {} },
            };
          }
          const { promise, resolve } = Promise.withResolvers<SharedResponse | null>();
          executing.set(key, promise);
          roles.set(exchange, { leads: key, share: resolve });
          return null;
        },
      };
    },
  };

  return {
    name: 'request deduplication',
    plugins: [plugin],
    /** The response to send for a request: the leader's for a follower, its own otherwise. */
    async finishResponse(context, response) {
      const role = context.exchange && roles.get(context.exchange);
      if (!role) return response;
      if ('leads' in role) {
        executing.delete(role.leads);
        role.share(
          response instanceof Error || response.body.kind !== 'complete'
            ? null
            : { status: response.status, body: response.body.string },
        );
        return response;
      }
      const shared = await role.follows;
      if (response instanceof Error) return response;
      // The gateway answers every query whole, so a leader's response can always be shared.
      if (!shared) return new Error('the identical query this request waited for gave no response to share');
      return { ...response, status: shared.status, body: { kind: 'complete', string: shared.body } };
    },
  };
}
