/**
 * How the router talks to a subgraph: it forwards the request id and the verified viewer, signs every
 * request (lib/router-proof.ts) over exactly the bytes it sends, gives up after a timeout, and keeps a
 * subgraph's own GraphQL error (e.g. a BAD_USER_INPUT on a 400) instead of the gateway's bare "400: Bad
 * Request" with the raw response attached.
 */
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Fetcher, FetcherResponse } from '@apollo/utils.fetcher';
import { GraphQLError } from 'graphql';
import { REQUEST_ID_HEADER } from '../lib/logger.ts';
import { signRouterRequest, viewerFromHeaders, viewerHeaders } from '../lib/router-proof.ts';
import type { RouterContext } from './router-context.ts';

export class SubgraphUnavailableError extends Error {
  readonly subgraph: string;
  constructor(subgraph: string, cause: unknown) {
    super(`subgraph ${subgraph} did not answer`, { cause });
    this.subgraph = subgraph;
  }
}

export class SubgraphDataSource extends RemoteGraphQLDataSource<RouterContext> {
  constructor(name: string, url: string, timeoutMs: number, routerSecret: string) {
    const signedFetch = async (input: string, init: RequestInit = {}) => {
      const headers = { ...(init.headers as Record<string, string>) };
      const body = typeof init.body === 'string' ? init.body : '';
      Object.assign(headers, signRouterRequest(routerSecret, body, viewerFromHeaders(headers)));
      try {
        return await fetch(input, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        throw new SubgraphUnavailableError(name, error);
      }
    };
    super({ url, fetcher: signedFetch as unknown as Fetcher });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<RouterContext>): void {
    // The gateway also calls this outside client requests (its own health checks) with another context.
    if (!('requestId' in context) || !request.http) return;
    request.http.headers.set(REQUEST_ID_HEADER, context.requestId);
    for (const [header, value] of Object.entries(viewerHeaders(context.viewer)))
      request.http.headers.set(header, value);
  }

  override async errorFromResponse(response: FetcherResponse): Promise<GraphQLError> {
    const body = await this.parseBody(response);
    const first =
      typeof body === 'object' && body !== null && 'errors' in body && Array.isArray(body.errors)
        ? body.errors[0]
        : undefined;
    if (first && typeof first.message === 'string') {
      return new GraphQLError(first.message, { extensions: first.extensions });
    }
    return new GraphQLError(`subgraph answered HTTP ${response.status}`, {
      extensions: { code: 'BAD_GATEWAY' },
    });
  }
}
