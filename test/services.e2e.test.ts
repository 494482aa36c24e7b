/**
 * Each service runs alone as its own process (`node subgraphs/products/main.ts`, `node router/main.ts`),
 * configured only by environment variables: it starts, answers its probes and GraphQL, logs JSON lines,
 * and drains on SIGTERM with exit code 0. A bad configuration stops it at once with code 78.
 */
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { freePort } from '../scripts/support/ports.ts';
import { closedPortUrl } from './support/network.ts';
import {
  jsonLines,
  killAllServices,
  spawnService,
  waitForStatus,
  type ServiceProcess,
} from './support/processes.ts';
import {
  bearer,
  mintAccessToken,
  NO_BUS,
  RELAXED_RATE_LIMITS,
  startTestSubgraph,
  temporaryKeysFile,
  TEST_ROUTER_SECRET,
  type TestSubgraph,
} from './support/services.ts';
import { postGraphQL } from './support/graphql.ts';
import { subgraphClient } from './support/subgraph-client.ts';

const STARTUP_MS = 20_000;
const PHARMACIST = { userId: 1, role: 'PHARMACIST' } as const;

let database: TestDatabase;
/** Real inventory and users subgraphs in this process, so that the router has every dependency. */
let inventory: TestSubgraph;
let users: TestSubgraph;
/** The users subgraph's signing keys: the router process verifies tokens against its JWKS. */
let keysFile: string;

beforeAll(async () => {
  keysFile = await temporaryKeysFile();
  [database, inventory, users] = await Promise.all([
    createTestDatabase('services_products'),
    startTestSubgraph('inventory'),
    startTestSubgraph('users', { JWT_KEYS_FILE: keysFile }),
  ]);
});

afterAll(async () => {
  await killAllServices();
  await Promise.all([inventory?.stop(), users?.stop()]);
  await database?.drop();
  if (keysFile !== undefined) await rm(dirname(keysFile), { recursive: true, force: true });
});

function baseUrl(port: number): string {
  return `http://127.0.0.1:${port}`;
}

/** Log lines of `service` on stdout: pino JSON objects, one a line, each tagged with the service. */
function expectJsonLogs(output: string, service: string, messages: string[]): void {
  const lines = jsonLines(output);
  expect(lines.length).toBeGreaterThan(0);
  const nonJson = output.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('{'));
  expect(nonJson).toEqual([]);
  for (const line of lines) expect(line).toMatchObject({ service, level: expect.any(Number) });
  const logged = lines.map((line) => line.message);
  for (const message of messages) expect(logged).toContain(message);
}

describe('a subgraph and the router, each in its own process', () => {
  let productsPort: number;
  let routerPort: number;
  let products: ServiceProcess;
  let router: ServiceProcess;

  beforeAll(async () => {
    [productsPort, routerPort] = await Promise.all([freePort(), freePort()]);
  });

  it('starts the products subgraph from its environment and serves its probes', async () => {
    products = spawnService('subgraphs/products/main.ts', {
      DATABASE_URL: database.url,
      PORT: String(productsPort),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ROUTER_SECRET: TEST_ROUTER_SECRET,
    });
    await waitForStatus(`${baseUrl(productsPort)}/health`, 200, STARTUP_MS);
    await waitForStatus(`${baseUrl(productsPort)}/ready`, 200, 5_000);
  });

  it('answers GraphQL directly (migrated on start), but only requests the router signed', async () => {
    const url = `${baseUrl(productsPort)}/graphql`;
    const products = subgraphClient(url);
    const created = await products.post<{ createProduct: { id: string } }>(
      'mutation { createProduct(input: { sku: "SVC-1", name: "Saline 0.9%", price: "3.20", category: "Fluids" }) { id } }',
      undefined,
      PHARMACIST,
    );
    expect(created.body.errors).toBeUndefined();
    const query = 'query { products { totalCount items { sku name price } } }';
    const unsigned = await postGraphQL(url, query);
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.errors).toEqual([
      {
        message: 'this service answers only requests from the router',
        extensions: { code: 'UNAUTHENTICATED' },
      },
    ]);
    expect(unsigned.body.data ?? null).toBeNull();
    const listed = await products.post(query, undefined, PHARMACIST);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      data: {
        products: { totalCount: 1, items: [{ sku: 'SVC-1', name: 'Saline 0.9%', price: '3.20' }] },
      },
    });
    expect(listed.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('starts the router in front of it; the router does not wait for absent subgraphs', async () => {
    router = spawnService('router/main.ts', {
      PORT: String(routerPort),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ROUTER_SECRET: TEST_ROUTER_SECRET,
      ...RELAXED_RATE_LIMITS,
      PRODUCTS_URL: `${baseUrl(productsPort)}/graphql`,
      INVENTORY_URL: inventory.server.url,
      USERS_URL: users.server.url,
      ORDERS_URL: await closedPortUrl(),
      EVENT_BUS_DATABASE_URL: NO_BUS,
    });
    await waitForStatus(`${baseUrl(routerPort)}/health`, 200, STARTUP_MS);
    // The orders subgraph is down: the router is ready all the same (it serves what needs no orders), and
    // says which dependency is missing.
    await waitForStatus(`${baseUrl(routerPort)}/ready`, 200, STARTUP_MS);
    const { dependencies } = (await (await fetch(`${baseUrl(routerPort)}/health/dependencies`)).json()) as {
      dependencies: Record<string, { ok: boolean }>;
    };
    expect(dependencies['subgraph orders']).toMatchObject({ ok: false });
    expect(dependencies['subgraph products']).toMatchObject({ ok: true });
  });

  it('serves a federated query through the router process, to a caller with a token', async () => {
    const url = `${baseUrl(routerPort)}/graphql`;
    const query = 'query { products { totalCount items { sku price inventory { quantity available } } } }';
    const anonymous = await postGraphQL(url, query);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    const { status, body } = await postGraphQL(
      url,
      query,
      undefined,
      bearer(await mintAccessToken(keysFile, users.database.url, PHARMACIST)),
    );
    expect(status).toBe(200);
    expect(body).toEqual({
      data: {
        products: {
          totalCount: 1,
          items: [{ sku: 'SVC-1', price: '3.20', inventory: { quantity: 0, available: 0 } }],
        },
      },
    });
  });

  it('stops the router on SIGTERM with exit code 0, having logged JSON lines', async () => {
    const { code, signal } = await router.stop('SIGTERM', 5_000);
    expect({ code, signal, stderr: router.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
    expectJsonLogs(router.stdout(), 'router', ['router listening', 'graphql operation', 'shutting down']);
  });

  it('stops the subgraph on SIGTERM with exit code 0, having logged JSON lines', async () => {
    const { code, signal } = await products.stop('SIGTERM', 5_000);
    expect({ code, signal, stderr: products.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
    expectJsonLogs(products.stdout(), 'products', [
      'database migrated',
      'products subgraph listening',
      'graphql operation',
      'request without a valid router proof refused',
      'shutting down',
    ]);
    expect(products.stdout()).not.toContain(database.url);
  });
});

describe('a service with a bad configuration', () => {
  // Both start at once: each costs a Node start-up.
  let subgraph: ServiceProcess;
  let router: ServiceProcess;

  beforeAll(() => {
    subgraph = spawnService('subgraphs/products/main.ts', { PORT: 'abc' });
    router = spawnService('router/main.ts', {
      PRODUCTS_URL: 'ftp://user:hunter2@example.com/graphql',
      SUBGRAPH_TIMEOUT_MS: '5',
      LOG_LEVEL: 'loud',
    });
  });

  it('a subgraph exits with code 78 listing every problem, without a stack trace', async () => {
    expect(await subgraph.waitForExit(15_000)).toEqual({ code: 78, signal: null });
    const stderr = subgraph.stderr();
    expect(stderr).toContain('Invalid configuration');
    expect(stderr).toContain('PORT must be an integer between 0 and 65535, got "abc"');
    expect(stderr).toContain('DATABASE_URL is required');
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stderr).not.toMatch(/\.ts:\d+/);
    expect(subgraph.stdout()).toBe('');
  });

  it('so does the router, hiding passwords', async () => {
    expect(await router.waitForExit(15_000)).toEqual({ code: 78, signal: null });
    const stderr = router.stderr();
    expect(stderr).toContain('Invalid configuration');
    expect(stderr).toContain('PRODUCTS_URL must be a http: or https: URL');
    expect(stderr).toContain('SUBGRAPH_TIMEOUT_MS must be an integer between 100 and 300000, got "5"');
    expect(stderr).toContain('LOG_LEVEL must be one of');
    expect(stderr).not.toContain('hunter2');
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(router.stdout()).toBe('');
  });
});
