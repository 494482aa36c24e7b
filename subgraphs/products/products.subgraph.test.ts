/**
 * The products subgraph over real HTTP on its own fresh database: queries, mutations, filters, paging,
 * soft deletes, and refusals that name the field, write nothing and leak no internals.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from '../../test/support/database.ts';
import type { GraphQLReply } from '../../test/support/graphql.ts';
import { startTestSubgraph, type TestSubgraph } from '../../test/support/services.ts';
import {
  expectNoLeak,
  expectRefusal,
  expectRefusalNamingField,
  subgraphClient,
  type SubgraphClient,
} from '../../test/support/subgraph-client.ts';

/** The router vouches for a pharmacist: catalogue writes need staff. */
const PHARMACIST = { userId: 1, role: 'PHARMACIST' } as const;

interface ProductView {
  id: string;
  sku: string;
  name: string;
  description: string | null;
  price: string;
  currency: string;
  category: string;
  manufacturer: string | null;
  requiresPrescription: boolean;
  maxQuantityPerOrder: number | null;
  isActive: boolean;
  createdAt: string;
  updatedAt: string;
}

interface PageView {
  items: ProductView[];
  totalCount: number;
  page: number;
  pageSize: number;
  hasNextPage: boolean;
}

const PRODUCT_FIELDS = `
  id sku name description price currency category manufacturer requiresPrescription maxQuantityPerOrder isActive
  createdAt updatedAt
`;

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Text that would betray internals: a stack trace, SQL, or a file path from one. */
const LEAK = /stacktrace|select |insert |update "|at \//i;

let service: TestSubgraph;
let api: SubgraphClient;
/** Every reply, to check at the end that none leaked. */
const replies: GraphQLReply<unknown>[] = [];

beforeAll(async () => {
  service = await startTestSubgraph('products');
  api = subgraphClient(service, {
    viewer: PHARMACIST,
    checkReply: (reply) => {
      replies.push(reply);
      expectNoLeak(LEAK)(reply);
    },
  });
});

afterAll(async () => {
  await service?.stop();
});

async function rowCount(): Promise<number> {
  const [row] = await sql<{ n: number }>(service, 'select count(*)::int as n from product');
  return row?.n ?? -1;
}

async function truncate(): Promise<void> {
  await sql(service, 'truncate product restart identity');
}

const CREATE = `mutation Create($input: CreateProductInput!) { createProduct(input: $input) { ${PRODUCT_FIELDS} } }`;
const UPDATE = `mutation Update($id: ID!, $input: UpdateProductInput!) {
  updateProduct(id: $id, input: $input) { ${PRODUCT_FIELDS} }
}`;
const DELETE = `mutation Delete($id: ID!) { deleteProduct(id: $id) { ${PRODUCT_FIELDS} } }`;
const PRODUCT = `query One($id: ID!) { product(id: $id) { ${PRODUCT_FIELDS} } }`;
const BY_SKU = `query BySku($sku: String!) { productBySku(sku: $sku) { ${PRODUCT_FIELDS} } }`;
const LIST = `query List($filter: ProductFilter, $page: Int, $pageSize: Int) {
  products(filter: $filter, page: $page, pageSize: $pageSize) {
    items { ${PRODUCT_FIELDS} } totalCount page pageSize hasNextPage
  }
}`;
const CATEGORIES = 'query { categories }';

interface NewProduct {
  sku: string;
  name: string;
  price: string;
  category: string;
  description?: string | null;
  currency?: string;
  manufacturer?: string | null;
  requiresPrescription?: boolean;
  maxQuantityPerOrder?: number | null;
}

async function createProduct(input: NewProduct): Promise<ProductView> {
  const reply = await api.request<{ createProduct: ProductView }>(CREATE, { input });
  expect(reply.errors).toBeUndefined();
  if (!reply.data) throw new Error('no data');
  return reply.data.createProduct;
}

async function list(filter?: Record<string, unknown>, page?: number, pageSize?: number): Promise<PageView> {
  const reply = await api.request<{ products: PageView }>(LIST, { filter, page, pageSize });
  expect(reply.errors).toBeUndefined();
  if (!reply.data) throw new Error('no data');
  return reply.data.products;
}

async function listedNames(filter: Record<string, unknown>): Promise<string[]> {
  const page = await list(filter, 1, 100);
  expect(page.totalCount).toBe(page.items.length);
  return page.items.map((item) => item.name);
}

async function categories(): Promise<string[]> {
  const reply = await api.request<{ categories: string[] }>(CATEGORIES);
  expect(reply.errors).toBeUndefined();
  return reply.data?.categories ?? [];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('health endpoints', () => {
  it('/health answers 200', async () => {
    const response = await fetch(new URL('/health', service.server.url));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/ready answers 200 while the database is up', async () => {
    const response = await fetch(new URL('/ready', service.server.url));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready' });
  });
});

describe('createProduct', () => {
  beforeAll(truncate);

  it('returns exactly the stored values, with defaults applied', async () => {
    const before = Date.now();
    const product = await createProduct({
      sku: ' amx-500 ',
      name: '  Amoxicillin 500 mg ',
      price: '12.50',
      category: 'Antibiotics',
    });
    const after = Date.now();
    expect(product).toEqual({
      id: expect.stringMatching(/^[1-9]\d*$/),
      sku: 'AMX-500',
      name: 'Amoxicillin 500 mg',
      description: null,
      price: '12.50',
      currency: 'USD',
      category: 'Antibiotics',
      manufacturer: null,
      requiresPrescription: false,
      maxQuantityPerOrder: null,
      isActive: true,
      createdAt: expect.stringMatching(ISO_INSTANT),
      updatedAt: expect.stringMatching(ISO_INSTANT),
    });
    const createdAt = Date.parse(product.createdAt);
    expect(createdAt).toBeGreaterThanOrEqual(before - 1000);
    expect(createdAt).toBeLessThanOrEqual(after + 1000);
    expect(Date.parse(product.updatedAt)).toBeGreaterThanOrEqual(createdAt);

    const [row] = await sql<{ price_minor: number; sku: string }>(
      service,
      'select price_minor, sku from product where id = ?',
      [Number(product.id)],
    );
    expect(row).toEqual({ price_minor: 1250, sku: 'AMX-500' });

    const read = await api.request<{ product: ProductView }>(PRODUCT, { id: product.id });
    expect(read.data?.product).toEqual(product);
  });

  it('keeps every given field', async () => {
    const product = await createProduct({
      sku: 'OME-20',
      name: 'Omeprazole 20 mg',
      description: 'Gastro-resistant capsules',
      price: '8.8',
      currency: 'eur',
      category: 'Digestive',
      manufacturer: 'AstraZeneca',
      requiresPrescription: true,
      maxQuantityPerOrder: 2,
    });
    expect(product).toMatchObject({
      sku: 'OME-20',
      name: 'Omeprazole 20 mg',
      description: 'Gastro-resistant capsules',
      price: '8.80',
      currency: 'EUR',
      category: 'Digestive',
      manufacturer: 'AstraZeneca',
      requiresPrescription: true,
      maxQuantityPerOrder: 2,
      isActive: true,
    });
    const [row] = await sql(service, 'select max_quantity_per_order from product where id = ?', [
      Number(product.id),
    ]);
    expect(row).toEqual({ max_quantity_per_order: 2 });
  });

  it.each([
    ['10', '10.00'],
    ['0.5', '0.50'],
    ['9.99', '9.99'],
    ['0', '0.00'],
  ])('formats a price of "%s" as "%s"', async (price, expected) => {
    const product = await createProduct({
      sku: `P-${price.replace('.', '-')}`,
      name: 'Priced',
      price,
      category: 'X',
    });
    expect(product.price).toBe(expected);
  });

  it('accepts an inline literal price', async () => {
    const reply = await api.request<{ createProduct: ProductView }>(
      'mutation { createProduct(input: {sku: "lit-1", name: "Literal", price: "3.10", category: "X"}) { sku price } }',
    );
    expect(reply.errors).toBeUndefined();
    expect(reply.data?.createProduct).toEqual({ sku: 'LIT-1', price: '3.10' });
  });
});

/** The listing fixture: 11 active products and one discontinued one. */
const CATALOGUE: NewProduct[] = [
  { sku: 'ALG-1', name: 'Allergy Relief Tablets', price: '7.49', category: 'Allergy', manufacturer: 'Bayer' },
  {
    sku: 'AMX-500',
    name: 'Amoxicillin 500 mg',
    price: '12.50',
    category: 'Antibiotics',
    manufacturer: 'Sandoz',
    requiresPrescription: true,
  },
  {
    sku: 'CET-10',
    name: 'Cetirizine 10 mg',
    price: '5.99',
    category: 'Allergy',
    manufacturer: 'Zyrtec Labs',
  },
  { sku: 'IBU-200', name: 'Ibuprofen 200 mg', price: '4.25', category: 'Pain Relief', manufacturer: 'Bayer' },
  { sku: 'MAG-1', name: 'Magnesium Citrate', price: '9', category: 'Minerals', manufacturer: 'Acme_Labs' },
  { sku: 'MEL-3', name: 'Melatonin 3 mg', price: '6.10', category: 'Sleep', manufacturer: 'Acme Labs' },
  {
    sku: 'OME-20',
    name: 'Omeprazole 20 mg',
    price: '8.80',
    category: 'Digestive',
    manufacturer: 'AstraZeneca',
    requiresPrescription: true,
  },
  {
    sku: 'PAR-500',
    name: 'Paracetamol 500 mg',
    price: '3.20',
    category: 'Pain Relief',
    manufacturer: 'Teva',
  },
  { sku: 'SAL-1', name: 'Saline Nasal Spray', price: '2.00', category: 'Allergy', manufacturer: null },
  {
    sku: 'VTD-1000',
    name: 'Vitamin D3 1000 IU',
    price: '11',
    category: 'Vitamins',
    manufacturer: 'Nature Made',
  },
  { sku: 'ZNC-50', name: 'Zinc 50% Extra', price: '10', category: 'Minerals', manufacturer: 'Solgar' },
];
const ACTIVE_NAMES = CATALOGUE.map((product) => product.name);
const DISCONTINUED: NewProduct = {
  sku: 'DIS-1',
  name: 'Discontinued Cough Syrup',
  price: '4.00',
  category: 'Cough',
  manufacturer: 'Bayer',
};

describe('listing, lookups and categories', () => {
  let discontinued: ProductView;

  beforeAll(async () => {
    await truncate();
    // Created out of order so that the listing's order comes from the names.
    for (const product of [...CATALOGUE].reverse()) await createProduct(product);
    discontinued = await createProduct(DISCONTINUED);
    const reply = await api.request(DELETE, { id: discontinued.id });
    expect(reply.errors).toBeUndefined();
  });

  it('lists active products ordered by name with the page fields', async () => {
    const page = await list();
    expect(page).toMatchObject({ totalCount: 11, page: 1, pageSize: 20, hasNextPage: false });
    expect(page.items.map((item) => item.name)).toEqual(ACTIVE_NAMES);
    expect(page.items[1]).toMatchObject({
      sku: 'AMX-500',
      price: '12.50',
      currency: 'USD',
      requiresPrescription: true,
      isActive: true,
    });
  });

  it('pages through the listing', async () => {
    const first = await list(undefined, 1, 4);
    expect(first).toMatchObject({ totalCount: 11, page: 1, pageSize: 4, hasNextPage: true });
    expect(first.items.map((item) => item.name)).toEqual(ACTIVE_NAMES.slice(0, 4));

    const second = await list(undefined, 2, 4);
    expect(second).toMatchObject({ totalCount: 11, page: 2, pageSize: 4, hasNextPage: true });
    expect(second.items.map((item) => item.name)).toEqual(ACTIVE_NAMES.slice(4, 8));

    const third = await list(undefined, 3, 4);
    expect(third).toMatchObject({ totalCount: 11, page: 3, pageSize: 4, hasNextPage: false });
    expect(third.items.map((item) => item.name)).toEqual(ACTIVE_NAMES.slice(8));

    const beyond = await list(undefined, 4, 4);
    expect(beyond).toEqual({ items: [], totalCount: 11, page: 4, pageSize: 4, hasNextPage: false });

    const exact = await list(undefined, 1, 11);
    expect(exact.hasNextPage).toBe(false);
    const all = await list(undefined, 1, 100);
    expect(all.items).toHaveLength(11);
  });

  it('search matches the name or the manufacturer, case-insensitive substring', async () => {
    expect(await listedNames({ search: 'bayer' })).toEqual(['Allergy Relief Tablets', 'Ibuprofen 200 mg']);
    expect(await listedNames({ search: 'ZYRTEC' })).toEqual(['Cetirizine 10 mg']);
    expect(await listedNames({ search: '  tAbLeTs ' })).toEqual(['Allergy Relief Tablets']);
    expect(await listedNames({ search: 'labs' })).toEqual([
      'Cetirizine 10 mg',
      'Magnesium Citrate',
      'Melatonin 3 mg',
    ]);
    expect(await listedNames({ search: 'ASAL' })).toEqual(['Saline Nasal Spray']);
    expect(await listedNames({ search: 'cough' })).toEqual([]);
    expect(await listedNames({ search: 'nothing like this' })).toEqual([]);
    expect(await listedNames({ search: '   ' })).toEqual(ACTIVE_NAMES);
  });

  it('search pages its matches', async () => {
    const page = await list({ search: 'mg' }, 2, 2);
    expect(page).toMatchObject({ totalCount: 6, page: 2, pageSize: 2, hasNextPage: true });
    expect(page.items.map((item) => item.name)).toEqual(['Ibuprofen 200 mg', 'Melatonin 3 mg']);
  });

  it('a search term with % or _ matches them literally', async () => {
    expect(await listedNames({ search: '50%' })).toEqual(['Zinc 50% Extra']);
    expect(await listedNames({ search: '%' })).toEqual(['Zinc 50% Extra']);
    expect(await listedNames({ search: 'acme_labs' })).toEqual(['Magnesium Citrate']);
    expect(await listedNames({ search: '_' })).toEqual(['Magnesium Citrate']);
    expect(await listedNames({ search: '\\' })).toEqual([]);
    expect(await listedNames({ name: '0%' })).toEqual(['Zinc 50% Extra']);
    expect(await listedNames({ manufacturer: 'e_l' })).toEqual(['Magnesium Citrate']);
  });

  it('name matches the name only', async () => {
    expect(await listedNames({ name: 'MG' })).toEqual([
      'Amoxicillin 500 mg',
      'Cetirizine 10 mg',
      'Ibuprofen 200 mg',
      'Melatonin 3 mg',
      'Omeprazole 20 mg',
      'Paracetamol 500 mg',
    ]);
    expect(await listedNames({ name: 'bayer' })).toEqual([]);
    expect(await listedNames({ name: 'cough' })).toEqual([]);
  });

  it('manufacturer matches the manufacturer only', async () => {
    expect(await listedNames({ manufacturer: 'ACME' })).toEqual(['Magnesium Citrate', 'Melatonin 3 mg']);
    expect(await listedNames({ manufacturer: 'tablets' })).toEqual([]);
  });

  it('category is an exact, case-insensitive match', async () => {
    expect(await listedNames({ category: 'pain relief' })).toEqual([
      'Ibuprofen 200 mg',
      'Paracetamol 500 mg',
    ]);
    expect(await listedNames({ category: 'ALLERGY' })).toEqual([
      'Allergy Relief Tablets',
      'Cetirizine 10 mg',
      'Saline Nasal Spray',
    ]);
    expect(await listedNames({ category: ' Minerals ' })).toEqual(['Magnesium Citrate', 'Zinc 50% Extra']);
    expect(await listedNames({ category: 'Pain' })).toEqual([]);
    expect(await listedNames({ category: 'Cough' })).toEqual([]);
  });

  it('requiresPrescription filters both ways', async () => {
    expect(await listedNames({ requiresPrescription: true })).toEqual([
      'Amoxicillin 500 mg',
      'Omeprazole 20 mg',
    ]);
    expect(await listedNames({ requiresPrescription: false })).toEqual(
      ACTIVE_NAMES.filter((name) => !['Amoxicillin 500 mg', 'Omeprazole 20 mg'].includes(name)),
    );
    expect(await listedNames({ requiresPrescription: null })).toEqual(ACTIVE_NAMES);
  });

  it('combined filters must all match', async () => {
    expect(await listedNames({ category: 'allergy', requiresPrescription: false, search: 'labs' })).toEqual([
      'Cetirizine 10 mg',
    ]);
    expect(await listedNames({ manufacturer: 'bayer', category: 'Pain Relief' })).toEqual([
      'Ibuprofen 200 mg',
    ]);
    expect(await listedNames({ search: 'mg', requiresPrescription: true, name: 'ome' })).toEqual([
      'Omeprazole 20 mg',
    ]);
    expect(await listedNames({ manufacturer: 'bayer', category: 'Allergy', name: 'ibuprofen' })).toEqual([]);
  });

  it('product(id) returns any product, discontinued ones included', async () => {
    const reply = await api.request<{ product: ProductView }>(PRODUCT, { id: discontinued.id });
    expect(reply.errors).toBeUndefined();
    expect(reply.data?.product).toMatchObject({
      id: discontinued.id,
      sku: 'DIS-1',
      name: 'Discontinued Cough Syrup',
      isActive: false,
    });
  });

  it('productBySku is case-insensitive', async () => {
    for (const sku of ['amx-500', 'AMX-500', ' Amx-500 ']) {
      const reply = await api.request<{ productBySku: ProductView }>(BY_SKU, { sku });
      expect(reply.errors).toBeUndefined();
      expect(reply.data?.productBySku).toMatchObject({ sku: 'AMX-500', name: 'Amoxicillin 500 mg' });
    }
    const old = await api.request<{ productBySku: ProductView }>(BY_SKU, { sku: 'dis-1' });
    expect(old.data?.productBySku).toMatchObject({ id: discontinued.id, isActive: false });
  });

  it('productBySku refuses an unknown SKU with NOT_FOUND', async () => {
    const reply = await api.request<{ productBySku: ProductView | null }>(BY_SKU, { sku: 'nope-1' });
    const error = expectRefusal(reply, 'NOT_FOUND');
    expect(error.message).toContain('nope-1');
    expect(reply.data?.productBySku).toBeNull();
  });

  it('categories are sorted, distinct, and of active products only', async () => {
    expect(await categories()).toEqual([
      'Allergy',
      'Antibiotics',
      'Digestive',
      'Minerals',
      'Pain Relief',
      'Sleep',
      'Vitamins',
    ]);
  });
});

describe('updateProduct', () => {
  beforeAll(truncate);

  it('changes only the given fields and bumps updatedAt', async () => {
    const original = await createProduct({
      sku: 'IBU-400',
      name: 'Ibuprofen 400 mg',
      description: 'Film-coated tablets',
      price: '6.00',
      category: 'Pain Relief',
      manufacturer: 'Bayer',
    });
    await sleep(20);
    const reply = await api.request<{ updateProduct: ProductView }>(UPDATE, {
      id: original.id,
      input: { price: '6.75', description: null, requiresPrescription: true },
    });
    expect(reply.errors).toBeUndefined();
    const updated = reply.data?.updateProduct;
    expect(updated).toEqual({
      ...original,
      price: '6.75',
      description: null,
      requiresPrescription: true,
      updatedAt: expect.stringMatching(ISO_INSTANT),
    });
    expect(Date.parse(updated?.updatedAt ?? '')).toBeGreaterThan(Date.parse(original.updatedAt));

    const read = await api.request<{ product: ProductView }>(PRODUCT, { id: original.id });
    expect(read.data?.product).toEqual(updated);

    const renamed = await api.request<{ updateProduct: ProductView }>(UPDATE, {
      id: original.id,
      input: { sku: 'ibu-400-b', name: ' Ibuprofen Forte ', currency: 'gbp', manufacturer: null },
    });
    expect(renamed.errors).toBeUndefined();
    expect(renamed.data?.updateProduct).toMatchObject({
      sku: 'IBU-400-B',
      name: 'Ibuprofen Forte',
      currency: 'GBP',
      manufacturer: null,
      price: '6.75',
      category: 'Pain Relief',
      requiresPrescription: true,
      createdAt: original.createdAt,
    });
  });

  it('sets, changes and clears maxQuantityPerOrder (null removes the limit), leaving it alone when absent', async () => {
    const original = await createProduct({ sku: 'LIM-1', name: 'Limited', price: '1.00', category: 'X' });
    const limited = await api.request<{ updateProduct: ProductView }>(UPDATE, {
      id: original.id,
      input: { maxQuantityPerOrder: 3 },
    });
    expect(limited.data?.updateProduct.maxQuantityPerOrder).toBe(3);
    const renamed = await api.request<{ updateProduct: ProductView }>(UPDATE, {
      id: original.id,
      input: { name: 'Still Limited' },
    });
    expect(renamed.data?.updateProduct).toMatchObject({ name: 'Still Limited', maxQuantityPerOrder: 3 });
    const cleared = await api.request<{ updateProduct: ProductView }>(UPDATE, {
      id: original.id,
      input: { maxQuantityPerOrder: null },
    });
    expect(cleared.errors).toBeUndefined();
    expect(cleared.data?.updateProduct.maxQuantityPerOrder).toBeNull();
    const [row] = await sql(service, 'select max_quantity_per_order from product where id = ?', [
      Number(original.id),
    ]);
    expect(row).toEqual({ max_quantity_per_order: null });
  });

  it('an empty input changes nothing', async () => {
    const original = await createProduct({ sku: 'NOOP-1', name: 'Unchanged', price: '1.00', category: 'X' });
    const reply = await api.request<{ updateProduct: ProductView }>(UPDATE, { id: original.id, input: {} });
    expect(reply.errors).toBeUndefined();
    expect(reply.data?.updateProduct).toEqual(original);
  });
});

describe('deleteProduct', () => {
  beforeAll(truncate);

  it('is a soft delete: the product leaves listings and categories but stays readable', async () => {
    const kept = await createProduct({
      sku: 'KEEP-1',
      name: 'Kept',
      price: '1.00',
      category: 'Kept Category',
    });
    const gone = await createProduct({
      sku: 'GONE-1',
      name: 'Gone',
      price: '2.00',
      category: 'Gone Category',
    });
    expect((await list()).items.map((item) => item.sku)).toEqual(['GONE-1', 'KEEP-1']);
    expect(await categories()).toEqual(['Gone Category', 'Kept Category']);

    const reply = await api.request<{ deleteProduct: ProductView }>(DELETE, { id: gone.id });
    expect(reply.errors).toBeUndefined();
    expect(reply.data?.deleteProduct).toMatchObject({ id: gone.id, sku: 'GONE-1', isActive: false });

    const listing = await list();
    expect(listing.items.map((item) => item.id)).toEqual([kept.id]);
    expect(listing.totalCount).toBe(1);
    expect(await listedNames({ search: 'gone' })).toEqual([]);
    expect(await listedNames({ category: 'gone category' })).toEqual([]);
    expect(await categories()).toEqual(['Kept Category']);

    const read = await api.request<{ product: ProductView }>(PRODUCT, { id: gone.id });
    expect(read.errors).toBeUndefined();
    expect(read.data?.product).toMatchObject({ id: gone.id, name: 'Gone', price: '2.00', isActive: false });
    expect(await rowCount()).toBe(2);

    const again = await api.request<{ deleteProduct: ProductView }>(DELETE, { id: gone.id });
    expect(again.errors).toBeUndefined();
    expect(again.data?.deleteProduct.isActive).toBe(false);
  });
});

describe('refusals', () => {
  let existing: ProductView;
  let other: ProductView;

  beforeAll(async () => {
    await truncate();
    existing = await createProduct({ sku: 'DUP-1', name: 'Existing', price: '5.00', category: 'X' });
    other = await createProduct({ sku: 'OTHER-1', name: 'Other', price: '6.00', category: 'Y' });
  });

  /** Asserts that a refused request left the table exactly as it was. */
  async function expectNothingWritten(attempt: () => Promise<void>): Promise<void> {
    const before = await sql(service, 'select * from product order by id');
    await attempt();
    expect(await sql(service, 'select * from product order by id')).toEqual(before);
    expect(await rowCount()).toBe(2);
  }

  const base = { sku: 'NEW-1', name: 'New', price: '1.00', category: 'X' };

  it.each<[string, Record<string, unknown>, string]>([
    ['a negative price', { price: '-1.00' }, 'input.price'],
    ['a non-numeric price', { price: 'abc' }, 'input.price'],
    ['a price with 3 decimals', { price: '1.999' }, 'input.price'],
    ['an empty name', { name: '' }, 'input.name'],
    ['a blank name', { name: '   ' }, 'input.name'],
    ['a name over 200 characters', { name: 'n'.repeat(201) }, 'input.name'],
    ['a bad SKU', { sku: 'has space' }, 'input.sku'],
    ['a bad currency', { currency: 'EURO' }, 'input.currency'],
    ['a maxQuantityPerOrder of 0', { maxQuantityPerOrder: 0 }, 'input.maxQuantityPerOrder'],
    ['a negative maxQuantityPerOrder', { maxQuantityPerOrder: -2 }, 'input.maxQuantityPerOrder'],
  ])('createProduct refuses %s (variable)', async (_, override, field) => {
    await expectNothingWritten(async () => {
      const reply = await api.request(CREATE, { input: { ...base, ...override } });
      expectRefusalNamingField(reply, 'BAD_USER_INPUT', field);
      expect(reply.data).toBeNull();
    });
  });

  it('refuses a NUL character in text input as bad input, not as a database outage', async () => {
    await expectNothingWritten(async () => {
      expectRefusalNamingField(
        await api.request(CREATE, { input: { ...base, name: 'a\u0000b' } }),
        'BAD_USER_INPUT',
        'input.name',
      );
      const search = await api.request(
        'query($filter: ProductFilter) { products(filter: $filter) { totalCount } }',
        {
          filter: { search: 'x\u0000' },
        },
      );
      expect(search.errors?.[0]).toMatchObject({
        message: 'filter.search: must not contain NUL characters',
        extensions: { code: 'BAD_USER_INPUT', field: 'filter.search' },
      });
      const literal = await api.request('{ products(filter: { category: "a\\u0000" }) { totalCount } }');
      expect(literal.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });
  });

  it('createProduct refuses a negative or non-numeric price given as an inline literal', async () => {
    await expectNothingWritten(async () => {
      for (const price of ['"-1"', '"abc"', '-1', '"1.005"']) {
        const reply = await api.request(
          `mutation { createProduct(input: {sku: "NEW-1", name: "New", price: ${price}, category: "X"}) { id } }`,
        );
        expectRefusalNamingField(reply, 'BAD_USER_INPUT', 'input.price');
      }
    });
  });

  it('createProduct refuses a price variable of the wrong JSON type, naming the field', async () => {
    await expectNothingWritten(async () => {
      const reply = await api.request(CREATE, { input: { ...base, price: true } });
      const error = expectRefusal(reply, 'BAD_USER_INPUT');
      expect(error.message).toContain('price');
    });
  });

  it('createProduct refuses a duplicate SKU (any case) with CONFLICT on input.sku', async () => {
    await expectNothingWritten(async () => {
      for (const sku of ['DUP-1', 'dup-1']) {
        const reply = await api.request(CREATE, { input: { ...base, sku } });
        const error = expectRefusal(reply, 'CONFLICT');
        expect(error.extensions?.field).toBe('input.sku');
        expect(error.message).toContain('SKU');
        expect(error.message).toContain('DUP-1');
      }
    });
  });

  it('updateProduct refuses a duplicate SKU with CONFLICT and changes nothing', async () => {
    await expectNothingWritten(async () => {
      const reply = await api.request(UPDATE, { id: other.id, input: { sku: 'dup-1', name: 'Renamed' } });
      const error = expectRefusal(reply, 'CONFLICT');
      expect(error.extensions?.field).toBe('input.sku');
      expect(error.message).toContain('SKU');
    });
    const read = await api.request<{ product: ProductView }>(PRODUCT, { id: other.id });
    expect(read.data?.product).toEqual(other);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a negative price', { price: '-0.01' }, 'input.price'],
    ['a non-numeric price', { price: 'free' }, 'input.price'],
    ['an empty name', { name: ' ' }, 'input.name'],
    ['a null name', { name: null }, 'input.name'],
    ['a null price', { price: null }, 'input.price'],
    ['a null SKU', { sku: null }, 'input.sku'],
    ['a null category', { category: null }, 'input.category'],
    ['a null currency', { currency: null }, 'input.currency'],
    ['a null requiresPrescription', { requiresPrescription: null }, 'input.requiresPrescription'],
    ['a maxQuantityPerOrder of 0', { maxQuantityPerOrder: 0 }, 'input.maxQuantityPerOrder'],
  ])('updateProduct refuses %s', async (_, input, field) => {
    await expectNothingWritten(async () => {
      const reply = await api.request(UPDATE, {
        id: existing.id,
        input: { description: 'changed', ...input },
      });
      expectRefusalNamingField(reply, 'BAD_USER_INPUT', field);
    });
  });

  it.each<[string, number | undefined, number | undefined, string]>([
    ['page 0', 0, undefined, 'page'],
    ['a negative page', -1, 10, 'page'],
    ['pageSize 101', 1, 101, 'pageSize'],
    ['pageSize 0', 1, 0, 'pageSize'],
  ])('products refuses %s', async (_, page, pageSize, field) => {
    const reply = await api.request(LIST, { page, pageSize });
    expectRefusalNamingField(reply, 'BAD_USER_INPUT', field);
  });

  it('accepts pageSize 100', async () => {
    expect((await list(undefined, 1, 100)).pageSize).toBe(100);
  });

  it('refuses an unknown id with NOT_FOUND', async () => {
    const unknown = '999999';
    await expectNothingWritten(async () => {
      const read = await api.request<{ product: ProductView | null }>(PRODUCT, { id: unknown });
      expect(expectRefusal(read, 'NOT_FOUND').message).toContain(unknown);
      expect(read.data).toEqual({ product: null });

      const updated = await api.request(UPDATE, { id: unknown, input: { name: 'Ghost' } });
      expect(expectRefusal(updated, 'NOT_FOUND').message).toContain(unknown);
      expect(updated.data).toBeNull();

      const deleted = await api.request(DELETE, { id: unknown });
      expect(expectRefusal(deleted, 'NOT_FOUND').message).toContain(unknown);
      expect(deleted.data).toBeNull();
    });
  });

  it.each(['abc', '0', '-1', '1.5', '99999999999'])(
    'refuses a malformed id "%s" with BAD_USER_INPUT',
    async (id) => {
      await expectNothingWritten(async () => {
        for (const [query, variables] of [
          [PRODUCT, { id }],
          [UPDATE, { id, input: { name: 'Ghost' } }],
          [DELETE, { id }],
        ] as const) {
          const reply = await api.request(query, variables);
          const error = expectRefusalNamingField(reply, 'BAD_USER_INPUT', 'id');
          expect(error.message).toContain(id);
        }
      });
    },
  );

  it('no response leaked a stack trace or SQL', () => {
    expect(replies.length).toBeGreaterThan(50);
    for (const reply of replies) expectNoLeak(LEAK)(reply);
  });
});
