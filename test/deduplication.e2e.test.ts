/**
 * What the router spares the subgraphs: each distinct entity is fetched once per entity fetch, an
 * identical query of the same viewer shares an executing one's result (after its own checks), and an
 * identical subgraph fetch shares the one in flight. Never for mutations, never across viewers.
 *
 * A proxy in front of the products subgraph holds the first request it sees, so the test can count what
 * else reaches the subgraph while that one is outstanding.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPharmacyClient, type PharmacyClient } from '../sdk/index.ts';
import { dataOf, singleError, postGraphQL, type GraphQLResponse } from './support/graphql.ts';
import { startRecordingProxy, type RecordedRequest } from './support/network.ts';
import { startTestRouter, subgraphUrlEnv, type TestRouter } from './support/routers.ts';
import { placeOrder } from './support/saga.ts';
import { bearer, startTestStack, type TestStack } from './support/services.ts';
import { sleep, waitFor } from './support/waiting.ts';

let stack: TestStack;
let staffToken: string;
let customerToken: string;
let staff: PharmacyClient;

beforeAll(async () => {
  stack = await startTestStack();
  staffToken = await stack.tokenFor({ userId: 2, role: 'PHARMACIST' });
  customerToken = await stack.tokenFor({ userId: 3, role: 'CUSTOMER' });
  staff = createPharmacyClient({ url: stack.routerUrl, token: staffToken });
});

afterAll(async () => {
  await staff?.close();
  await stack?.stop();
});

interface HeldProducts {
  router: TestRouter;
  /** GraphQL requests that reached the products subgraph. */
  requests(): RecordedRequest[];
  /** Lets the held requests (and every later one) through. */
  release(): void;
  close(): Promise<void>;
}

/** A router (with `env`) whose products subgraph sits behind a proxy that holds requests until released. */
async function routerWithHeldProducts(env: Record<string, string> = {}): Promise<HeldProducts> {
  const gate = Promise.withResolvers<undefined>();
  const proxy = await startRecordingProxy(stack.subgraphs.products.server.url, (request) =>
    request.path === '/graphql' ? gate.promise : undefined,
  );
  const router = await startTestRouter({ ...subgraphUrlEnv(stack), PRODUCTS_URL: proxy.url }, env);
  return {
    router,
    requests: () => proxy.recorded.filter((request) => request.path === '/graphql'),
    release: () => gate.resolve(undefined),
    async close() {
      gate.resolve(undefined);
      await router.close();
      await proxy.close();
    },
  };
}

/**
 * Sends every request at once, waits until `expected` of them reached the products subgraph and a while
 * longer (so that any that were not shared arrive too), then lets them through.
 */
async function sendWhileHeld(
  held: HeldProducts,
  expected: number,
  requests: (() => Promise<GraphQLResponse>)[],
): Promise<GraphQLResponse[]> {
  const answers = Promise.all(requests.map((send) => send()));
  await waitFor(
    `${expected} requests at the products subgraph`,
    () => held.requests().length >= expected,
    5_000,
  );
  await sleep(300);
  held.release();
  return answers;
}

const CATEGORIES = 'query Categories { categories }';
const asStaff = () => postGraphQL(held.router.url, CATEGORIES, undefined, bearer(staffToken));
const asCustomer = () => postGraphQL(held.router.url, CATEGORIES, undefined, bearer(customerToken));
let held: HeldProducts;

describe('entity fetches', () => {
  it('name each distinct entity once and give it to every place it appears', async () => {
    const customer = createPharmacyClient({ url: stack.routerUrl, token: customerToken });
    const aspirin = (
      await staff.createProduct({
        input: { sku: 'DEDUP-1', name: 'Aspirin', price: '2.00', category: 'Pain' },
      })
    ).createProduct.id;
    const plaster = (
      await staff.createProduct({
        input: { sku: 'DEDUP-2', name: 'Plaster', price: '1.00', category: 'First aid' },
      })
    ).createProduct.id;
    await placeOrder(customer, [{ productId: aspirin, quantity: 1 }]);
    await placeOrder(customer, [
      { productId: aspirin, quantity: 2 },
      { productId: plaster, quantity: 1 },
    ]);
    await placeOrder(customer, [{ productId: aspirin, quantity: 3 }]);
    await customer.close();

    held = await routerWithHeldProducts();
    try {
      held.release();
      const response = await postGraphQL<{
        myOrders: { items: { lines: { product: { id: string; name: string } }[] }[] };
      }>(
        held.router.url,
        'query { myOrders { items { lines { product { id name } } } } }',
        undefined,
        bearer(customerToken),
      );
      const names = dataOf(response).myOrders.items.map((order) =>
        order.lines.map((line) => line.product.name),
      );
      expect(names).toEqual([['Aspirin'], ['Aspirin', 'Plaster'], ['Aspirin']]);

      const [entityFetch] = held.requests();
      expect(held.requests()).toHaveLength(1);
      const sent = JSON.parse(entityFetch?.body ?? '{}') as { variables: { representations: unknown[] } };
      expect(sent.variables.representations).toEqual([
        { __typename: 'Product', id: aspirin },
        { __typename: 'Product', id: plaster },
      ]);
    } finally {
      await held.close();
    }
  });
});

describe('identical queries in flight', () => {
  it('share one execution per viewer, and each answer is the whole result', async () => {
    held = await routerWithHeldProducts();
    try {
      // Three from the pharmacist share one execution; the customer's is theirs alone.
      const answers = await sendWhileHeld(held, 2, [asStaff, asStaff, asStaff, asCustomer]);
      expect(held.requests()).toHaveLength(2);
      expect(new Set(held.requests().map((request) => request.headers['x-viewer-role']))).toEqual(
        new Set(['PHARMACIST', 'CUSTOMER']),
      );
      const categories = answers.map(
        (answer) => dataOf(answer as GraphQLResponse<{ categories: string[] }>).categories,
      );
      expect(categories[0]).toEqual(expect.arrayContaining(['Pain', 'First aid']));
      for (const other of categories) expect(other).toEqual(categories[0]);
      // Every response keeps its own request id.
      expect(new Set(answers.map((answer) => answer.headers.get('x-request-id'))).size).toBe(4);
    } finally {
      await held.close();
    }
  });

  it('still counts every request against the rate limit', async () => {
    held = await routerWithHeldProducts({ RATE_LIMIT_QUERIES: '3/60' });
    try {
      const answers = await sendWhileHeld(held, 1, [asStaff, asStaff, asStaff, asStaff, asStaff]);
      expect(held.requests()).toHaveLength(1);
      const refused = answers.filter((answer) => answer.body.errors !== undefined);
      expect(refused).toHaveLength(2);
      for (const answer of refused) expect(singleError(answer).extensions?.code).toBe('RATE_LIMITED');
    } finally {
      await held.close();
    }
  });

  it('never share mutations', async () => {
    const { id } = (
      await staff.createProduct({
        input: { sku: 'DEDUP-3', name: 'Gauze', price: '3.00', category: 'First aid' },
      })
    ).createProduct;
    const rename = () =>
      postGraphQL(
        held.router.url,
        'mutation Rename($id: ID!) { updateProduct(id: $id, input: { name: "Sterile gauze" }) { name } }',
        { id },
        bearer(staffToken),
      );
    held = await routerWithHeldProducts();
    try {
      const answers = await sendWhileHeld(held, 3, [rename, rename, rename]);
      expect(held.requests()).toHaveLength(3);
      for (const answer of answers)
        expect(dataOf(answer)).toEqual({ updateProduct: { name: 'Sterile gauze' } });
    } finally {
      await held.close();
    }
  });

  it('share an identical subgraph fetch when request deduplication is off, and neither when both are off', async () => {
    held = await routerWithHeldProducts({ DEDUPLICATE_REQUESTS: 'false' });
    try {
      await sendWhileHeld(held, 1, [asStaff, asStaff, asStaff]);
      expect(held.requests()).toHaveLength(1);
    } finally {
      await held.close();
    }

    held = await routerWithHeldProducts({
      DEDUPLICATE_REQUESTS: 'false',
      DEDUPLICATE_SUBGRAPH_FETCHES: 'false',
    });
    try {
      const answers = await sendWhileHeld(held, 3, [asStaff, asStaff, asStaff]);
      expect(held.requests()).toHaveLength(3);
      for (const answer of answers) expect(answer.body.errors).toBeUndefined();
    } finally {
      await held.close();
    }
  });
});
