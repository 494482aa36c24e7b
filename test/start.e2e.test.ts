/**
 * `npm start` (scripts/start.ts) on the test Postgres server: one database per subgraph under a unique
 * prefix, migrations, the ten demo products and three demo accounts, the demo stock in lots and the demo
 * orders (one waiting for a pharmacist's review), the router with Apollo Sandbox, a clean stop on Ctrl-C,
 * and an idempotent second start on the same databases. The signing keys go to a
 * temporary file, never to the developer's .data folder.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { addDays, today as todayUtc } from '../lib/calendar-day.ts';
import { createPharmacyClient } from '../sdk/index.ts';
import { DEMO_LOTS, DEMO_PRESCRIPTION, UNLOTTED_DEMO_STOCK } from '../scripts/demo-orders.ts';
import { demoProducts } from '../subgraphs/products/demo-products.ts';
import { DEVELOPMENT_KEYS_FILE } from '../subgraphs/users/users.subgraph.ts';
import { dataOf, postGraphQL } from './support/graphql.ts';
import { killAllServices, spawnService } from './support/processes.ts';
import { bearer, temporaryKeysFile } from './support/services.ts';
import {
  dropWholeSupergraphDatabases,
  startWholeSupergraph,
  wholeSupergraphEnv,
} from './support/whole-supergraph.ts';

const STARTUP_MS = 45_000;

const prefix = `t_start_${randomBytes(4).toString('hex')}_`;
let env: Record<string, string>;
let keysFile: string;
/** The developer's own key file (.data/jwt-keys.json), as it was before the tests: it must stay so. */
let developmentKeysBefore: string;

/** Whether the development key file exists, and when it last changed. */
function developmentKeysStamp(): string {
  const stat = statSync(DEVELOPMENT_KEYS_FILE, { throwIfNoEntry: false });
  return stat ? `modified ${stat.mtimeMs}` : 'absent';
}

beforeAll(async () => {
  developmentKeysBefore = developmentKeysStamp();
  keysFile = await temporaryKeysFile();
  env = await wholeSupergraphEnv(prefix, keysFile);
});

afterAll(async () => {
  await killAllServices();
  await dropWholeSupergraphDatabases(prefix);
  if (keysFile !== undefined) await rm(dirname(keysFile), { recursive: true, force: true });
});

/** The demo catalogue as the API lists it: ordered by name, with exact prices. */
function expectedDemoProducts(): { sku: string; price: string }[] {
  return demoProducts()
    .map((product) => ({ name: product.name ?? '', sku: product.sku ?? '', price: product.price ?? '' }))
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map(({ sku, price }) => ({ sku, price }));
}

/** Logs in through the router with a demo account; returns the access token. */
async function login(url: string, username: string, password: string): Promise<string> {
  const response = await postGraphQL<{ login: { accessToken: string } }>(
    url,
    'mutation($username: String!, $password: String!) { login(username: $username, password: $password) { accessToken } }',
    { username, password },
  );
  expect(response.status).toBe(200);
  return dataOf(response).login.accessToken;
}

async function listDemoProducts(url: string, token: string) {
  const response = await postGraphQL<{
    products: { totalCount: number; items: { sku: string; price: string }[] };
  }>(url, 'query { products(pageSize: 20) { totalCount items { sku price } } }', undefined, bearer(token));
  expect(response.status).toBe(200);
  return dataOf(response).products;
}

/** How many accounts there are, as the administrator sees them. */
async function countUsers(url: string, adminToken: string): Promise<number> {
  const response = await postGraphQL<{ users: { totalCount: number } }>(
    url,
    'query { users { totalCount } }',
    undefined,
    bearer(adminToken),
  );
  return dataOf(response).users.totalCount;
}

interface LotSeen {
  product: { sku: string };
  lotNumber: string;
  expiresOn: string | null;
  quantity: number;
  reserved: number;
  status: string;
}

interface OrderSeen {
  status: string;
  rejectionReason: string | null;
  prescription: {
    prescriberName: string;
    prescriberLicence: string;
    issuedOn: string;
    reference: string;
  } | null;
  review: { decision: string; reviewer: { username: string }; note: string | null } | null;
  lines: { product: { sku: string }; quantity: number; lots: { lotNumber: string; quantity: number }[] }[];
  statusHistory: { from: string | null; to: string; actorRole: string | null; eventType: string | null }[];
}

/**
 * The demo stock and orders as staff see them: statuses, the low-stock SKUs, the stock of every product,
 * its lots, the lots expiring within 30 days, the review queue and the order the pharmacist approved.
 */
async function demoStockAndOrders(url: string, adminToken: string) {
  const orderFields = `status rejectionReason
    prescription { prescriberName prescriberLicence issuedOn reference }
    review { decision reviewer { username } note }
    lines { product { sku } quantity lots { lotNumber quantity } }
    statusHistory { from to actorRole eventType }`;
  const lotFields = 'product { sku } lotNumber expiresOn quantity reserved status';
  const response = await postGraphQL<{
    orders: { totalCount: number; items: OrderSeen[] };
    ordersAwaitingReview: { totalCount: number; items: OrderSeen[] };
    lowStockItems: { product: { sku: string }; available: number; reorderLevel: number }[];
    inventoryItems: { totalCount: number; items: { quantity: number; reserved: number; lots: LotSeen[] }[] };
    expiringLots: LotSeen[];
  }>(
    url,
    `query {
      orders(pageSize: 20) { totalCount items { ${orderFields} } }
      ordersAwaitingReview { totalCount items { ${orderFields} } }
      lowStockItems { product { sku } available reorderLevel }
      inventoryItems(pageSize: 20) { totalCount items { quantity reserved lots { ${lotFields} } } }
      expiringLots(withinDays: 30) { ${lotFields} }
    }`,
    undefined,
    bearer(adminToken),
  );
  const { orders, ordersAwaitingReview, lowStockItems, inventoryItems, expiringLots } = dataOf(response);
  const lots = inventoryItems.items.flatMap((item) => item.lots);
  return {
    orderCount: orders.totalCount,
    statuses: orders.items.map(({ status }) => status).sort(),
    rejectionReasons: orders.items.flatMap(({ rejectionReason }) => rejectionReason ?? []),
    approved: orders.items.filter(({ status }) => status === 'CONFIRMED'),
    awaitingReview: ordersAwaitingReview,
    lowStock: lowStockItems
      .map(({ product, available, reorderLevel }) => [product.sku, available, reorderLevel])
      .sort(),
    stockedProducts: inventoryItems.totalCount,
    unitsOnShelf: inventoryItems.items.reduce((sum, item) => sum + item.quantity, 0),
    unitsReserved: inventoryItems.items.reduce((sum, item) => sum + item.reserved, 0),
    lots: lots.sort((a, b) => a.product.sku.localeCompare(b.product.sku)),
    expiringLots,
  };
}

/**
 * What the demo orders did to the lots: every line was drawn from its product's lot that expires first
 * (FEFO). The shipped and delivered orders took 1 + 3 + 1 units off the shelf; the approved order and the
 * one awaiting review hold 2 + 1 and 2.
 */
const DRAWN_BY_DEMO_ORDERS: Record<string, { shipped?: number; reserved?: number }> = {
  'ASP-100-BTL-100': { shipped: 1 },
  'ATO-20-TAB-30': { shipped: 3 },
  'CET-10-TAB-70': { shipped: 1 },
  'AMX-500-CAP-30': { reserved: 2 },
  'INS-GLR-100-VL-10': { reserved: 1 },
  'MET-500-TAB-60': { reserved: 2 },
};

/** The demo lots as staff should see them, for stock received on `seedDay`, first to expire first. */
function expectedLots(seedDay: string): LotSeen[] {
  const lotted = Object.entries(DEMO_LOTS).flatMap(([sku, lots]) =>
    [...lots]
      .sort((a, b) => a[1] - b[1])
      .map(([lotNumber, expiresInDays, quantity], index) => {
        const drawn = index === 0 ? (DRAWN_BY_DEMO_ORDERS[sku] ?? {}) : {};
        return {
          product: { sku },
          lotNumber,
          expiresOn: addDays(seedDay, expiresInDays),
          quantity: quantity - (drawn.shipped ?? 0),
          reserved: drawn.reserved ?? 0,
          status: 'RELEASED',
        };
      }),
  );
  const unlotted = {
    product: { sku: UNLOTTED_DEMO_STOCK.sku },
    lotNumber: 'UNLOTTED',
    expiresOn: null,
    quantity: UNLOTTED_DEMO_STOCK.quantity,
    reserved: 0,
    status: 'RELEASED',
  };
  return [...lotted, unlotted].sort((a, b) => a.product.sku.localeCompare(b.product.sku));
}

/** The day the demo stock was received, read off a lot (today, or yesterday when the test crossed midnight). */
function demoSeedDay(lots: readonly LotSeen[]): string {
  const [lotNumber = '', expiresInDays = 0] = DEMO_LOTS['AMX-500-CAP-30']?.[0] ?? [];
  const expiresOn = lots.find((lot) => lot.lotNumber === lotNumber)?.expiresOn ?? '';
  const seedDay = addDays(expiresOn, -expiresInDays);
  const today = todayUtc();
  expect([today, addDays(today, -1)]).toContain(seedDay);
  return seedDay;
}

/** A demo prescription order as the pharmacist left it, from placement to `status`. */
function expectedPrescriptionOrder(status: 'AWAITING_REVIEW' | 'CONFIRMED', lines: OrderSeen['lines']) {
  const placedAndReserved = [
    { from: null, to: 'PENDING', actorRole: 'CUSTOMER', eventType: null },
    { from: 'PENDING', to: 'AWAITING_REVIEW', actorRole: null, eventType: 'inventory.reserved' },
  ];
  return {
    status,
    rejectionReason: null,
    prescription: DEMO_PRESCRIPTION,
    review:
      status === 'CONFIRMED'
        ? { decision: 'APPROVED', reviewer: { username: 'pharmacist' }, note: expect.any(String) }
        : null,
    lines,
    statusHistory:
      status === 'CONFIRMED'
        ? [
            ...placedAndReserved,
            { from: 'AWAITING_REVIEW', to: 'CONFIRMED', actorRole: 'PHARMACIST', eventType: null },
          ]
        : placedAndReserved,
  };
}

/**
 * What the demo seeding leaves (scripts/demo-orders.ts): 120 units of eight products in lots with different
 * expiry days and 8 of the last two (below their reorder level of 20; Vitamin D3 without a lot number); six
 * orders moved along by the saga and the pharmacist's review, one prescription order still waiting for it.
 */
function expectedDemoStock(seedDay: string) {
  const lots = expectedLots(seedDay);
  return {
    orderCount: 6,
    statuses: ['AWAITING_REVIEW', 'CANCELLED', 'CONFIRMED', 'DELIVERED', 'REJECTED', 'SHIPPED'],
    rejectionReasons: [
      expect.stringMatching(/^not enough stock for .+ \(LIS-10-TAB-30\): 121 ordered, 120 available$/),
    ],
    approved: [
      expectedPrescriptionOrder('CONFIRMED', [
        {
          product: { sku: 'AMX-500-CAP-30' },
          quantity: 2,
          lots: [{ lotNumber: 'GSK-AMX-2611', quantity: 2 }],
        },
        {
          product: { sku: 'INS-GLR-100-VL-10' },
          quantity: 1,
          lots: [{ lotNumber: 'LAN-0934', quantity: 1 }],
        },
      ]),
    ],
    awaitingReview: {
      totalCount: 1,
      items: [
        expectedPrescriptionOrder('AWAITING_REVIEW', [
          {
            product: { sku: 'MET-500-TAB-60' },
            quantity: 2,
            lots: [{ lotNumber: 'TEV-MF-1187', quantity: 2 }],
          },
        ]),
      ],
    },
    lowStock: [
      ['OMP-20-CAP-42', 8, 20],
      ['VIT-D3-1000-100', 8, 20],
    ],
    stockedProducts: 10,
    unitsOnShelf: 8 * 120 + 2 * 8 - 5,
    unitsReserved: 5,
    lots,
    // Within 30 days of the seeding day; the staff list them first to expire first.
    expiringLots: lots
      .filter((lot) => lot.expiresOn !== null && lot.expiresOn <= addDays(seedDay, 30))
      .sort((a, b) => (a.expiresOn ?? '').localeCompare(b.expiresOn ?? '')),
  };
}

/** The demo stock and orders are as the seeding leaves them, lots with three expiry days on one product. */
async function expectDemoStockAndOrders(url: string, adminToken: string): Promise<void> {
  const seen = await demoStockAndOrders(url, adminToken);
  expect(seen).toEqual(expectedDemoStock(demoSeedDay(seen.lots)));
  const amoxicillin = seen.lots.filter((lot) => lot.product.sku === 'AMX-500-CAP-30');
  expect(new Set(amoxicillin.map((lot) => lot.expiresOn)).size).toBe(3);
  expect(seen.expiringLots.length).toBeGreaterThan(0);
}

describe('npm start', () => {
  it('has ten demo products to expect', () => {
    expect(expectedDemoProducts()).toHaveLength(10);
  });

  it('starts the whole supergraph, seeds the demo data and stops cleanly on SIGINT', async () => {
    const { stack, url } = await startWholeSupergraph(env, STARTUP_MS);
    expect(url).toBe(`http://localhost:${env.PORT}/graphql`);
    // The users subgraph created its signing keys where JWT_KEYS_FILE says.
    expect(existsSync(keysFile)).toBe(true);

    // The demo accounts log in through the router; `me` names the caller.
    const adminToken = await login(url, 'admin', 'admin123456');
    const me = await postGraphQL<{ me: { username: string; role: string } }>(
      url,
      'query { me { username role } }',
      undefined,
      bearer(adminToken),
    );
    expect(dataOf(me).me).toEqual({ username: 'admin', role: 'ADMIN' });
    expect(await login(url, 'pharmacist', 'pharmacist123')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(await countUsers(url, adminToken)).toBe(3);

    const products = await listDemoProducts(url, adminToken);
    expect(products.totalCount).toBe(10);
    expect(products.items).toEqual(expectedDemoProducts());
    expect(products.items).toContainEqual({ sku: 'INS-GLR-100-VL-10', price: '89.99' });
    await expectDemoStockAndOrders(url, adminToken);

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
    const { stack, url } = await startWholeSupergraph(env, STARTUP_MS);
    const adminToken = await login(url, 'admin', 'admin123456');
    expect(await countUsers(url, adminToken)).toBe(3);
    const products = await listDemoProducts(url, adminToken);
    expect(products.totalCount).toBe(10);
    expect(products.items).toEqual(expectedDemoProducts());
    await expectDemoStockAndOrders(url, adminToken);

    // The demo customer reads their orders through the SDK, those the pharmacist approved included.
    const customer = createPharmacyClient({ url });
    customer.setToken(
      (await customer.login({ username: 'customer', password: 'customer123' })).login.accessToken,
    );
    const { myOrders } = await customer.myOrders({ pageSize: 20 });
    expect(
      myOrders.items.flatMap(({ status, review }) => (review ? [[status, review.decision]] : [])).sort(),
    ).toEqual([
      ['CONFIRMED', 'APPROVED'],
      ['DELIVERED', 'APPROVED'],
    ]);

    // The SDK example of docs/sdk.md, as a user runs it, and `npm run smoke`, against the demo data.
    const example = spawnService('examples/place-an-order.ts', { PHARMACY_URL: url });
    expect(await example.waitForExit(30_000)).toEqual({ code: 0, signal: null });
    expect({ stdout: example.stdout(), stderr: example.stderr() }).toEqual({
      stdout: expect.stringMatching(/^order \d+: PENDING, total 19\.98 USD\n$/),
      stderr: '',
    });
    const smoke = spawnService('scripts/smoke.ts', { SMOKE_URL: url });
    expect({ exit: await smoke.waitForExit(60_000), stderr: smoke.stderr() }).toEqual({
      exit: { code: 0, signal: null },
      stderr: '',
    });
    expect(smoke.stdout()).toMatch(/place an order and see it confirmed[\s\S]*smoke test passed\n$/);

    // The review example of docs/sdk.md: the pharmacist approves the demo order waiting for review.
    const review = spawnService('examples/review-prescriptions.ts', { PHARMACY_URL: url });
    expect(await review.waitForExit(30_000)).toEqual({ code: 0, signal: null });
    expect({ stdout: review.stdout(), stderr: review.stderr() }).toEqual({
      stdout: expect.stringMatching(
        /^order \d+: CONFIRMED, APPROVED: 2 × Metformin 500mg \(lots TEV-MF-1187\)\n$/,
      ),
      stderr: '',
    });

    const { code, signal } = await stack.stop('SIGINT', 15_000);
    expect({ code, signal, stderr: stack.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
  });

  it("left the developer's .data/jwt-keys.json alone", () => {
    expect(developmentKeysStamp()).toBe(developmentKeysBefore);
  });
});
