/**
 * One subgraph down, each in turn (its connections cut by a TCP proxy): the router stays ready, every
 * query that does not need that subgraph answers normally, and one that does gets its data with the
 * unreachable fields null and one SERVICE_UNAVAILABLE error naming the service, at the path of the field.
 * Then the circuit breaker: once a hanging subgraph has failed enough calls in a row, calls to it fail at
 * once without reaching it, until a probe after the open interval.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PharmacyClient } from '../sdk/index.ts';
import type { SubgraphName } from '../subgraphs/registry.ts';
import { clientFor } from './support/client.ts';
import { postGraphQL, type GraphQLResponse } from './support/graphql.ts';
import { startHangingServer, startTcpProxy, type TcpProxy } from './support/network.ts';
import { startTestRouter, subgraphUrlEnv, type TestRouter } from './support/routers.ts';
import { createStockedProduct, placeOrder, waitUntilDecided } from './support/saga.ts';
import { bearer, startTestStack, type TestStack } from './support/services.ts';

const CUSTOMER = { userId: 41, role: 'CUSTOMER' } as const;
const ADMIN = { userId: 42, role: 'ADMIN' } as const;

let stack: TestStack;
let router: TestRouter;
const proxies = {} as Record<SubgraphName, TcpProxy>;
let customer: Record<string, string>;
let admin: Record<string, string>;

beforeAll(async () => {
  stack = await startTestStack();
  for (const [name, url] of Object.entries(subgraphUrlEnv(stack))) {
    const { hostname, port } = new URL(url);
    proxies[name.replace(/_URL$/, '').toLowerCase() as SubgraphName] = await startTcpProxy(
      hostname,
      Number(port),
    );
  }
  router = await startTestRouter(
    Object.fromEntries(
      Object.entries(proxies).map(([name, proxy]) => [
        `${name.toUpperCase()}_URL`,
        `http://${proxy.host}:${proxy.port}/graphql`,
      ]),
    ),
  );
  customer = bearer(await stack.tokenFor(CUSTOMER));
  admin = bearer(await stack.tokenFor(ADMIN));
  // One confirmed order of a stocked product, to read while a service is down.
  const staff: PharmacyClient = await clientFor(stack, ADMIN);
  const productId = await createStockedProduct(staff, {
    sku: 'PARTIAL-1',
    name: 'Saline 0.9%',
    price: '2.00',
    quantity: 5,
  });
  const buyer = await clientFor(stack, CUSTOMER);
  const order = await placeOrder(buyer, [{ productId, quantity: 1 }]);
  await waitUntilDecided(buyer, order.id);
});

afterAll(async () => {
  await router?.close();
  await Promise.all(Object.values(proxies).map((proxy) => proxy.close()));
  await stack?.stop();
});

const ask = (query: string, headers: Record<string, string>) =>
  postGraphQL(router.url, query, undefined, headers);

/** Data and no error: the answer as if nothing were down. */
function answered(response: GraphQLResponse): unknown {
  expect(response.status).toBe(200);
  expect(response.body.errors).toBeUndefined();
  return response.body.data;
}

/** A partial answer's one error: SERVICE_UNAVAILABLE, naming the service (the gateway gives it no path). */
function expectUnavailable(response: GraphQLResponse, service: SubgraphName): void {
  expect(response.status).toBe(200);
  expect(response.body.errors).toEqual([
    {
      message: `the ${service} service is unavailable, please retry shortly`,
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    },
  ]);
}

/** Runs `check` with `service`'s connections cut, and restores them. */
async function whileDown(service: SubgraphName, check: () => Promise<void>): Promise<void> {
  await proxies[service].cut();
  try {
    expect((await fetch(new URL('/ready', router.url))).status).toBe(200);
    await check();
  } finally {
    proxies[service].restore();
  }
}

const MY_LINES = '{ myOrders { items { status lines { sku productName quantity product { name } } } } }';

describe('with one subgraph down', () => {
  it('products: orders and accounts answer; a line keeps its own record of the product, its catalogue entry is null', async () => {
    await whileDown('products', async () => {
      expect(answered(await ask('{ me { id } myOrders { totalCount } }', customer))).toEqual({
        me: { id: '41' },
        myOrders: { totalCount: 1 },
      });
      const partial = await ask(MY_LINES, customer);
      expect(partial.body.data).toEqual({
        myOrders: {
          items: [
            {
              status: 'CONFIRMED',
              lines: [{ sku: 'PARTIAL-1', productName: 'Saline 0.9%', quantity: 1, product: null }],
            },
          ],
        },
      });
      expectUnavailable(partial, 'products');
    });
  });

  it('inventory: the catalogue answers with each product’s stock null', async () => {
    await whileDown('inventory', async () => {
      expect(answered(await ask('{ categories }', customer))).toEqual({ categories: ['Test'] });
      const partial = await ask('{ products { items { name inventory { available } } } }', admin);
      expect(partial.body.data).toEqual({ products: { items: [{ name: 'Saline 0.9%', inventory: null }] } });
      expectUnavailable(partial, 'inventory');
    });
  });

  it('orders: the account answers with its orders null', async () => {
    await whileDown('orders', async () => {
      expect(answered(await ask('{ products { totalCount } }', customer))).toEqual({
        products: { totalCount: 1 },
      });
      const partial = await ask('{ me { id orders { totalCount } } }', customer);
      expect(partial.body.data).toEqual({ me: { id: '41', orders: null } });
      expectUnavailable(partial, 'orders');
    });
  });

  it('users: orders answer with their customer null (tokens still verify with the keys the router holds)', async () => {
    await whileDown('users', async () => {
      expect(answered(await ask('{ products { totalCount } }', admin))).toEqual({
        products: { totalCount: 1 },
      });
      const partial = await ask('{ orders { items { status user { username } } } }', admin);
      expect(partial.body.data).toEqual({ orders: { items: [{ status: 'CONFIRMED', user: null }] } });
      expectUnavailable(partial, 'users');
    });
  });
});

describe('the circuit breaker', () => {
  it('stops calling a subgraph that failed enough calls in a row, then probes it once the circuit half-opens', async () => {
    const hanging = await startHangingServer();
    const broken = await startTestRouter(
      { ...subgraphUrlEnv(stack), PRODUCTS_URL: hanging.url },
      { SUBGRAPH_TIMEOUT_MS: '300', SUBGRAPH_BREAKER_FAILURES: '2', SUBGRAPH_BREAKER_OPEN_MS: '1500' },
    );
    try {
      const products = () => postGraphQL(broken.url, '{ products { totalCount } }', undefined, customer);
      for (let call = 1; call <= 2; call++) {
        await products();
        expect(hanging.requests()).toBe(call); // each waited out the timeout
      }
      // Open: refused at once, the subgraph not called.
      const refused = await products();
      expect(refused.body.errors?.[0]?.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
      expect(hanging.requests()).toBe(2);
      // Half-open after the interval: one probe reaches the subgraph (and fails: open again).
      await new Promise((resolve) => setTimeout(resolve, 1_600));
      await products();
      expect(hanging.requests()).toBe(3);
      await products();
      expect(hanging.requests()).toBe(3);
      // Reported as open (the report probes /health of its own, which the hanging server also holds).
      const { dependencies } = (await (await fetch(new URL('/health/dependencies', broken.url))).json()) as {
        dependencies: Record<string, { circuit?: string }>;
      };
      expect(dependencies['subgraph products']?.circuit).toBe('open');
    } finally {
      await broken.close();
      await hanging.close();
    }
  });
});
