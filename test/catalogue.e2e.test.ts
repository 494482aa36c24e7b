/**
 * The catalogue through the router: the four real subgraphs on fresh databases and the real router, all in
 * this process, called with the typed client SDK. The tests run in order and share the catalogue they
 * build, as a pharmacist (catalogue writes need the PHARMACIST or ADMIN role; every operation needs an
 * access token). What is about HTTP itself (status codes, a malformed document, request id headers, the
 * body of a refused request) is sent raw.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readRouterConfig } from '../router/config.ts';
import { createRouter } from '../router/create-router.ts';
import type { PharmacyClient, ProductsQueryVariables } from '../sdk/index.ts';
import { clientFor, onlyErrorOf } from './support/client.ts';
import { dataOf, singleError, postGraphQL, type GraphQLResponse } from './support/graphql.ts';
import { startRecordingProxy } from './support/network.ts';
import { bearer, silentLogger, startTestStack, testRouterEnv, type TestStack } from './support/services.ts';

interface ProductPage {
  items: { name: string }[];
  totalCount: number;
  page: number;
  pageSize: number;
  hasNextPage: boolean;
}

/** Created in this order; listings sort by name. */
const CATALOGUE = [
  {
    sku: 'asp-100',
    name: 'Aspirin 100mg',
    description: 'Pain reliever',
    price: '9.99',
    category: 'Pain Relief',
    manufacturer: 'Bayer',
  },
  {
    sku: 'IBU-200',
    name: 'Ibuprofen 200mg',
    description: 'Anti-inflammatory',
    price: '12.5',
    category: 'Pain Relief',
    manufacturer: 'Advil',
  },
  {
    sku: 'AMX-500',
    name: 'Amoxicillin 500mg',
    price: '24.99',
    currency: 'EUR',
    category: 'Antibiotics',
    manufacturer: 'GSK',
    requiresPrescription: true,
  },
  {
    sku: 'LIS-10',
    name: 'Lisinopril 10mg',
    price: '15',
    category: 'Cardiovascular',
    manufacturer: 'Merck',
    requiresPrescription: true,
  },
  { sku: 'ZNC-1', name: 'Zinc Tablets', price: '0.5', category: 'Vitamins' },
];

/** A raw product listing, for the tests of HTTP itself. */
const LIST_PRODUCTS = `query List($filter: ProductFilter, $page: Int, $pageSize: Int) {
  products(filter: $filter, page: $page, pageSize: $pageSize) {
    items { name } totalCount page pageSize hasNextPage
  }
}`;

/** Aspirin as created from CATALOGUE[0]. */
const ASPIRIN = {
  sku: 'ASP-100',
  name: 'Aspirin 100mg',
  description: 'Pain reliever',
  price: '9.99',
  currency: 'USD',
  category: 'Pain Relief',
  manufacturer: 'Bayer',
  requiresPrescription: false,
  maxQuantityPerOrder: null,
  isActive: true,
  createdAt: expect.any(String),
  updatedAt: expect.any(String),
};

let stack: TestStack;
/** The pharmacist who builds the catalogue. */
let pharmacist: PharmacyClient;
/** `Authorization` for the same pharmacist, for raw requests. */
let asPharmacist: Record<string, string>;
/** Product ids by SKU, as created. */
const ids = new Map<string, string>();

function idOf(sku: string): string {
  const id = ids.get(sku);
  if (id === undefined) throw new Error(`product ${sku} was not created`);
  return id;
}

/** A listing page with only the product names. */
async function list(variables: ProductsQueryVariables): Promise<ProductPage> {
  const { items, ...page } = (await pharmacist.products(variables)).products;
  return { items: items.map(({ name }) => ({ name })), ...page };
}

function names(page: ProductPage): string[] {
  return page.items.map((item) => item.name);
}

/** Fails when a response body or the errors of a refused call show internals. */
function expectNoInternals(body: unknown): void {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/stacktrace|exception|serviceName|"response"/);
  expect(text).not.toMatch(/\bselect\b|\binsert\b|\bupdate "|constraint|duplicate key|postgres|\.ts:\d+/i);
}

/** The one error of a raw response, after checking that nothing internal leaked into the body. */
function onlyError(response: GraphQLResponse) {
  expectNoInternals(response.body);
  return singleError(response);
}

/** The one error a call through the SDK was refused with, after checking that nothing internal leaked. */
async function refusal(call: Promise<unknown>) {
  const error = await onlyErrorOf(call);
  expectNoInternals(error);
  return error;
}

beforeAll(async () => {
  stack = await startTestStack();
  const viewer = { userId: 1, role: 'PHARMACIST' } as const;
  pharmacist = await clientFor(stack, viewer);
  asPharmacist = bearer(await stack.tokenFor(viewer));
});

afterAll(async () => {
  await stack?.stop();
});

describe('catalogue through the router', () => {
  it('creates products with normalised SKUs, exact prices and defaults', async () => {
    for (const input of CATALOGUE) {
      const created = (await pharmacist.createProduct({ input })).createProduct;
      ids.set(created.sku, created.id);
      expect(created.id).toMatch(/^[1-9]\d*$/);
      expect(created.isActive).toBe(true);
      expect(new Date(created.createdAt).toISOString()).toBe(created.createdAt);
    }
    const { product } = await pharmacist.product({ id: idOf('ASP-100') });
    expect(product).toEqual({ id: idOf('ASP-100'), ...ASPIRIN });
    const { products } = await pharmacist.products();
    expect(products.items.map(({ sku, price, currency }) => ({ sku, price, currency }))).toEqual([
      { sku: 'AMX-500', price: '24.99', currency: 'EUR' },
      { sku: 'ASP-100', price: '9.99', currency: 'USD' },
      { sku: 'IBU-200', price: '12.50', currency: 'USD' },
      { sku: 'LIS-10', price: '15.00', currency: 'USD' },
      { sku: 'ZNC-1', price: '0.50', currency: 'USD' },
    ]);
  });

  it('pages the listing by name with exact counts', async () => {
    expect(await list({ pageSize: 2 })).toEqual({
      items: [{ name: 'Amoxicillin 500mg' }, { name: 'Aspirin 100mg' }],
      totalCount: 5,
      page: 1,
      pageSize: 2,
      hasNextPage: true,
    });
    expect(await list({ page: 2, pageSize: 2 })).toEqual({
      items: [{ name: 'Ibuprofen 200mg' }, { name: 'Lisinopril 10mg' }],
      totalCount: 5,
      page: 2,
      pageSize: 2,
      hasNextPage: true,
    });
    expect(await list({ page: 3, pageSize: 2 })).toEqual({
      items: [{ name: 'Zinc Tablets' }],
      totalCount: 5,
      page: 3,
      pageSize: 2,
      hasNextPage: false,
    });
    expect(await list({ page: 4, pageSize: 2 })).toEqual({
      items: [],
      totalCount: 5,
      page: 4,
      pageSize: 2,
      hasNextPage: false,
    });
    // Defaults: page 1 of 20.
    expect(await list({})).toMatchObject({ totalCount: 5, page: 1, pageSize: 20, hasNextPage: false });
    expect(await list({ pageSize: 5 })).toMatchObject({ totalCount: 5, hasNextPage: false });
  });

  it('filters by search, name, manufacturer, category and prescription', async () => {
    // search matches the name or the manufacturer, case-insensitive substring.
    expect(names(await list({ filter: { search: 'bAYer' } }))).toEqual(['Aspirin 100mg']);
    expect(names(await list({ filter: { search: 'CILL' } }))).toEqual(['Amoxicillin 500mg']);
    expect(names(await list({ filter: { name: 'mg' } }))).toEqual([
      'Amoxicillin 500mg',
      'Aspirin 100mg',
      'Ibuprofen 200mg',
      'Lisinopril 10mg',
    ]);
    expect(names(await list({ filter: { manufacturer: 'gs' } }))).toEqual(['Amoxicillin 500mg']);
    // category is exact (not a substring), case-insensitive.
    expect(names(await list({ filter: { category: 'PAIN RELIEF' } }))).toEqual([
      'Aspirin 100mg',
      'Ibuprofen 200mg',
    ]);
    expect((await list({ filter: { category: 'Pain' } })).totalCount).toBe(0);
    expect(names(await list({ filter: { requiresPrescription: true } }))).toEqual([
      'Amoxicillin 500mg',
      'Lisinopril 10mg',
    ]);
    expect((await list({ filter: { requiresPrescription: false } })).totalCount).toBe(3);
    // Every given filter must match.
    expect(await list({ filter: { category: 'pain relief', search: 'ibu' } })).toEqual({
      items: [{ name: 'Ibuprofen 200mg' }],
      totalCount: 1,
      page: 1,
      pageSize: 20,
      hasNextPage: false,
    });
    // A LIKE wildcard is plain text.
    expect((await list({ filter: { search: '%' } })).totalCount).toBe(0);
    expect(await list({ filter: { name: 'mg' }, pageSize: 3 })).toMatchObject({
      totalCount: 4,
      hasNextPage: true,
    });
  });

  it('finds a product by id and by SKU (case-insensitive)', async () => {
    const lisinopril = {
      id: idOf('LIS-10'),
      sku: 'LIS-10',
      name: 'Lisinopril 10mg',
      description: null,
      price: '15.00',
      currency: 'USD',
      category: 'Cardiovascular',
      manufacturer: 'Merck',
      requiresPrescription: true,
      maxQuantityPerOrder: null,
      isActive: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    };
    const byId = (await pharmacist.product({ id: idOf('LIS-10') })).product;
    expect(byId).toEqual(lisinopril);
    expect((await pharmacist.productBySku({ sku: ' lis-10 ' })).productBySku).toEqual(byId);
  });

  it('lists the categories of active products, sorted', async () => {
    expect(await pharmacist.categories()).toEqual({
      categories: ['Antibiotics', 'Cardiovascular', 'Pain Relief', 'Vitamins'],
    });
  });

  it('updates only the given fields', async () => {
    const id = idOf('IBU-200');
    const before = (await pharmacist.product({ id })).product;
    const { updateProduct: updated } = await pharmacist.updateProduct({
      id,
      input: { price: '13.00', name: 'Ibuprofen 200mg Caplets', description: null },
    });
    expect(updated).toEqual({
      ...before,
      price: '13.00',
      name: 'Ibuprofen 200mg Caplets',
      description: null,
      updatedAt: expect.any(String),
    });
    expect(Date.parse(updated.updatedAt)).toBeGreaterThan(Date.parse(before?.updatedAt ?? ''));
    expect((await pharmacist.productBySku({ sku: 'IBU-200' })).productBySku).toEqual(updated);
  });

  it('discontinues a product: gone from listings and categories, still readable', async () => {
    const id = idOf('ZNC-1');
    const zinc = {
      id,
      sku: 'ZNC-1',
      name: 'Zinc Tablets',
      description: null,
      price: '0.50',
      currency: 'USD',
      category: 'Vitamins',
      manufacturer: null,
      requiresPrescription: false,
      maxQuantityPerOrder: null,
      isActive: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    };
    const deleted = (await pharmacist.deleteProduct({ id })).deleteProduct;
    expect(deleted).toEqual(zinc);
    // Deleting twice is harmless.
    expect((await pharmacist.deleteProduct({ id })).deleteProduct).toEqual(zinc);

    const listing = await list({ pageSize: 100 });
    expect(listing.totalCount).toBe(4);
    expect(names(listing)).not.toContain('Zinc Tablets');
    expect((await list({ filter: { search: 'zinc' } })).totalCount).toBe(0);

    expect((await pharmacist.product({ id })).product).toEqual(zinc);
    expect((await pharmacist.productBySku({ sku: 'ZNC-1' })).productBySku).toEqual(zinc);

    expect(await pharmacist.categories()).toEqual({
      categories: ['Antibiotics', 'Cardiovascular', 'Pain Relief'],
    });
  });

  it('resolves Product.inventory from the inventory subgraph', async () => {
    // Stock one product in the inventory subgraph's own database (the item and its stock, held in the lot
    // for stock without a lot number); the others were never stocked.
    const connection = stack.subgraphs.inventory.subgraph.orm.em.getConnection();
    const productId = Number(idOf('AMX-500'));
    await connection.execute(
      `insert into inventory_item (product_id, quantity, reserved, reorder_level, low_stock_announced)
       values (?, ?, ?, ?, false)`,
      [productId, 7, 2, 3],
    );
    await connection.execute(
      "insert into lot (product_id, lot_number, quantity, reserved) values (?, 'UNLOTTED', ?, ?)",
      [productId, 7, 2],
    );
    const { products } = await pharmacist.productsWithStock();
    const unstocked = { quantity: 0, reserved: 0, available: 0, reorderLevel: 0, isLowStock: true };
    expect(products.items.map(({ name, inventory }) => ({ name, inventory }))).toEqual([
      {
        name: 'Amoxicillin 500mg',
        inventory: {
          quantity: 7,
          reserved: 2,
          available: 5,
          reorderLevel: 3,
          isLowStock: false,
          updatedAt: null,
        },
      },
      { name: 'Aspirin 100mg', inventory: { ...unstocked, updatedAt: null } },
      { name: 'Ibuprofen 200mg Caplets', inventory: { ...unstocked, updatedAt: null } },
      { name: 'Lisinopril 10mg', inventory: { ...unstocked, updatedAt: null } },
    ]);
  });
});

describe('errors through the router', () => {
  it('refuses a negative price with BAD_USER_INPUT naming input.price, and writes nothing', async () => {
    const error = await refusal(
      pharmacist.createProduct({
        input: { sku: 'NEG-1', name: 'Negative', price: '-1.00', category: 'Misc' },
      }),
    );
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.price' });
    expect(error.message).toMatch(/^input\.price: /);
    expect((await refusal(pharmacist.productBySku({ sku: 'NEG-1' }))).extensions).toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('refuses page 0 and pageSize 101 with BAD_USER_INPUT naming the argument', async () => {
    const page0 = await refusal(pharmacist.products({ page: 0 }));
    expect(page0.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'page' });
    expect(page0.message).toMatch(/^page: /);
    expect(page0.path).toEqual(['products']);

    const size101 = await refusal(pharmacist.products({ pageSize: 101 }));
    expect(size101.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'pageSize' });
    expect(size101.message).toMatch(/^pageSize: .*100/);
  });

  it('refuses a duplicate SKU with CONFLICT, whatever its case', async () => {
    const error = await refusal(
      pharmacist.createProduct({
        input: { sku: 'Asp-100', name: 'Another aspirin', price: '1.00', category: 'Pain Relief' },
      }),
    );
    expect(error.extensions).toEqual({ code: 'CONFLICT', field: 'input.sku' });
    expect(error.message).toContain('ASP-100');
    expect((await list({ filter: { search: 'another' } })).totalCount).toBe(0);
  });

  it('answers NOT_FOUND for an unknown id or SKU, BAD_USER_INPUT for a malformed id', async () => {
    // Raw: the body's null product next to the error (the SDK throws the error without the data).
    const unknown = await postGraphQL(
      stack.routerUrl,
      'query { product(id: "999999") { id } }',
      undefined,
      asPharmacist,
    );
    expect(unknown.body.data).toEqual({ product: null });
    expect(onlyError(unknown)).toMatchObject({
      message: 'Product 999999 was not found',
      path: ['product'],
      extensions: { code: 'NOT_FOUND', id: '999999' },
    });

    const update = await refusal(pharmacist.updateProduct({ id: '999999', input: { name: 'x' } }));
    expect(update.extensions).toMatchObject({ code: 'NOT_FOUND' });

    const sku = await refusal(pharmacist.productBySku({ sku: 'NOPE-1' }));
    expect(sku.extensions).toMatchObject({ code: 'NOT_FOUND' });

    const malformed = await refusal(pharmacist.product({ id: 'abc' }));
    expect(malformed.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  it('reports a malformed query without internals', async () => {
    const response = await postGraphQL(
      stack.routerUrl,
      'query { products { nope } }',
      undefined,
      asPharmacist,
    );
    expect(response.status).toBe(400);
    expect(onlyError(response).extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
  });
});

describe('authentication and roles through the router', () => {
  it('refuses catalogue writes to a customer with FORBIDDEN, and writes nothing', async () => {
    const customerViewer = { userId: 2, role: 'CUSTOMER' } as const;
    const customer = await clientFor(stack, customerViewer);
    // Raw: no data next to the error in the body (the SDK throws the error without the data).
    const created = await postGraphQL(
      stack.routerUrl,
      'mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }',
      { input: { sku: 'CUS-1', name: 'By a customer', price: '1.00', category: 'Misc' } },
      bearer(await stack.tokenFor(customerViewer)),
    );
    const error = onlyError(created);
    expect(error.extensions).toEqual({ code: 'FORBIDDEN' });
    expect(error.message).toBe('createProduct requires the role PHARMACIST or ADMIN');
    expect(created.body.data ?? null).toBeNull();

    const id = idOf('ASP-100');
    const updated = await refusal(customer.updateProduct({ id, input: { price: '0.01' } }));
    expect(updated.extensions).toEqual({ code: 'FORBIDDEN' });
    const deleted = await refusal(customer.deleteProduct({ id }));
    expect(deleted.extensions).toEqual({ code: 'FORBIDDEN' });

    // A customer reads the catalogue, which is as it was.
    expect((await refusal(customer.productBySku({ sku: 'CUS-1' }))).extensions).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await customer.product({ id })).product).toEqual({ id, ...ASPIRIN });
    expect((await list({})).totalCount).toBe(4);
  });

  it('refuses a products query without a token with HTTP 401 UNAUTHENTICATED', async () => {
    const response = await postGraphQL(stack.routerUrl, LIST_PRODUCTS);
    expect(response.status).toBe(401);
    const error = onlyError(response);
    expect(error.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(error.message).toMatch(/^authentication required/);
    expect(response.body.data ?? null).toBeNull();
  });
});

describe('request ids', () => {
  it('gives every response a request id and keeps a well-formed one from the client', async () => {
    const generated = await postGraphQL(stack.routerUrl, 'query { categories }', undefined, asPharmacist);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const kept = await postGraphQL(stack.routerUrl, 'query { categories }', undefined, {
      ...asPharmacist,
      'x-request-id': 'client-42.a:b_c',
    });
    expect(kept.headers.get('x-request-id')).toBe('client-42.a:b_c');

    const replaced = await postGraphQL(stack.routerUrl, 'query { categories }', undefined, {
      ...asPharmacist,
      'x-request-id': 'not ok; <script>',
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('forwards the request id to the subgraphs it calls', async () => {
    const proxy = await startRecordingProxy(stack.subgraphs.products.server.url);
    // Its users subgraph is the stack's, which serves the keys the pharmacist's token was signed with.
    const router = createRouter(
      readRouterConfig(
        testRouterEnv({
          USERS_URL: stack.subgraphs.users.server.url,
          PRODUCTS_URL: proxy.url,
          ORDERS_URL: stack.subgraphs.orders.server.url,
          INVENTORY_URL: stack.subgraphs.inventory.server.url,
        }),
      ),
      silentLogger,
    );
    try {
      const { url } = await router.listen();
      const kept = await postGraphQL<{ categories: string[] }>(url, 'query { categories }', undefined, {
        ...asPharmacist,
        'x-request-id': 'trace-me-123',
      });
      expect(dataOf(kept).categories).toHaveLength(3);
      expect(proxy.recorded.map((request) => request.headers['x-request-id'])).toEqual(['trace-me-123']);
      expect(proxy.recorded[0]?.body).toContain('categories');
      // Signed for the subgraph, which sees the pharmacist but never the token.
      expect(proxy.recorded[0]?.headers).toMatchObject({
        'x-router-proof': expect.any(String),
        'x-viewer-role': 'PHARMACIST',
      });
      expect(proxy.recorded[0]?.headers.authorization).toBeUndefined();

      const generated = await postGraphQL(url, 'query { categories }', undefined, asPharmacist);
      expect(proxy.recorded[1]?.headers['x-request-id']).toBe(generated.headers.get('x-request-id'));
    } finally {
      await router.close();
      await proxy.close();
    }
  });
});

describe('router probes', () => {
  it('answers /health and /ready with 200 when every subgraph is up', async () => {
    const health = await fetch(new URL('/health', stack.routerUrl));
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(new URL('/ready', stack.routerUrl));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });
});
