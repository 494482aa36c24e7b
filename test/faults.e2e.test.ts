/**
 * Faults through the router: a subgraph whose database is unreachable, a subgraph that is down, and one
 * that hangs. Each time the client gets a prompt SERVICE_UNAVAILABLE that names the failing piece without
 * giving away where it lives, and the probes tell an orchestrator what is wrong.
 */
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readRouterConfig } from '../router/config.ts';
import { createRouter, type Router } from '../router/create-router.ts';
import { freePort } from '../scripts/support/ports.ts';
import { closedPortUrl, startHangingServer, type TestHttpServer } from './support/network.ts';
import { singleError, postGraphQL, type GraphQLResponse } from './support/graphql.ts';
import { killAllServices, spawnService, waitForStatus, type ServiceProcess } from './support/processes.ts';
import {
  bearer,
  mintAccessToken,
  silentLogger,
  startTestSubgraph,
  temporaryKeysFile,
  testRouterEnv,
  TEST_ROUTER_SECRET,
  type TestSubgraph,
} from './support/services.ts';
import { subgraphClient } from './support/subgraph-client.ts';

const PRODUCTS_QUERY = 'query { products { totalCount items { id name } } }';
const PHARMACIST = { userId: 1, role: 'PHARMACIST' } as const;

/** Real users, orders and inventory subgraphs, shared by every scenario. */
let others: Record<'users' | 'orders' | 'inventory', TestSubgraph> | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
/** `Authorization` for a pharmacist, signed with the keys of the users subgraph the routers fetch. */
let asPharmacist: Record<string, string>;
let keysFile: string | undefined;

beforeAll(async () => {
  keysFile = await temporaryKeysFile();
  const [users, orders, inventory] = await Promise.all([
    startTestSubgraph('users', { JWT_KEYS_FILE: keysFile }),
    startTestSubgraph('orders'),
    startTestSubgraph('inventory'),
  ]);
  others = { users, orders, inventory };
  asPharmacist = bearer(await mintAccessToken(keysFile, users.database.url, PHARMACIST));
});

afterAll(async () => {
  await killAllServices();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await Promise.all(Object.values(others ?? {}).map((subgraph) => subgraph.stop()));
  if (keysFile !== undefined) await rm(dirname(keysFile), { recursive: true, force: true });
});

/** A router whose products subgraph lives at `productsUrl`; it is closed after the file. */
async function startRouter(productsUrl: string, env: Record<string, string> = {}): Promise<string> {
  if (others === undefined) throw new Error('the other subgraphs did not start');
  const { users, orders, inventory } = others;
  const router: Router = createRouter(
    readRouterConfig(
      testRouterEnv(
        {
          USERS_URL: users.server.url,
          ORDERS_URL: orders.server.url,
          INVENTORY_URL: inventory.server.url,
          PRODUCTS_URL: productsUrl,
        },
        env,
      ),
    ),
    silentLogger,
  );
  cleanups.push(() => router.close());
  return (await router.listen()).url;
}

async function timed<T>(work: Promise<T>): Promise<{ result: T; elapsedMs: number }> {
  const started = performance.now();
  const result = await work;
  return { result, elapsedMs: performance.now() - started };
}

/** The response's single error, checked to be SERVICE_UNAVAILABLE and to leak no internals. */
function unavailableError(response: GraphQLResponse, secrets: string[]) {
  const error = singleError(response);
  expect(error.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
  const text = JSON.stringify(response.body);
  for (const secret of secrets) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/127\.0\.0\.1|localhost|https?:|postgres|\bselect\b|ECONNREFUSED|stack/i);
  return error;
}

describe('a subgraph whose database is unreachable', () => {
  // The subgraph runs in its own process, as in production: under Jest's VM modules an error thrown by
  // Node's own sockets comes from another realm, and graphql-js would wrap it as a "non-error" value.
  let subgraph: ServiceProcess;
  let subgraphUrl: string;
  let routerUrl: string;
  let databasePort: number;

  beforeAll(async () => {
    databasePort = await freePort();
    const port = await freePort();
    subgraph = spawnService('subgraphs/products/main.ts', {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: `postgres://postgres:s3cret@127.0.0.1:${databasePort}/products`,
      MIGRATE_ON_START: 'false',
      ROUTER_SECRET: TEST_ROUTER_SECRET,
    });
    subgraphUrl = `http://127.0.0.1:${port}/graphql`;
    await waitForStatus(new URL('/health', subgraphUrl).href, 200, 20_000);
    routerUrl = await startRouter(subgraphUrl);
  });

  afterAll(async () => {
    await subgraph?.kill();
  });

  it('is alive (/health 200) but not ready (/ready 503) within 3 s', async () => {
    const health = await fetch(new URL('/health', subgraphUrl));
    expect(health.status).toBe(200);
    const { result: ready, elapsedMs } = await timed(fetch(new URL('/ready', subgraphUrl)));
    expect(ready.status).toBe(503);
    expect(elapsedMs).toBeLessThan(3_000);
    expect(JSON.stringify(await ready.json())).not.toContain('s3cret');
  });

  it('answers a query through the router promptly with SERVICE_UNAVAILABLE', async () => {
    const { result, elapsedMs } = await timed(
      postGraphQL(routerUrl, PRODUCTS_QUERY, undefined, asPharmacist),
    );
    expect(elapsedMs).toBeLessThan(4_000);
    const error = unavailableError(result, [String(databasePort), 's3cret']);
    expect(error.message).toMatch(/products database is unavailable/);
    expect(result.body.data ?? null).toBeNull();
  });

  it('answers a mutation the same way, and the subgraph itself says so too', async () => {
    const mutation = `mutation { createProduct(input: { sku: "X-1", name: "X", price: "1.00", category: "C" }) { id } }`;
    const { result, elapsedMs } = await timed(postGraphQL(routerUrl, mutation, undefined, asPharmacist));
    expect(elapsedMs).toBeLessThan(4_000);
    unavailableError(result, [String(databasePort), 's3cret']);

    const direct = await subgraphClient(subgraphUrl).post('query { categories }', undefined, PHARMACIST);
    expect(unavailableError(direct, [String(databasePort), 's3cret']).message).toMatch(
      /products database is unavailable/,
    );
  });

  it('keeps the password out of its logs', () => {
    expect(subgraph.stdout()).not.toContain('s3cret');
    expect(subgraph.stderr()).toBe('');
  });
});

describe('a subgraph that is down', () => {
  let routerUrl: string;
  let productsUrl: string;

  beforeAll(async () => {
    productsUrl = await closedPortUrl();
    routerUrl = await startRouter(productsUrl);
  });

  it('answers promptly with SERVICE_UNAVAILABLE naming the products service, not its URL', async () => {
    const { result, elapsedMs } = await timed(
      postGraphQL(routerUrl, PRODUCTS_QUERY, undefined, asPharmacist),
    );
    expect(elapsedMs).toBeLessThan(2_000);
    const error = unavailableError(result, [productsUrl, new URL(productsUrl).port]);
    expect(error.message).toMatch(/products service is unavailable/);
  });

  it('leaves the router ready (/ready 200): it still serves what needs no products; /health/dependencies names the one down', async () => {
    expect((await fetch(new URL('/health', routerUrl))).status).toBe(200);
    const ready = await fetch(new URL('/ready', routerUrl));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    const { result, elapsedMs } = await timed(fetch(new URL('/health/dependencies', routerUrl)));
    expect(result.status).toBe(200);
    expect(elapsedMs).toBeLessThan(3_000);
    const { dependencies } = (await result.json()) as { dependencies: Record<string, { ok: boolean }> };
    expect(dependencies['subgraph products']).toMatchObject({ ok: false });
    expect(dependencies['subgraph users']).toMatchObject({ ok: true, circuit: 'closed' });
  });
});

describe('a subgraph that hangs', () => {
  let hanging: TestHttpServer & { requests: () => number };
  let routerUrl: string;

  beforeAll(async () => {
    hanging = await startHangingServer();
    cleanups.push(() => hanging.close());
    routerUrl = await startRouter(hanging.url, { SUBGRAPH_TIMEOUT_MS: '500' });
  });

  it('gives up after SUBGRAPH_TIMEOUT_MS and answers SERVICE_UNAVAILABLE within 2 s', async () => {
    const { result, elapsedMs } = await timed(
      postGraphQL(routerUrl, PRODUCTS_QUERY, undefined, asPharmacist),
    );
    expect(hanging.requests()).toBe(1);
    expect(elapsedMs).toBeGreaterThanOrEqual(450);
    expect(elapsedMs).toBeLessThan(2_000);
    const error = unavailableError(result, [hanging.url, new URL(hanging.url).port]);
    expect(error.message).toMatch(/products service is unavailable/);
  });

  it('stays ready while the subgraph hangs, and reports it as not answering within 3 s', async () => {
    expect((await fetch(new URL('/ready', routerUrl))).status).toBe(200);
    const { result, elapsedMs } = await timed(fetch(new URL('/health/dependencies', routerUrl)));
    expect(elapsedMs).toBeLessThan(3_000);
    const { dependencies } = (await result.json()) as { dependencies: Record<string, { ok: boolean }> };
    expect(dependencies['subgraph products']).toMatchObject({ ok: false });
  });
});
