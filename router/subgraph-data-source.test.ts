/**
 * The router's subgraph client against a real HTTP server standing in for a subgraph: what it sends, how
 * it spreads a deduplicated entity answer back (errors included), and how it reports a subgraph's refusals.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GraphQLError } from 'graphql';
import pino from 'pino';
import type { RouterContext } from './router-context.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { SubgraphDataSource, SubgraphUnavailableError } from './subgraph-data-source.ts';

/** What the stand-in subgraph answers next, and what it received. */
let answer: { status: number; body: string } = { status: 200, body: '{"data":{}}' };
const received: {
  body: { variables?: { representations?: unknown[] } };
  headers: Record<string, unknown>;
}[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')), headers: req.headers });
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const context: RouterContext = {
  requestId: 'request-1',
  logger: pino({ level: 'silent' }),
  viewer: {
    userId: 7,
    role: 'PHARMACIST',
    sessionId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    acceptedUntil: Date.now() + 60_000,
  },
  clientIp: '127.0.0.1',
  purpose: 'request',
};

function source(url: string): SubgraphDataSource {
  return new SubgraphDataSource({
    name: 'products',
    url,
    timeoutMs: 2_000,
    routerSecret: 'secret',
    shareInFlightFetches: true,
    breaker: new CircuitBreaker({ failuresToOpen: 1_000, openMs: 1_000, maxOpenMs: 1_000 }),
  });
}

/** The options the gateway passes for one fetch of a client query (only what the data source reads). */
function queryFetch(variables: Record<string, unknown>): GraphQLDataSourceProcessOptions<RouterContext> {
  return {
    kind: 'incoming operation',
    request: {
      query:
        'query($representations:[_Any!]!){_entities(representations:$representations){...on Product{name}}}',
      variables,
    },
    context,
    incomingRequestContext: { operation: { operation: 'query' } },
  } as unknown as GraphQLDataSourceProcessOptions<RouterContext>;
}

const A = { __typename: 'Product', id: '1' };
const B = { __typename: 'Product', id: '2' };

describe('an entity fetch', () => {
  it('sends each distinct representation once and gives every place its entity and its errors', async () => {
    received.length = 0;
    answer = {
      status: 200,
      body: JSON.stringify({
        data: { _entities: [null, { name: 'Plaster' }] },
        errors: [
          {
            message: 'product 1 is hidden',
            path: ['_entities', 0, 'name'],
            extensions: { code: 'FORBIDDEN' },
          },
        ],
      }),
    };
    const response = await source(url).process(queryFetch({ locale: 'en', representations: [A, B, A, A] }));

    expect(received[0]?.body.variables).toEqual({ locale: 'en', representations: [A, B] });
    expect(received[0]?.headers).toMatchObject({ 'x-request-id': 'request-1', 'x-viewer-id': '7' });
    expect(response.data?._entities).toEqual([null, { name: 'Plaster' }, null, null]);
    expect(response.errors?.map((error) => error.path)).toEqual([
      ['_entities', 0, 'name'],
      ['_entities', 2, 'name'],
      ['_entities', 3, 'name'],
    ]);
  });

  it('sends distinct representations as they are', async () => {
    received.length = 0;
    answer = { status: 200, body: JSON.stringify({ data: { _entities: [{ name: 'A' }, { name: 'B' }] } }) };
    const response = await source(url).process(queryFetch({ representations: [A, B] }));
    expect(received[0]?.body.variables?.representations).toEqual([A, B]);
    expect(response.data?._entities).toEqual([{ name: 'A' }, { name: 'B' }]);
  });
});

describe("a subgraph's refusal", () => {
  it('is its own first GraphQL error', async () => {
    answer = {
      status: 400,
      body: JSON.stringify({
        errors: [{ message: 'name: too long', extensions: { code: 'BAD_USER_INPUT' } }],
      }),
    };
    const error = await source(url)
      .process(queryFetch({}))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GraphQLError);
    expect(error).toMatchObject({ message: 'name: too long', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('is BAD_GATEWAY when the answer is not GraphQL, and SubgraphUnavailableError when nobody answers', async () => {
    answer = { status: 502, body: '<html>bad gateway</html>' };
    await expect(source(url).process(queryFetch({}))).rejects.toMatchObject({
      message: 'subgraph answered HTTP 502',
      extensions: { code: 'BAD_GATEWAY' },
    });
    answer = { status: 200, body: 'not json' };
    await expect(source(url).process(queryFetch({}))).rejects.toMatchObject({
      message: 'subgraph products answered without a GraphQL response',
    });
    await expect(source('http://127.0.0.1:1/graphql').process(queryFetch({}))).rejects.toBeInstanceOf(
      SubgraphUnavailableError,
    );
  });
});
