/**
 * `npm start` (scripts/start.ts) on the test Postgres server: one database per subgraph under a unique
 * prefix, migrations, the ten demo products, the router with Apollo Sandbox, a clean stop on Ctrl-C, and
 * an idempotent second start on the same databases.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dropDatabase } from '../lib/database.ts';
import { SUBGRAPH_NAMES } from '../subgraphs/index.ts';
import { demoProducts } from '../subgraphs/products/demo-products.ts';
import { testPostgresServer } from './support/database.ts';
import { dataOf } from './support/graphql.ts';
import { freePort } from './support/network.ts';
import { killAllServices, spawnService, type ServiceProcess } from './support/processes.ts';
import { postGraphQL } from './support/services.ts';

const READY_LINE = /Pharmacy supergraph ready: (http:\/\/\S+)/;
const STARTUP_MS = 45_000;

const prefix = `t_start_${randomBytes(4).toString('hex')}_`;
let env: Record<string, string>;

beforeAll(async () => {
  env = {
    DATABASE_URL: testPostgresServer(),
    DATABASE_PREFIX: prefix,
    PORT: String(await freePort()),
    // Port 0: the script hands each subgraph's real URL to the router, and no port picked in advance can be
    // taken in the meantime by another test's connection.
    USERS_PORT: '0',
    PRODUCTS_PORT: '0',
    ORDERS_PORT: '0',
    INVENTORY_PORT: '0',
    LOG_LEVEL: 'warn',
  };
});

afterAll(async () => {
  await killAllServices();
  const server = testPostgresServer();
  await Promise.all(SUBGRAPH_NAMES.map((name) => dropDatabase(server, `${prefix}${name}`)));
});

/** The demo catalogue as the API lists it: ordered by name, with exact prices. */
function expectedDemoProducts(): { sku: string; price: string }[] {
  return demoProducts()
    .map((product) => ({ name: product.name ?? '', sku: product.sku ?? '', price: product.price ?? '' }))
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map(({ sku, price }) => ({ sku, price }));
}

async function startStack(): Promise<{ stack: ServiceProcess; url: string }> {
  const stack = spawnService('scripts/start.ts', env);
  const [, url = ''] = await stack.waitForOutput(READY_LINE, STARTUP_MS);
  return { stack, url };
}

async function listDemoProducts(url: string) {
  const response = await postGraphQL<{
    products: { totalCount: number; items: { sku: string; price: string }[] };
  }>(url, 'query { products(pageSize: 20) { totalCount items { sku price } } }');
  expect(response.status).toBe(200);
  return dataOf(response).products;
}

describe('npm start', () => {
  it('has ten demo products to expect', () => {
    expect(expectedDemoProducts()).toHaveLength(10);
  });

  it('starts the whole supergraph, seeds the demo products and stops cleanly on SIGINT', async () => {
    const { stack, url } = await startStack();
    expect(url).toBe(`http://localhost:${env.PORT}/graphql`);

    const products = await listDemoProducts(url);
    expect(products.totalCount).toBe(10);
    expect(products.items).toEqual(expectedDemoProducts());
    expect(products.items).toContainEqual({ sku: 'INS-GLR-100-VL-10', price: '89.99' });

    // Apollo Sandbox for a browser.
    const page = await fetch(url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toMatch(/<!DOCTYPE html>/i);
    expect(html).toMatch(/sandbox/i);

    const { code, signal } = await stack.stop('SIGINT', 15_000);
    expect({ code, signal, stderr: stack.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
  });

  it('starts again on the same databases without seeding twice', async () => {
    const { stack, url } = await startStack();
    const products = await listDemoProducts(url);
    expect(products.totalCount).toBe(10);
    expect(products.items).toEqual(expectedDemoProducts());
    const { code, signal } = await stack.stop('SIGINT', 15_000);
    expect({ code, signal, stderr: stack.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
  });
});
