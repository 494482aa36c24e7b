/**
 * The listing cache: a page asked for again costs one read of the catalogue version and is the page
 * Postgres would answer, whoever changed the catalogue (this replica, another one, plain SQL) and however
 * a change races the read. Two replicas of the products subgraph over one real database; SQL is counted
 * from MikroORM's debug log.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ServiceMetrics } from '../../lib/metrics.ts';
import { createSubgraph, type Subgraph } from '../../lib/subgraph.ts';
import { sql } from '../../test/support/database.ts';
import { sqlLog } from '../../test/support/sql-log.ts';
import { startTestSubgraph, TEST_ROUTER_SECRET, type TestSubgraph } from '../../test/support/services.ts';
import { subgraphClient } from '../../test/support/subgraph-client.ts';
import { CatalogueListingCache } from './catalogue-listing-cache.ts';
import type { ProductRecord } from './product.entity.ts';
import { ProductService, type ProductFilter } from './product.service.ts';
import { productsSubgraph } from './products.subgraph.ts';

/** The SQL both replicas run. */
const { logger: captureLogger, statementsDuring: sqlDuring } = sqlLog();

const VERSION_READ = 'select version from catalogue_version';

/** The search index (catalogue-search-index.test.ts) off: its background builds would add their SQL here. */
const NO_SEARCH_INDEX = { CATALOGUE_SEARCH_INDEX_PRODUCTS: '0' };

const SEARCH = `query Search($search: String, $page: Int) {
  products(filter: { search: $search }, page: $page, pageSize: 2) {
    totalCount hasNextPage items { id sku name manufacturer price }
  }
}`;

interface SearchPage {
  totalCount: number;
  hasNextPage: boolean;
  items: { id: string; sku: string; name: string; manufacturer: string | null; price: string }[];
}

let first: TestSubgraph;
let second: Subgraph;
let secondUrl: string;

async function search(replica: TestSubgraph | string, term: string, page = 1): Promise<SearchPage> {
  const reply = await subgraphClient(replica).request<{ products: SearchPage }>(SEARCH, {
    search: term,
    page,
  });
  expect(reply.errors).toBeUndefined();
  if (!reply.data) throw new Error('no data');
  return reply.data.products;
}

const skus = (page: SearchPage) => page.items.map((item) => item.sku);

/** A product record for pages that the cache only counts. */
const record = (id: number): ProductRecord => ({
  id,
  sku: `FAKE-${id}`,
  name: `Fake ${id}`,
  description: null,
  priceMinor: 100,
  currency: 'USD',
  category: 'Fake',
  manufacturer: null,
  requiresPrescription: false,
  maxQuantityPerOrder: null,
  isActive: true,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});

interface ListingArguments {
  filter: ProductFilter;
  page?: number;
  pageSize?: number;
}

const LIST = `query List($filter: ProductFilter, $page: Int, $pageSize: Int) {
  products(filter: $filter, page: $page, pageSize: $pageSize) { totalCount items { sku } }
}`;

/** totalCount and the SKUs of a listing through the subgraph. */
async function list(
  replica: TestSubgraph,
  { filter, page, pageSize }: ListingArguments,
): Promise<{ totalCount: number; skus: string[] }> {
  const reply = await subgraphClient(replica).request<{
    products: { totalCount: number; items: { sku: string }[] };
  }>(LIST, { filter, page, pageSize: pageSize ?? 20 });
  expect(reply.errors).toBeUndefined();
  const products = reply.data?.products;
  if (!products) throw new Error('no data');
  return { totalCount: products.totalCount, skus: products.items.map((item) => item.sku) };
}

beforeAll(async () => {
  first = await startTestSubgraph('products', { LOG_LEVEL: 'debug', ...NO_SEARCH_INDEX }, captureLogger);
  await sql(
    first,
    `insert into product (sku, name, price_minor, currency, category, manufacturer, requires_prescription,
                          is_active, created_at, updated_at)
     values ('CACHE-1', 'Cachetol 100mg', 500, 'USD', 'Pain Relief', 'Acme', false, true, now(), now()),
            ('CACHE-2', 'Cachetol 200mg', 700, 'USD', 'Pain Relief', 'Acme', false, true, now(), now()),
            ('CACHE-3', 'Cachetol 400mg', 900, 'USD', 'Pain Relief', 'Acme', false, true, now(), now()),
            ('OTHER-1', 'Unrelated Syrup', 300, 'USD', 'Allergy', 'Zenith', false, true, now(), now())`,
  );
  // A second replica of the subgraph on the same database, with its own cache.
  second = await createSubgraph(
    productsSubgraph,
    productsSubgraph.readConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'debug',
      DATABASE_URL: first.database.url,
      MIGRATE_ON_START: 'false',
      ROUTER_SECRET: TEST_ROUTER_SECRET,
      ...NO_SEARCH_INDEX,
    }),
    captureLogger,
  );
  secondUrl = (await second.listen()).url;
});

afterAll(async () => {
  await second?.close();
  await first?.stop();
});

describe('the catalogue listing cache', () => {
  it('serves a page asked for again from memory: one read of the version, the same answer', async () => {
    let firstAnswer: SearchPage | undefined;
    const read = await sqlDuring(async () => {
      firstAnswer = await search(first, 'cachetol');
    });
    expect(firstAnswer).toMatchObject({ totalCount: 3, hasNextPage: true });
    expect(skus(firstAnswer as SearchPage)).toEqual(['CACHE-1', 'CACHE-2']);
    expect(read[0]).toBe(VERSION_READ);
    expect(read.slice(1).some((statement) => statement.includes('from "product"'))).toBe(true);

    let again: SearchPage | undefined;
    const reread = await sqlDuring(async () => {
      again = await search(first, 'cachetol');
    });
    expect(reread).toEqual([VERSION_READ]);
    expect(again).toEqual(firstAnswer);

    // Another page, another term, or the same term with other surrounding spaces are their own entries
    // where the query differs, and one entry where it does not.
    expect(skus(await search(first, 'cachetol', 2))).toEqual(['CACHE-3']);
    expect(await sqlDuring(() => search(first, '  cachetol '))).toEqual([VERSION_READ]);
    const otherTerm = await sqlDuring(() => search(first, 'CACHETOL'));
    expect(otherTerm.length).toBeGreaterThan(1);
  });

  it("drops what a write changed, at once, on every replica: this one's mutation, plain SQL, a delete", async () => {
    expect((await search(secondUrl, 'cachetol')).totalCount).toBe(3);
    expect(await sqlDuring(() => search(secondUrl, 'cachetol'))).toEqual([VERSION_READ]);

    // Renamed through the first replica: the second one's page shows the new name.
    const [{ id } = { id: 0 }] = await sql<{ id: number }>(
      first,
      "select id from product where sku = 'CACHE-1'",
    );
    const renamed = await subgraphClient(first).request(
      'mutation Rename($id: ID!) { updateProduct(id: $id, input: { name: "Cachetol Forte 100mg" }) { id } }',
      { id: String(id) },
      { userId: 1, role: 'ADMIN' },
    );
    expect(renamed.errors).toBeUndefined();
    expect((await search(secondUrl, 'cachetol')).items.map((item) => item.name)).toEqual([
      'Cachetol 200mg',
      'Cachetol 400mg',
    ]);
    expect((await search(secondUrl, 'forte')).items.map((item) => item.name)).toEqual([
      'Cachetol Forte 100mg',
    ]);

    // A row added by plain SQL, and one discontinued: both replicas count them.
    await sql(
      first,
      `insert into product (sku, name, price_minor, currency, category, manufacturer, requires_prescription,
                            is_active, created_at, updated_at)
       values ('CACHE-4', 'Cachetol 150mg', 300, 'USD', 'Pain Relief', 'Acme', false, true, now(), now())`,
    );
    expect((await search(first, 'cachetol')).totalCount).toBe(4);
    expect(skus(await search(secondUrl, 'cachetol'))).toEqual(['CACHE-4', 'CACHE-2']);
    await sql(first, "update product set is_active = false where sku = 'CACHE-4'");
    expect((await search(first, 'cachetol')).totalCount).toBe(3);
    expect((await search(secondUrl, 'cachetol')).totalCount).toBe(3);
    await sql(first, "update product set is_active = true where sku = 'CACHE-4'");
    expect((await search(secondUrl, 'cachetol')).totalCount).toBe(4);
    await sql(first, "delete from product where sku = 'CACHE-4'");
    expect((await search(first, 'cachetol')).totalCount).toBe(3);
    expect((await search(secondUrl, 'cachetol')).totalCount).toBe(3);
  });

  it('keys a page on every filter and both page arguments', async () => {
    const truth = new ProductService({ em: first.subgraph.orm.em.fork() });
    // Each listing differs from the one before in one argument only: a key without it would answer the
    // one before. Asked twice each, so the second answer comes from memory.
    const listings: ListingArguments[] = [
      { filter: { search: 'cachetol' } },
      { filter: { search: 'cachetol', name: '400' } },
      { filter: { search: 'cachetol', name: '400', manufacturer: 'zenith' } },
      { filter: { search: 'cachetol' }, pageSize: 1 },
      { filter: { search: 'cachetol' }, pageSize: 1, page: 2 },
      { filter: {} },
      { filter: { category: 'allergy' } },
      { filter: { category: 'ALLERGY ' } },
      { filter: { requiresPrescription: false } },
      { filter: { requiresPrescription: true } },
    ];
    for (const listing of listings) {
      const expected = await truth.list(listing.filter, listing.page, listing.pageSize ?? 20);
      for (let asked = 0; asked < 2; asked++) {
        const answer = await list(first, listing);
        expect([listing, answer]).toEqual([
          listing,
          { totalCount: expected.totalCount, skus: expected.items.map((product) => product.sku) },
        ]);
      }
    }
  });

  it('does not serve a page read while a write was still uncommitted once it commits', async () => {
    const em = first.subgraph.orm.em.fork();
    const connection = em.getConnection();
    const cache = new CatalogueListingCache(10);
    // A writer commits between the version read and the rows read: the rows are newer than the version
    // they are kept under, which the commit has already left behind.
    const raced = await cache.listing(em, 'race', async () => {
      await connection.execute("update product set price_minor = price_minor + 1 where sku = 'OTHER-1'");
      return { rows: [], totalCount: 1 };
    });
    expect(raced.totalCount).toBe(1);
    let reads = 0;
    const next = await cache.listing(em, 'race', async () => {
      reads += 1;
      return { rows: [], totalCount: 2 };
    });
    expect([reads, next.totalCount]).toEqual([1, 2]);

    // An uncommitted write neither shows in the page nor raises the version the cache reads.
    await em.transactional(async (tx) => {
      await tx
        .getConnection()
        .execute(
          "update product set name = 'Uncommitted Syrup' where sku = 'OTHER-1'",
          [],
          'run',
          tx.getTransactionContext(),
        );
      const during = await search(first, 'syrup');
      expect(during.items.map((item) => item.name)).toEqual(['Unrelated Syrup']);
    });
    expect((await search(first, 'syrup')).items.map((item) => item.name)).toEqual(['Uncommitted Syrup']);
  });

  it('keeps at most its rows, each page counting one more, forgetting the least recently used first', async () => {
    const em = first.subgraph.orm.em.fork();
    const cache = new CatalogueListingCache(8);
    const reads: string[] = [];
    const page = (key: string, rows: number) =>
      cache.listing(em, key, async () => {
        reads.push(key);
        return { rows: Array.from({ length: rows }, (_, id) => record(id)), totalCount: rows };
      });
    await page('a', 2);
    await page('b', 2);
    expect(cache.rows).toBe(6);
    await page('a', 2); // kept; now the most recently used
    await page('c', 2); // 9 > 8: b, the least recently used, goes
    expect(cache.rows).toBe(6);
    await page('a', 2);
    await page('b', 2); // read again; c goes
    await page('big', 8); // 9 on its own, more than it may keep: read, nothing kept, nothing forgotten
    await page('a', 2);
    expect(reads).toEqual(['a', 'b', 'c', 'b', 'big']);
    expect(cache.rows).toBe(6);
    // Pages that found nothing count too: any number of distinct searches keeps at most 8.
    for (let i = 0; i < 50; i++) await page(`nothing-${i}`, 0);
    expect(cache.rows).toBe(8);
    await page('a', 2);
    expect(reads.at(-1)).toBe('a');
  });

  it('reads every page inside a transaction, where the version could be its own', async () => {
    const cache = new CatalogueListingCache(10);
    let reads = 0;
    const read = async () => ({ rows: [], totalCount: (reads += 1) });
    await first.subgraph.orm.em.fork().transactional(async (tx) => {
      const statements = await sqlDuring(async () => {
        await cache.listing(tx, 'in-transaction', read);
        await cache.listing(tx, 'in-transaction', read);
      });
      expect(statements.filter((statement) => statement === VERSION_READ)).toEqual([]);
    });
    expect([reads, cache.rows]).toEqual([2, 0]);
  });

  it('without CATALOGUE_CACHE_ROWS (0) and the search index reads every listing from Postgres', async () => {
    const config = productsSubgraph.readConfig({
      DATABASE_URL: first.database.url,
      ROUTER_SECRET: TEST_ROUTER_SECRET,
      CATALOGUE_CACHE_ROWS: '0',
      ...NO_SEARCH_INDEX,
    });
    expect(config.catalogueCacheRows).toBe(0);
    expect(() =>
      productsSubgraph.readConfig({
        DATABASE_URL: first.database.url,
        ROUTER_SECRET: TEST_ROUTER_SECRET,
        CATALOGUE_CACHE_ROWS: '200001',
      }),
    ).toThrow('CATALOGUE_CACHE_ROWS must be an integer between 0 and 200000, got "200001"');
    const { createContext } = await productsSubgraph.assemble(config, {
      orm: first.subgraph.orm,
      logger: captureLogger,
      metrics: new ServiceMetrics('products'),
    });
    for (let asked = 0; asked < 2; asked++) {
      const { products } = createContext({
        em: first.subgraph.orm.em.fork(),
        viewer: null,
        requestId: 'uncached',
        logger: captureLogger,
      });
      const statements = await sqlDuring(() => products.list({ search: 'cachetol' }, 1, 20));
      expect(statements).not.toContain(VERSION_READ);
      expect(statements.some((statement) => statement.includes('from "product"'))).toBe(true);
    }
  });

  it('hands every request the same frozen records of a kept page, not entities to track', async () => {
    const cache = new CatalogueListingCache(100);
    const [firstEm, secondEm] = [first.subgraph.orm.em.fork(), first.subgraph.orm.em.fork()];
    const once = await new ProductService({ em: firstEm }, { listings: cache }).list(
      { search: 'cachetol' },
      1,
      20,
    );
    const again = await new ProductService({ em: secondEm }, { listings: cache }).list(
      { search: 'cachetol' },
      1,
      20,
    );
    expect(once.items.length).toBeGreaterThan(0);
    expect(again.items).toHaveLength(once.items.length);
    again.items.forEach((item, i) => expect(item).toBe(once.items[i]));
    expect(once.items.every((item) => Object.isFrozen(item))).toBe(true);
    // Converted as MikroORM maps an entity's columns to its properties.
    const [item] = once.items;
    expect([typeof item?.id, typeof item?.priceMinor, typeof item?.isActive]).toEqual([
      'number',
      'number',
      'boolean',
    ]);
    expect(item?.createdAt).toBeInstanceOf(Date);
    expect(secondEm.getUnitOfWork().getIdentityMap().values()).toEqual([]);
  });

  it('drops every page when the table is truncated', async () => {
    expect((await search(first, 'syrup')).totalCount).toBe(1);
    expect((await search(secondUrl, 'syrup')).totalCount).toBe(1);
    await sql(first, 'truncate product');
    expect((await search(first, 'syrup')).totalCount).toBe(0);
    expect((await search(secondUrl, 'syrup')).totalCount).toBe(0);
  });
});
