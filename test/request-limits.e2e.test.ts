/**
 * What bounds a single request at the router, with the four real subgraphs: the cost limit counts page
 * sizes (nested pages are refused before any subgraph is called), free-text filters have a length limit,
 * and every refusal before GraphQL (body too large, bad JSON, a batch, a method, a CSRF-suspect request)
 * carries an `extensions.code` like every GraphQL error.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dataOf, singleError, postGraphQL } from './support/graphql.ts';
import {
  recordSubgraphs,
  startTestRouter,
  type RecordedSubgraphs,
  type TestRouter,
} from './support/routers.ts';
import { bearer, startTestStack, type TestStack } from './support/services.ts';

let stack: TestStack;
let subgraphs: RecordedSubgraphs;
let router: TestRouter;
let admin: Record<string, string>;

beforeAll(async () => {
  stack = await startTestStack();
  subgraphs = await recordSubgraphs(stack);
  router = await startTestRouter(subgraphs.urls, { MAX_BODY_BYTES: '20000' });
  admin = bearer(await stack.tokenFor({ userId: 1, role: 'ADMIN' }));
});

afterAll(async () => {
  await router?.close();
  await subgraphs?.close();
  await stack?.stop();
});

describe('the cost limit (5000 by default)', () => {
  const NESTED = `query Nested($users: Int, $orders: Int) {
    users(pageSize: $users) { items { id orders(pageSize: $orders) { items { id status } } } }
  }`;

  it('refuses nested pages of 100 before any subgraph is called', async () => {
    const before = subgraphs.graphqlRequests().length;
    const response = await postGraphQL(router.url, NESTED, { users: 100, orders: 100 }, admin);
    expect(response.status).toBe(400);
    expect(singleError(response)).toEqual({
      message: 'Query cost limit of 5000 exceeded, found 20302.',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(subgraphs.graphqlRequests().length).toBe(before);
  });

  it('runs the same document with small pages: the cost follows the variables', async () => {
    const response = await postGraphQL(router.url, NESTED, { users: 10, orders: 10 }, admin);
    // The one account: the administrator whose token this is.
    expect(dataOf(response)).toEqual({ users: { items: [{ id: '1', orders: { items: [] } }] } });
  });
});

describe('free-text filters', () => {
  it('refuse a search longer than 100 characters with BAD_USER_INPUT, and take one of 100', async () => {
    const search = (text: string) =>
      postGraphQL(
        router.url,
        'query($text: String) { products(filter: { search: $text }) { totalCount } }',
        { text },
        admin,
      );
    expect(singleError(await search('a'.repeat(101)))).toMatchObject({
      message: 'filter.search: must be at most 100 characters',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(dataOf(await search('a'.repeat(100)))).toEqual({ products: { totalCount: 0 } });
  });
});

describe('refusals before GraphQL', () => {
  const send = (init: RequestInit) => fetch(router.url, init);
  const json = { 'content-type': 'application/json' };

  it.each([
    [
      'a body over MAX_BODY_BYTES',
      413,
      'PAYLOAD_TOO_LARGE',
      {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ query: `{ categories } #${'x'.repeat(25_000)}` }),
      },
    ],
    ['a body that is not JSON', 400, 'BAD_REQUEST', { method: 'POST', headers: json, body: '{"query": ' }],
    [
      'a batch',
      400,
      'BAD_REQUEST',
      { method: 'POST', headers: json, body: '[{"query":"{ categories }"},{"query":"{ categories }"}]' },
    ],
    ['a PUT', 405, 'BAD_REQUEST', { method: 'PUT', headers: json, body: '{"query":"{ categories }"}' }],
    [
      'a POST a browser could send cross-site (text/plain)',
      400,
      'BAD_REQUEST',
      { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"{ categories }"}' },
    ],
    [
      'a request without a query',
      400,
      'BAD_REQUEST',
      { method: 'POST', headers: json, body: '{"variables":{}}' },
    ],
  ] as const)('%s: HTTP %i with extensions.code %s', async (_what, status, code, init) => {
    const response = await send(init);
    expect(response.status).toBe(status);
    const body = (await response.json()) as { errors: { message: string; extensions?: { code?: string } }[] };
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]?.extensions?.code).toBe(code);
  });

  it('a path that is not served: 404 NOT_FOUND', async () => {
    const response = await fetch(new URL('/graphiql', router.url));
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      errors: [{ message: 'nothing at /graphiql', extensions: { code: 'NOT_FOUND' } }],
    });
  });
});
