/**
 * How the router talks to a subgraph: it forwards the request id and the verified viewer, signs every
 * request (lib/router-proof.ts) over exactly the bytes it sends, gives up after a timeout, and keeps a
 * subgraph's own GraphQL error (e.g. a BAD_USER_INPUT on a 400) instead of a bare "400: Bad Request".
 *
 * It also spares the subgraphs work the gateway would send them twice:
 * - an entity fetch names each distinct entity once (the gateway lists an entity once per place it
 *   appears, e.g. the same product on many order lines), and the answer is spread back to every place;
 * - a fetch of a query identical to one in flight for the same viewer (same subgraph, same bytes) waits
 *   for that one's answer instead of being sent again. Never for a mutation's fetches.
 *
 * It implements the gateway's data source interface itself rather than extending RemoteGraphQLDataSource,
 * which builds node-fetch Headers and Request objects per fetch only to throw them away, and sends with
 * Node's http client over kept-alive connections (lib/http-post.ts).
 */
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { postText, type HttpAnswer } from '../lib/http-post.ts';
import { REQUEST_ID_HEADER } from '../lib/logger.ts';
import { sendTraced } from '../lib/telemetry.ts';
import { signRouterRequest } from '../lib/router-proof.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';
import type { RouterContext } from './router-context.ts';
import type { RouterMetrics } from './router-metrics.ts';

export class SubgraphUnavailableError extends Error {
  readonly subgraph: string;
  constructor(subgraph: string, cause: unknown) {
    super(`subgraph ${subgraph} did not answer`, { cause });
    this.subgraph = subgraph;
  }
}

export interface SubgraphDataSourceOptions {
  name: string;
  url: string;
  timeoutMs: number;
  routerSecret: string;
  /** Share the answer of an identical query fetch in flight (same subgraph, bytes and viewer). */
  shareInFlightFetches: boolean;
  /** Fails calls at once while the subgraph is known to be down (circuit-breaker.ts). */
  breaker: CircuitBreaker;
  /** Counts and times each call. */
  metrics?: RouterMetrics;
}

/** Answers that mean the subgraph (or what is in front of it) cannot serve now. */
const UNAVAILABLE_STATUSES = new Set([502, 503, 504]);

type Variables = Record<string, unknown>;
type GatewayGraphQLResponse = Awaited<ReturnType<GraphQLDataSource<RouterContext>['process']>>;

export class SubgraphDataSource implements GraphQLDataSource<RouterContext> {
  readonly #options: SubgraphDataSourceOptions;
  /** Answers in flight, read whole (as text) so that the fetches sharing one each parse their own copy. */
  readonly #inFlight = new Map<string, Promise<HttpAnswer>>();
  readonly #target: URL;

  constructor(options: SubgraphDataSourceOptions) {
    this.#options = options;
    this.#target = new URL(options.url);
  }

  async process(options: GraphQLDataSourceProcessOptions<RouterContext>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    // The gateway also calls data sources outside client requests (health checks) with another context.
    const context = 'requestId' in options.context ? options.context : undefined;
    const viewer = context?.viewer ?? null;
    const entities = distinctRepresentations(request.variables);
    const body = requestBody(request.query, request.operationName, request.variables, entities?.json);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...(context ? { [REQUEST_ID_HEADER]: context.requestId } : {}),
      ...signRouterRequest(this.#options.routerSecret, body, viewer),
    };

    const onlyReads =
      'incomingRequestContext' in options && options.incomingRequestContext.operation?.operation === 'query';
    const answer =
      this.#options.shareInFlightFetches && onlyReads
        ? await this.#shared(`${viewer?.userId ?? ''}:${viewer?.role ?? ''}\n${body}`, () =>
            this.#send(body, headers),
          )
        : await this.#send(body, headers);

    const response = parseAnswer(answer);
    if (answer.status < 200 || answer.status >= 300) throw refusalOf(response, answer.status);
    if (!response) {
      throw new GraphQLError(`subgraph ${this.#options.name} answered without a GraphQL response`, {
        extensions: { code: 'BAD_GATEWAY' },
      });
    }
    return entities?.positions ? spreadEntities(response, entities.positions) : response;
  }

  async #send(body: string, headers: Record<string, string>): Promise<HttpAnswer> {
    const { breaker, name, metrics } = this.#options;
    if (!breaker.allow()) {
      metrics?.subgraphFetches.inc({ subgraph: name, outcome: 'unavailable' });
      throw new SubgraphUnavailableError(name, new Error('circuit open: failing fast'));
    }
    const stopTimer = metrics?.subgraphFetchSeconds.startTimer({ subgraph: name });
    let answer: HttpAnswer;
    try {
      // The trace goes on into the subgraph (below the gateway's fetch span); the proof does not cover it.
      answer = await sendTraced(
        { method: 'POST', url: this.#target, headers },
        () => postText(this.#target, headers, body, this.#options.timeoutMs),
        (sent) => sent.status,
      );
    } catch (error) {
      breaker.failed();
      stopTimer?.();
      metrics?.subgraphFetches.inc({ subgraph: name, outcome: 'unavailable' });
      throw new SubgraphUnavailableError(name, error);
    }
    stopTimer?.();
    const unavailable = UNAVAILABLE_STATUSES.has(answer.status);
    metrics?.subgraphFetches.inc({
      subgraph: name,
      outcome: unavailable ? 'unavailable' : answer.status >= 200 && answer.status < 300 ? 'ok' : 'error',
    });
    if (unavailable) breaker.failed();
    else breaker.succeeded();
    return answer;
  }

  #shared(key: string, send: () => Promise<HttpAnswer>): Promise<HttpAnswer> {
    const inFlight = this.#inFlight.get(key);
    if (inFlight) {
      this.#options.metrics?.deduplicatedFetches.inc({ subgraph: this.#options.name });
      return inFlight;
    }
    const sent = send().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, sent);
    return sent;
  }
}

/**
 * The distinct entity representations of an entity fetch as JSON text, and for each representation the
 * gateway sent the position of its distinct one (undefined when all are distinct); undefined for a fetch
 * without representations.
 */
function distinctRepresentations(
  variables: Variables | undefined,
): { json: string; positions: number[] | undefined } | undefined {
  const representations = variables?.representations;
  if (!Array.isArray(representations)) return undefined;
  const indexByKey = new Map<string, number>();
  const distinct: string[] = [];
  const positions = representations.map((representation: unknown) => {
    // Serialised once: the text is both the key and what the request body carries.
    const key = JSON.stringify(representation);
    let index = indexByKey.get(key);
    if (index === undefined) {
      index = distinct.push(key) - 1;
      indexByKey.set(key, index);
    }
    return index;
  });
  return {
    json: `[${distinct.join(',')}]`,
    positions: distinct.length < representations.length ? positions : undefined,
  };
}

/** The GraphQL request body, with the representations already serialised when there are any. */
function requestBody(
  query: string | undefined,
  operationName: string | undefined,
  variables: Variables | undefined,
  representationsJson: string | undefined,
): string {
  if (representationsJson === undefined) return JSON.stringify({ query, operationName, variables });
  const others = Object.fromEntries(
    Object.entries(variables ?? {}).filter(([name]) => name !== 'representations'),
  );
  const otherVariables = JSON.stringify(others).slice(1, -1);
  const head = JSON.stringify({ query, operationName }).slice(0, -1);
  return `${head},"variables":{${otherVariables}${otherVariables ? ',' : ''}"representations":${representationsJson}}}`;
}

/**
 * The answer as the gateway expects it for the representations it sent: `_entities[i]` for each one, and
 * an error about a distinct entity repeated for every place that entity was asked for. Places of the same
 * entity share its object: the gateway merges later fetches of the same entity into it identically.
 */
function spreadEntities(response: GatewayGraphQLResponse, positions: number[]): GatewayGraphQLResponse {
  const received = response.data?._entities;
  if (!Array.isArray(received) || received.length !== Math.max(...positions) + 1) return response;
  const errors = response.errors?.flatMap((error) => {
    const [head, index, ...rest] = error.path ?? [];
    if (head !== '_entities' || typeof index !== 'number') return [error];
    return positions.flatMap((position, at) =>
      position === index ? [{ ...error, path: ['_entities', at, ...rest] }] : [],
    );
  });
  return {
    ...response,
    data: { ...response.data, _entities: positions.map((position) => received[position]) },
    ...(errors ? { errors } : {}),
  };
}

/** The GraphQL response in the answer, or undefined when it holds none (a proxy's error page). */
function parseAnswer(answer: HttpAnswer): GatewayGraphQLResponse | undefined {
  try {
    const body: unknown = JSON.parse(answer.text);
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body;
  } catch {
    // Not JSON.
  }
  return undefined;
}

/** A subgraph's refusal with its own first GraphQL error when it sent one. */
function refusalOf(response: GatewayGraphQLResponse | undefined, status: number): GraphQLError {
  const first: GraphQLFormattedError | undefined = response?.errors?.[0];
  if (first && typeof first.message === 'string') {
    return new GraphQLError(first.message, { extensions: first.extensions });
  }
  return new GraphQLError(`subgraph answered HTTP ${status}`, { extensions: { code: 'BAD_GATEWAY' } });
}
