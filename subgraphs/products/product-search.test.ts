/**
 * Search stays fast on a big catalogue: on 50,000 products the listing's search SQL must be served by the
 * trigram index of the lowered name and manufacturer (a Bitmap Index Scan on product_active_search_text_trgm),
 * never by a sequential scan of the product table; it finds what ILIKE on either column finds, no more.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MikroORM } from '@mikro-orm/postgresql';
import { migrateDatabase, openDatabase } from '../../lib/database.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { silentLogger } from '../../test/support/services.ts';
import { generatedCatalogue } from '../../test/support/catalogue.ts';
import { sqlLog } from '../../test/support/sql-log.ts';
import { CreateProduct } from './migrations/20261125-create-product.migration.ts';
import { AddProductMaxQuantityPerOrder } from './migrations/20261127-product-max-quantity-per-order.migration.ts';
import { AddProductSearchText } from './migrations/20261205-product-search-text.migration.ts';
import { Product } from './product.entity.ts';
import {
  productListingQuery,
  productSearchQueries,
  ProductService,
  type ProductFilter,
} from './product.service.ts';
import { pageRequest } from '../../lib/paging.ts';
import { containsPattern } from './product.rules.ts';

const CATALOGUE_SIZE = 50_000;

/** The rows a search for "xyz" must find (name or manufacturer, any case), and one it must not. */
const XYZ_ROWS = [
  ['XYZ-1', 'Xyzal Allergy 5 mg', 'UCB', true],
  ['XYZ-2', 'Antihistamine XYZ Forte', 'Bayer Labs', true],
  ['XYZ-3', 'Cetirizine (xyz)', null, true],
  ['XYZ-4', 'Nasal Spray', 'Xyzon Pharma', true],
  ['XYZ-5', 'Eye Drops', 'Labs xYz', true],
  ['XYZ-6', 'Xyzal Discontinued', 'UCB', false],
] as const;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

let database: TestDatabase;
let orm: MikroORM;

beforeAll(async () => {
  database = await createTestDatabase('products_search');
  orm = await openDatabase({
    url: database.url,
    entities: [Product],
    migrations: [CreateProduct, AddProductMaxQuantityPerOrder, AddProductSearchText],
    poolMax: 2,
    logger: silentLogger,
  });
  await migrateDatabase(orm, silentLogger);
  const connection = orm.em.fork().getConnection();
  await connection.execute(generatedCatalogue(CATALOGUE_SIZE));
  for (const [sku, name, manufacturer, active] of XYZ_ROWS) {
    await connection.execute(
      `insert into product (sku, name, price_minor, currency, category, manufacturer, requires_prescription,
                            is_active, created_at, updated_at)
       values (?, ?, 999, 'USD', 'Allergy', ?, false, ?, now(), now())`,
      [sku, name, manufacturer, active],
    );
  }
  await connection.execute('analyze product');
});

afterAll(async () => {
  await orm?.close();
  await database?.drop();
});

/** The SQL (with `?` placeholders) that ProductService.list runs, read from MikroORM's debug log. */
async function sqlOfList(filter: ProductFilter, page = 1): Promise<string[]> {
  const { logger, statementsDuring } = sqlLog();
  const logged = await openDatabase({
    url: database.url,
    entities: [Product],
    migrations: [],
    poolMax: 1,
    logger,
  });
  try {
    const statements = await statementsDuring(() =>
      new ProductService({ em: logged.em.fork() }).list(filter, page),
    );
    return statements.filter((statement) => statement.includes('"product"'));
  } finally {
    await logged.close();
  }
}

/** The two statements of a search (the page and the count), as ProductService.list builds them. */
function listingQueries(filter: ProductFilter) {
  return productSearchQueries(orm.em.fork(), productListingQuery(filter), pageRequest(1, 20));
}

async function explain(sql: string, params: readonly unknown[]): Promise<PlanNode[]> {
  const [row] = await orm.em
    .fork()
    .getConnection()
    .execute<{ 'QUERY PLAN': { Plan: PlanNode }[] }[]>(`explain (format json) ${sql}`, [...params]);
  const plan = row?.['QUERY PLAN'][0]?.Plan;
  if (!plan) throw new Error('no plan');
  return planNodes(plan);
}

function expectTrigramIndexScans(nodes: PlanNode[]): void {
  const bitmapIndexes = nodes
    .filter((node) => node['Node Type'] === 'Bitmap Index Scan')
    .map((node) => node['Index Name']);
  expect(bitmapIndexes).toEqual(['product_active_search_text_trgm']);
  expect(nodes.filter((node) => node['Node Type'] === 'Seq Scan')).toEqual([]);
}

describe(`search on ${CATALOGUE_SIZE.toLocaleString('en')} products`, () => {
  it('the built queries are exactly the SQL ProductService.list runs: the page counts the matches too', async () => {
    const { page, count } = listingQueries({ search: 'xyz' });
    expect(await sqlOfList({ search: 'xyz' })).toEqual([page.getQuery()]);
    // Past the last match the page has no row to carry the count, so it is counted on its own.
    const beyond = productSearchQueries(
      orm.em.fork(),
      productListingQuery({ search: 'xyz' }),
      pageRequest(5, 20),
    );
    expect(await sqlOfList({ search: 'xyz' }, 5)).toEqual([beyond.page.getQuery(), count.getQuery()]);
  });

  it.each(['xyz', 'c4ca4238', 'zzqq'])(
    'search "%s" uses the trigram indexes, never a Seq Scan',
    async (search) => {
      const { page, count } = listingQueries({ search });
      // The page joins its sorted matches as a subquery, which MikroORM writes with its values inlined.
      expect(page.getFormattedQuery()).toMatch(/search_text like lower\('%/);
      expectTrigramIndexScans(await explain(page.getFormattedQuery(), []));
      expect(count.getQuery()).toMatch(/search_text like lower\(\?\)/);
      expectTrigramIndexScans(await explain(count.getQuery(), count.getParams()));
      expectTrigramIndexScans(await explain(count.getFormattedQuery(), []));
    },
  );

  it('returns the matching active rows from the big table', async () => {
    const em = orm.em.fork();
    const service = new ProductService({ em });
    const xyz = await service.list({ search: 'xyz' }, 1, 100);
    expect(xyz.totalCount).toBe(5);
    expect(xyz.items.map((product) => product.sku)).toEqual(['XYZ-2', 'XYZ-3', 'XYZ-5', 'XYZ-4', 'XYZ-1']);
    expect(xyz.items.map((product) => product.name)).toEqual([
      'Antihistamine XYZ Forte',
      'Cetirizine (xyz)',
      'Eye Drops',
      'Nasal Spray',
      'Xyzal Allergy 5 mg',
    ]);

    // md5('1') starts with c4ca4238: generated row 1 only.
    const one = await service.list({ search: 'C4CA4238' }, 1, 20);
    expect(one.totalCount).toBe(1);
    expect(one.items.map((product) => product.sku)).toEqual(['GEN-1']);

    const [{ n } = { n: -1 }] = await em
      .getConnection()
      .execute<{ n: number }[]>(
        "select count(*)::int as n from product where is_active and (name ilike '%pharma%' or manufacturer ilike '%pharma%')",
      );
    const pharma = await service.list({ search: 'PHARMA' }, 3, 100);
    expect(pharma.totalCount).toBe(n);
    expect(n).toBeGreaterThan(10_000);
    expect(pharma.items).toHaveLength(100);
    expect(pharma.hasNextPage).toBe(true);
  });

  it('finds exactly what ILIKE on the name or the manufacturer finds, never across the two', async () => {
    const em = orm.em.fork();
    const connection = em.getConnection();
    await connection.execute(
      `insert into product (sku, name, price_minor, currency, category, manufacturer, requires_prescription,
                            is_active, created_at, updated_at)
       values ('SEP-1', 'Crème ÉCLAT Forte', 999, 'USD', 'Skin', 'Quorvax Labs', false, true, now(), now()),
              ('SEP-2', 'Odd' || chr(1) || 'name\\%_o''é',  999, 'USD', 'Skin', null, false, true, now(), now())`,
    );
    const ilikeCount = async (term: string) => {
      const [{ n } = { n: -1 }] = await connection.execute<{ n: number }[]>(
        'select count(*)::int as n from product where is_active and (name ilike ? or manufacturer ilike ?)',
        [containsPattern(term), containsPattern(term)],
      );
      return n;
    };
    const service = new ProductService({ em });
    // Also the characters LIKE and SQL quoting treat specially: the page inlines its values (see above).
    const terms = ['éclat', 'CRÈME', 'forte quorvax', 'forte\x01quorvax', '\x01', 'd\x01n', 'pharma'];
    for (const term of [...terms, '%', '_', "o'", '\\', "\\%_o'", 'É_c', 'e\\%']) {
      const { totalCount } = await service.list({ search: term }, 1, 20);
      expect([term, totalCount]).toEqual([term, await ilikeCount(term)]);
    }
    expect(await ilikeCount("\\%_o'")).toBe(1);
    expect(await ilikeCount('d\x01n')).toBe(1);
    expect((await service.list({ search: 'éclat' }, 1, 20)).items.map((product) => product.sku)).toEqual([
      'SEP-1',
    ]);
    expect((await service.list({ search: 'forte quorvax' }, 1, 20)).totalCount).toBe(0);
    expect((await service.list({ search: 'forte\x01quorvax' }, 1, 20)).totalCount).toBe(0);
    // Written rows are searchable at once: the column is generated by Postgres.
    await connection.execute("update product set manufacturer = 'Zeltrix' where sku = 'SEP-1'");
    expect((await service.list({ search: 'ZELTRIX' }, 1, 20)).items.map((product) => product.sku)).toEqual([
      'SEP-1',
    ]);
    await connection.execute("delete from product where sku in ('SEP-1', 'SEP-2')");
  });
});
