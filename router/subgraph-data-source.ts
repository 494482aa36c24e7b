/**
 * How the router talks to a subgraph: it forwards the request id, gives up after a timeout, and keeps a
 * subgraph's own GraphQL error (e.g. a BAD_USER_INPUT on a 400) instead of the gateway's bare "400: Bad
 * Request" with the raw response attached.
 */
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Fetcher, FetcherResponse } from '@apollo/utils.fetcher';
import { GraphQLError } from 'graphql';
import { REQUEST_ID_HEADER } from '../lib/logger.ts';
import type { RouterContext } from './router-context.ts';

export class SubgraphUnavailableError extends Error {
  readonly subgraph: string;
  constructor(subgraph: string, cause: unknown) {
    super(`subgraph ${subgraph} did not answer`, { cause });
    this.subgraph = subgraph;
  }
}

export class SubgraphDataSource extends RemoteGraphQLDataSource<RouterContext> {
  constructor(name: string, url: string, timeoutMs: number) {
    const fetchWithTimeout = async (input: string, init?: RequestInit) => {
      try {
        return await fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        throw new SubgraphUnavailableError(name, error);
      }
    };
    super({ url, fetcher: fetchWithTimeout as unknown as Fetcher });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<RouterContext>): void {
    if ('requestId' in context) request.http?.headers.set(REQUEST_ID_HEADER, context.requestId);
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
