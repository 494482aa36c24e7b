/**
 * The catalogue search index: a search page from memory is exactly the page Postgres answers (same
 * products, same order, same totalCount) on a generated 5,000-product catalogue, and the index never
 * answers for a catalogue that changed since it was built, however the change races the read. The truth
 * is ProductService without the index, on the same database; which path answered is read from the SQL
 * MikroORM logs.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { EntityManager } from '../../lib/database.ts';
import { ServiceMetrics } from '../../lib/metrics.ts';
import { pageRequest } from '../../lib/paging.ts';
import { prometheusSamples } from '../../scripts/support/prometheus.ts';
import { generatedCatalogue } from '../../test/support/catalogue.ts';
import { sql } from '../../test/support/database.ts';
import {
  silentLogger,
  startTestSubgraph,
  TEST_ROUTER_SECRET,
  type TestSubgraph,
} from '../../test/support/services.ts';
import { sqlLog } from '../../test/support/sql-log.ts';
import { sleep, waitFor } from '../../test/support/waiting.ts';
import { CatalogueListingCache, readCatalogueVersion, type ListingRows } from './catalogue-listing-cache.ts';
import { CatalogueSearchIndex } from './catalogue-search-index.ts';
import { ProductService, type CatalogueMemory, type ProductFilter } from './product.service.ts';
import { productsSubgraph } from './products.subgraph.ts';

const CATALOGUE_SIZE = 5_000;

const { logger: captureLogger, statementsDuring } = sqlLog();

/** The statement that reads an indexed page's rows, and the one that searches in Postgres. */
const INDEXED_ROWS = /cross join catalogue_version v where p\.id in/;
const SEARCHED_IN_POSTGRES = /with "matches" as materialized/;

/** Rows beside the generated ones: each stresses one way text could be matched differently. */
const SPECIAL_ROWS = [
  ['XYZ-1', 'Xyzal Allergy 5 mg', 'UCB', 'Allergy', false, true],
  ['XYZ-2', 'Antihistamine XYZ Forte', 'Bayer Labs', 'ALLERGY', true, true],
  ['XYZ-3', 'Cetirizine (xyz)', null, 'allergy', false, true],
  ['XYZ-4', 'Nasal Spray', 'Xyzon Pharma', 'Cold & Flu', false, true],
  ['XYZ-5', 'Xyzal Discontinued', 'UCB', 'Allergy', false, false],
  ['ODD-1', '50% Off_Cream \\ plain', 'Percent_Labs', 'Skin', false, true],
  ['ODD-2', 'Crème ÉCLAT Forte', 'Quorvax Labs', 'Skin', false, true],
  ['ODD-3', 'Odd\x01name', 'xy', 'Skin', false, true],
  ['ODD-4', 'Mg', 'Ab', 'Skin', false, true],
] as const;

let subgraph: TestSubgraph;
let em: () => EntityManager;
/** The index every test shares, built once at the start (tests that change the catalogue wait for it again). */
let index: CatalogueSearchIndex;
let indexed: () => ProductService;
/** The metrics of `index`. */
let metrics: ServiceMetrics;

const indexOptions = (maxProducts: number) => ({
  em: subgraph.subgraph.orm.em,
  maxProducts,
  logger: silentLogger,
  metrics: new ServiceMetrics('products'),
});

/** A metric's value as /metrics shows it (labels as written there, e.g. `{outcome="built"}`). */
async function metric(registry: ServiceMetrics, name: string): Promise<number | undefined> {
  return prometheusSamples(await registry.registry.metrics()).get(name);
}
let truth: () => ProductService;

/** Waits until the index holds the catalogue as it is now. */
async function indexUpToDate(searchIndex = index): Promise<void> {
  const version = await readCatalogueVersion(em());
  await waitFor('the search index at the current catalogue version', () => {
    searchIndex.page(version, { search: 'any' }, pageRequest(1, 1));
    return searchIndex.version === version;
  });
}

/** A listing's answer, comparable between the two services. */
async function answer(service: ProductService, filter: ProductFilter, page: number, pageSize: number) {
  const listed = await service.list(filter, page, pageSize);
  return {
    totalCount: listed.totalCount,
    hasNextPage: listed.hasNextPage,
    products: listed.items.map((product) => [product.id, product.sku, product.name, product.priceMinor]),
  };
}

beforeAll(async () => {
  subgraph = await startTestSubgraph(
    'products',
    { LOG_LEVEL: 'debug', CATALOGUE_CACHE_ROWS: '0', CATALOGUE_SEARCH_INDEX_PRODUCTS: '0' },
    captureLogger,
  );
  em = () => subgraph.subgraph.orm.em.fork();
  await sql(subgraph, generatedCatalogue(CATALOGUE_SIZE));
  for (const [sku, name, manufacturer, category, requiresPrescription, active] of SPECIAL_ROWS) {
    await em()
      .getConnection()
      .execute(
        `insert into product (sku, name, price_minor, currency, category, manufacturer, requires_prescription,
                              is_active, created_at, updated_at)
         values (?, ?, 999, 'USD', ?, ?, ?, ?, now(), now())`,
        [sku, name, category, manufacturer, requiresPrescription, active],
      );
  }
  metrics = new ServiceMetrics('products');
  index = new CatalogueSearchIndex({ ...indexOptions(100_000), metrics });
  indexed = () => new ProductService({ em: em() }, { searchIndex: index });
  truth = () => new ProductService({ em: em() });
  await indexUpToDate();
});

afterAll(async () => {
  await index?.stop();
  await subgraph?.stop();
});

describe('the catalogue search index', () => {
  it('answers every search as Postgres does: the same products in the same order, the same totalCount', async () => {
    const terms = [
      'ibu',
      'IBU',
      'pharma',
      'xyz',
      'c4ca4238',
      'tab',
      'mg 1',
      'a',
      'ib',
      'zz',
      '50%',
      '%',
      '_',
    ];
    // 'odd' and 'name' find ODD-3, whose name holds the separator itself.
    const others = ['\\', "o'", 'f_c', 'qqqq', 'labs', '  ibu  ', 'odd', 'name'];
    const filters: ProductFilter[] = [...terms, ...others].flatMap((search) => [
      { search },
      { search, category: ' allergy ' },
      { search, requiresPrescription: true },
      { search, category: 'VITAMINS', requiresPrescription: false },
    ]);
    let compared = 0;
    for (const filter of filters) {
      const { totalCount } = await truth().list(filter, 1, 1);
      const lastPage = Math.max(1, Math.ceil(totalCount / 20));
      for (const [page, pageSize] of [
        [1, 20],
        [2, 20],
        [lastPage, 20],
        [lastPage + 1, 20],
        [3, 100],
      ] as const) {
        const expected = await answer(truth(), filter, page, pageSize);
        let got: Awaited<ReturnType<typeof answer>> | undefined;
        const statements = await statementsDuring(async () => {
          got = await answer(indexed(), filter, page, pageSize);
        });
        expect([filter, page, pageSize, got]).toEqual([filter, page, pageSize, expected]);
        // Answered from the index: at most the rows of the page, never the search in Postgres.
        expect(statements.filter((statement) => SEARCHED_IN_POSTGRES.test(statement))).toEqual([]);
        if (expected.products.length > 0) compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(100);
    // The counts that make this a test of a big catalogue, not of a few rows.
    expect((await truth().list({ search: 'pharma' }, 1, 1)).totalCount).toBe(CATALOGUE_SIZE / 4 + 1);
    expect((await truth().list({ search: 'xyz' }, 1, 1)).totalCount).toBe(4);
    // What an operator sees: the products it holds (the active ones) and the one build so far.
    expect(await metric(metrics, 'pharmacy_catalogue_search_index_products')).toBe(CATALOGUE_SIZE + 8);
    expect(await metric(metrics, 'pharmacy_catalogue_search_index_builds_total{outcome="built"}')).toBe(1);
  });

  it("keeps recent searches' matches within the index's size, however many distinct searches a client sends", async () => {
    const version = await readCatalogueVersion(em());
    const indexedProducts = CATALOGUE_SIZE + 8;
    for (let i = 0; i < 500; i++) {
      // Distinct terms and categories that match nothing: each still costs its key and entry.
      expect(
        index.page(version, { search: `zq${i}x`, category: `made up ${i}` }, pageRequest(1, 20)),
      ).toEqual({
        ids: [],
        totalCount: 0,
      });
    }
    expect(index.keptMatchWeight).toBeLessThanOrEqual(indexedProducts + 1);
    // Each counted for more than a position: 500 searches matching nothing filled the bound.
    expect(index.keptMatchWeight).toBeGreaterThan(indexedProducts / 2);
    // What is kept still answers right.
    expect(await answer(indexed(), { search: 'pharma' }, 3, 20)).toEqual(
      await answer(truth(), { search: 'pharma' }, 3, 20),
    );
    expect(index.keptMatchWeight).toBeLessThanOrEqual(indexedProducts + 1);
  });

  it('leaves to Postgres what it could match otherwise: non-ASCII, the separator, name and manufacturer filters', async () => {
    const filters: ProductFilter[] = [
      { search: 'éclat' },
      { search: 'CRÈME' },
      { search: 'd\x01n' },
      { search: 'xyz', name: 'forte' },
      { search: 'ibu', manufacturer: 'teva' },
    ];
    for (const filter of filters) {
      const expected = await answer(truth(), filter, 1, 20);
      let got: Awaited<ReturnType<typeof answer>> | undefined;
      const statements = await statementsDuring(async () => {
        got = await answer(indexed(), filter, 1, 20);
      });
      expect([filter, got]).toEqual([filter, expected]);
      expect(statements.some((statement) => SEARCHED_IN_POSTGRES.test(statement))).toBe(true);
      expect(statements.some((statement) => INDEXED_ROWS.test(statement))).toBe(false);
    }
    expect((await answer(truth(), { search: 'éclat' }, 1, 20)).totalCount).toBe(1);
    expect((await answer(truth(), { search: 'd\x01n' }, 1, 20)).totalCount).toBe(1);
  });

  it('never answers for a changed catalogue: Postgres answers until the index is built again', async () => {
    const before = await answer(indexed(), { search: 'xyz' }, 1, 20);
    expect(before.products.map(([, sku]) => sku)).toEqual(['XYZ-2', 'XYZ-3', 'XYZ-4', 'XYZ-1']);
    const builtAt = index.version;

    await sql(subgraph, "update product set name = 'Nasal Spray Xyzcare' where sku = 'XYZ-4'");
    await sql(subgraph, "update product set is_active = false where sku = 'XYZ-1'");
    let after: Awaited<ReturnType<typeof answer>> | undefined;
    const statements = await statementsDuring(async () => {
      after = await answer(indexed(), { search: 'xyz' }, 1, 20);
    });
    expect(after?.products.map(([, sku, name]) => [sku, name])).toEqual([
      ['XYZ-2', 'Antihistamine XYZ Forte'],
      ['XYZ-3', 'Cetirizine (xyz)'],
      ['XYZ-4', 'Nasal Spray Xyzcare'],
    ]);
    expect(after?.totalCount).toBe(3);
    expect(statements.some((statement) => SEARCHED_IN_POSTGRES.test(statement))).toBe(true);

    // Built again in the background, at the new version, with the change.
    await indexUpToDate();
    expect(index.version).not.toBe(builtAt);
    const rebuilt = await statementsDuring(async () => {
      expect(await answer(indexed(), { search: 'xyzcare' }, 1, 20)).toEqual(
        await answer(truth(), { search: 'xyzcare' }, 1, 20),
      );
    });
    expect(rebuilt.some((statement) => INDEXED_ROWS.test(statement))).toBe(true);
    expect((await answer(indexed(), { search: 'xyz' }, 1, 20)).totalCount).toBe(3);
  });

  it('drops its page when a write commits between the version read and the rows read', async () => {
    await indexUpToDate();
    const connection = em().getConnection();
    // A listing cache that lets a writer commit right after it read the version (and keeps nothing).
    class WriterInBetween extends CatalogueListingCache {
      override listing(
        manager: EntityManager,
        key: string,
        read: (version: string | undefined) => Promise<ListingRows>,
      ): Promise<ListingRows> {
        return super.listing(manager, `${key}${Math.random()}`, async (version) => {
          await connection.execute("update product set name = 'Antihistamine Forte' where sku = 'XYZ-2'");
          return read(version);
        });
      }
    }
    const memory: CatalogueMemory = { listings: new WriterInBetween(1), searchIndex: index };
    const raced = await answer(new ProductService({ em: em() }, memory), { search: 'xyz' }, 1, 20);
    // The index, at the version read, still lists XYZ-2; Postgres after the write does not.
    expect(raced.products.map(([, sku]) => sku)).toEqual(['XYZ-3', 'XYZ-4']);
    expect(raced).toEqual(await answer(truth(), { search: 'xyz' }, 1, 20));
  });

  it('reads Postgres inside a transaction, where the version could be its own', async () => {
    await indexUpToDate();
    await em().transactional(async (tx) => {
      await tx.execute("update product set name = 'Xyzal Uncommitted' where sku = 'XYZ-3'");
      const statements = await statementsDuring(async () => {
        const page = await new ProductService({ em: tx }, { searchIndex: index }).list(
          { search: 'xyz' },
          1,
          20,
        );
        expect(page.items.map((product) => product.name)).toContain('Xyzal Uncommitted');
      });
      expect(statements.some((statement) => INDEXED_ROWS.test(statement))).toBe(false);
      await tx.execute("update product set name = 'Cetirizine (xyz)' where sku = 'XYZ-3'");
    });
  });

  it('indexes no more than its bound: a larger catalogue is searched in Postgres until it shrinks', async () => {
    const smallMetrics = new ServiceMetrics('products');
    const small = new CatalogueSearchIndex({ ...indexOptions(CATALOGUE_SIZE), metrics: smallMetrics });
    const tooLarge = () =>
      metric(smallMetrics, 'pharmacy_catalogue_search_index_builds_total{outcome="too_large"}');
    try {
      const version = await readCatalogueVersion(em());
      expect(small.page(version, { search: 'ibu' }, pageRequest(1, 20))).toBeUndefined();
      await waitFor('the build to find the catalogue too large', async () => (await tooLarge()) === 1);
      expect(small.version).toBeUndefined();
      expect(await metric(smallMetrics, 'pharmacy_catalogue_search_index_products')).toBe(0);
      const service = new ProductService({ em: em() }, { searchIndex: small });
      expect(await answer(service, { search: 'ibu' }, 1, 20)).toEqual(
        await answer(truth(), { search: 'ibu' }, 1, 20),
      );

      // Ten products discontinued: within the bound at the new version, it is built.
      await sql(subgraph, "update product set is_active = false where sku like 'GEN-1_'");
      await indexUpToDate(small);
      expect(await tooLarge()).toBe(1);
      const active = await sql<{ n: number }>(
        subgraph,
        'select count(*)::int as n from product where is_active',
      );
      expect(await metric(smallMetrics, 'pharmacy_catalogue_search_index_products')).toBe(active[0]?.n);
    } finally {
      await small.stop();
      await sql(subgraph, "update product set is_active = true where sku like 'GEN-1_'");
    }
  });

  it('waits nine times as long as a build took before the next one', async () => {
    let clock = 1_000_000;
    const pausedMetrics = new ServiceMetrics('products');
    const paused = new CatalogueSearchIndex({
      ...indexOptions(100_000),
      metrics: pausedMetrics,
      now: () => clock,
    });
    const builds = () =>
      metric(pausedMetrics, 'pharmacy_catalogue_search_index_builds_total{outcome="built"}');
    try {
      // The first build "takes" 100 ms on this clock: the next may start 900 ms after it ended.
      const first = await readCatalogueVersion(em());
      paused.page(first, { search: 'ibu' }, pageRequest(1, 20));
      clock += 100;
      await waitFor('the first build', () => paused.version === first);
      await sql(subgraph, "update product set price_minor = price_minor + 1 where sku = 'GEN-2'");
      const second = await readCatalogueVersion(em());
      clock += 899;
      expect(paused.page(second, { search: 'ibu' }, pageRequest(1, 20))).toBeUndefined();
      await sleep(300);
      expect([paused.version, await builds()]).toEqual([first, 1]);
      clock += 1;
      paused.page(second, { search: 'ibu' }, pageRequest(1, 20));
      await waitFor('the second build', () => paused.version === second);
      expect(await builds()).toBe(2);
    } finally {
      await paused.stop();
    }
  });

  it('stops a build under way', async () => {
    const stopped = new CatalogueSearchIndex(indexOptions(100_000));
    stopped.page(await readCatalogueVersion(em()), { search: 'ibu' }, pageRequest(1, 20));
    await stopped.stop();
    expect(stopped.version).toBeUndefined();
    // Stopped, it never builds again.
    stopped.page(await readCatalogueVersion(em()), { search: 'ibu' }, pageRequest(1, 20));
    await stopped.stop();
    expect(stopped.version).toBeUndefined();
  });

  it('is configured by CATALOGUE_SEARCH_INDEX_PRODUCTS: 200,000 by default, 0 for none', async () => {
    const env = { DATABASE_URL: subgraph.database.url, ROUTER_SECRET: TEST_ROUTER_SECRET };
    expect(productsSubgraph.readConfig(env).searchIndexProducts).toBe(200_000);
    // The subgraph as configured by default builds one and answers from it, beside its listing cache.
    const { createContext, stop } = await productsSubgraph.assemble(productsSubgraph.readConfig(env), {
      orm: subgraph.subgraph.orm,
      logger: silentLogger,
      metrics: new ServiceMetrics('products'),
    });
    const search = (page: number) =>
      createContext({ em: em(), viewer: null, requestId: 'indexed', logger: silentLogger }).products.list(
        { search: 'ibu' },
        page,
        1,
      );
    // A page not asked for before each time, so that the listing cache does not answer it.
    let page = 1;
    await search(page);
    const fromIndex = await waitFor('a page from the index', async () => {
      const statements = await statementsDuring(() => search((page += 1)));
      return statements.some((statement) => INDEXED_ROWS.test(statement));
    });
    expect(fromIndex).toBe(true);
    await stop?.();
    expect(
      productsSubgraph.readConfig({ ...env, CATALOGUE_SEARCH_INDEX_PRODUCTS: '0' }).searchIndexProducts,
    ).toBe(0);
    expect(() => productsSubgraph.readConfig({ ...env, CATALOGUE_SEARCH_INDEX_PRODUCTS: '-1' })).toThrow(
      'CATALOGUE_SEARCH_INDEX_PRODUCTS must be an integer between 0 and 1000000, got "-1"',
    );
  });
});
