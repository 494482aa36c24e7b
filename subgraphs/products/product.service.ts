/**
 * The catalogue: listing, search and changes to products. One instance per request (it holds the
 * request's EntityManager and its DataLoader).
 */
import type { RequestScope } from '../../lib/request-scope.ts';
import { raw, sql, UniqueConstraintViolationException, type FilterQuery } from '@mikro-orm/core';
import type { QBFilterQuery } from '@mikro-orm/postgresql';
import type { EntityManager } from '../../lib/database.ts';
import { ConflictError, NotFoundError } from '../../lib/errors.ts';
import { parseRowId } from '../../lib/ids.ts';
import { createRowLoader, loadReference } from '../../lib/row-loader.ts';
import { pageRequest, toPage, type Page, type PageRequest } from '../../lib/paging.ts';
import { catalogueVersion, type CatalogueListingCache, type ListingRows } from './catalogue-listing-cache.ts';
import type { CatalogueSearchIndex } from './catalogue-search-index.ts';
import { Product, type ProductRecord } from './product.entity.ts';
import {
  containsPattern,
  normalizeSku,
  validateFilterText,
  validateNewProduct,
  validateProductChanges,
  type ProductInputFields,
} from './product.rules.ts';

export interface ProductFilter {
  search?: string | null;
  name?: string | null;
  manufacturer?: string | null;
  category?: string | null;
  requiresPrescription?: boolean | null;
}

/**
 * Joins the name and the manufacturer in product.search_text (migration 20261205-product-search-text): a
 * control character no search term can hold unless it holds this very one (then the columns are matched
 * one by one as well), so a term never matches across the two.
 */
export const SEARCH_TEXT_SEPARATOR = '\x01';

/** The SQL condition for a listing: active products matching every given filter. */
export function productListingQuery(filter: ProductFilter = {}): FilterQuery<Product> {
  const conditions: FilterQuery<Product>[] = [{ isActive: true }];
  const search = filter.search?.trim();
  if (search) {
    const pattern = containsPattern(search);
    // lower(name) || sep || lower(manufacturer) LIKE lower(pattern) is what ILIKE on each column does (it
    // lowers both sides), with the lowering of the rows done once, when they were written.
    conditions.push({ [raw((alias) => `${alias}.search_text like lower(?)`, [pattern])]: [] });
    if (search.includes(SEARCH_TEXT_SEPARATOR)) {
      conditions.push({ $or: [{ name: { $ilike: pattern } }, { manufacturer: { $ilike: pattern } }] });
    }
  }
  const name = filter.name?.trim();
  if (name) conditions.push({ name: { $ilike: containsPattern(name) } });
  const manufacturer = filter.manufacturer?.trim();
  if (manufacturer) conditions.push({ manufacturer: { $ilike: containsPattern(manufacturer) } });
  const category = filter.category?.trim();
  if (category) conditions.push({ [raw((alias) => `lower(${alias}.category)`)]: category.toLowerCase() });
  if (typeof filter.requiresPrescription === 'boolean') {
    conditions.push({ requiresPrescription: filter.requiresPrescription });
  }
  return { $and: conditions };
}

/**
 * The statement of a search page, as ProductService.list runs it. The matches are found through the
 * search_text trigram index first (a materialised CTE of their ids and names only), sorted and counted in
 * the same pass (the count as a window over all matches), and only the page's rows are read whole. Asked
 * for a page in name order directly, Postgres walks the name index and filters it, expecting matches all
 * along the alphabet, while the matches of a substance name sit together: it read 40,000 rows to find 20
 * on 100,000 products. The order by name needs every match anyway, so the exact count costs only the
 * window. `count` is for a page past the last match.
 */
export function productSearchQueries(em: EntityManager, listing: FilterQuery<Product>, request: PageRequest) {
  // The listing's condition is always an object (`{ $and: [...] }`), never a bare primary key.
  const where = listing as QBFilterQuery<Product>;
  const matches = () =>
    em
      .createQueryBuilder(Product, 'm')
      .with('matches', em.createQueryBuilder(Product, 'p').select(['id', 'name']).where(where), {
        materialized: true,
      })
      .from('matches', 'm');
  const page = matches()
    .select(['id', 'name', raw(`count(*) over () as ${TOTAL_COUNT}`)])
    .orderBy({ name: 'asc', id: 'asc' })
    .limit(request.pageSize)
    .offset(request.offset);
  return {
    page: em
      .createQueryBuilder(Product, 'p')
      .select(['*', raw(`s.${TOTAL_COUNT}`)])
      .join(page, 's', { 's.id': sql.ref('p.id') })
      .orderBy({ name: 'asc', id: 'asc' }),
    count: matches().count(),
  };
}

const TOTAL_COUNT = 'total_count';

/** The catalogue version read with a page's rows. */
const ROWS_VERSION = 'read_at_version';

/** What names one listing page: the filters as given (trimmed, as the query reads them) and the page. */
function listingKey(filter: ProductFilter, request: PageRequest): string {
  return JSON.stringify([
    filter.search?.trim() ?? null,
    filter.name?.trim() ?? null,
    filter.manufacturer?.trim() ?? null,
    filter.category?.trim().toLowerCase() ?? null,
    filter.requiresPrescription ?? null,
    request.page,
    request.pageSize,
  ]);
}

/** What a products process keeps of the catalogue for listings; without either, every listing reads Postgres. */
export interface CatalogueMemory {
  /** Listing pages already read (CATALOGUE_CACHE_ROWS). */
  listings?: CatalogueListingCache;
  /** The active catalogue's search text (CATALOGUE_SEARCH_INDEX_PRODUCTS). */
  searchIndex?: CatalogueSearchIndex;
}

export class ProductService {
  readonly #em: EntityManager;

  readonly #byId;

  readonly #listings: CatalogueListingCache | undefined;

  readonly #searchIndex: CatalogueSearchIndex | undefined;

  constructor({ em }: Pick<RequestScope, 'em'>, { listings, searchIndex }: CatalogueMemory = {}) {
    this.#em = em;
    this.#byId = createRowLoader(em, Product);
    this.#listings = listings;
    this.#searchIndex = searchIndex;
  }

  async list(
    filter: ProductFilter | null | undefined,
    page?: number | null,
    pageSize?: number | null,
  ): Promise<Page<ProductRecord>> {
    const given = filter ?? {};
    validateFilterText(given);
    const request = pageRequest(page, pageSize);
    const read = (version: string | undefined) => this.#readListing(given, request, version);
    const { rows, totalCount } = this.#listings
      ? await this.#listings.listing(this.#em, listingKey(given, request), read)
      : await read(this.#searchIndex && given.search?.trim() ? await catalogueVersion(this.#em) : undefined);
    return toPage([...rows], totalCount, request);
  }

  /** A listing page as Postgres answers it at catalogue `version` (undefined: in a transaction). */
  async #readListing(
    filter: ProductFilter,
    request: PageRequest,
    version: string | undefined,
  ): Promise<ListingRows> {
    const indexed =
      version === undefined ? undefined : await this.#readIndexedListing(filter, request, version);
    if (indexed) return indexed;
    const listing = productListingQuery(filter);
    if (!filter.search?.trim()) {
      const [rows, totalCount] = await Promise.all([
        this.#em
          .createQueryBuilder(Product, 'p')
          .select('*')
          .where(listing as QBFilterQuery<Product>)
          .orderBy({ name: 'asc', id: 'asc' })
          .limit(request.pageSize)
          .offset(request.offset)
          .execute<Record<string, unknown>[]>('all', false),
        this.#em.count(Product, listing),
      ]);
      return { rows: rows.map((row) => this.#record(row)), totalCount };
    }
    const search = productSearchQueries(this.#em, listing, request);
    const matches = await search.page.execute<Record<string, unknown>[]>('all', false);
    const totalCount =
      matches.length > 0
        ? Number(matches[0]?.[TOTAL_COUNT])
        : Number((await search.count.execute<{ count: number | string }>('get')).count);
    return { rows: matches.map(({ [TOTAL_COUNT]: _, ...row }) => this.#record(row)), totalCount };
  }

  /**
   * A search page from the search index: its products read in one statement with the catalogue version,
   * or undefined when the index cannot answer or the catalogue is no longer at `version` (the index's page
   * may then be out of date).
   */
  async #readIndexedListing(
    filter: ProductFilter,
    request: PageRequest,
    version: string,
  ): Promise<ListingRows | undefined> {
    const indexed = this.#searchIndex?.page(version, filter, request);
    if (!indexed) return undefined;
    const { ids, totalCount } = indexed;
    if (ids.length === 0) return { rows: [], totalCount };
    const rows = await this.#em.execute<Record<string, unknown>[]>(
      `select p.*, v.version as ${ROWS_VERSION} from product p cross join catalogue_version v where p.id in (?)`,
      [ids],
    );
    if (rows.length !== ids.length || rows.some((row) => row[ROWS_VERSION] !== version)) return undefined;
    const byId = new Map(rows.map(({ [ROWS_VERSION]: _, ...row }) => [row.id, this.#record(row)]));
    return { rows: ids.map((id) => byId.get(id) as ProductRecord), totalCount };
  }

  /**
   * A listing's row as read-only data, not an entity: a kept page is read by many requests, and making
   * entities of it again for each (identity map, change-tracking snapshot) was 40% of the subgraph's CPU
   * per cached search. Nothing writes through a listing.
   */
  #record(row: Record<string, unknown>): ProductRecord {
    // Every column of `select *`, converted to its property as MikroORM maps entities.
    const data = this.#em.getDriver().mapResult(row, this.#em.getMetadata().get(Product));
    return Object.freeze(data) as ProductRecord;
  }

  /** For federation: a product referenced by another subgraph, or null when the id names none. */
  findById(id: string): Promise<Product | null> {
    return loadReference(this.#byId, id);
  }

  async getById(id: string, field = 'id'): Promise<Product> {
    const product = await this.#byId.load(parseRowId(id, field));
    if (!product) throw new NotFoundError('Product', id);
    return product;
  }

  async getBySku(sku: string): Promise<Product> {
    const product = await this.#em.findOne(Product, { sku: normalizeSku(sku) });
    if (!product) throw new NotFoundError('Product with SKU', sku);
    return product;
  }

  async categories(): Promise<string[]> {
    const rows = await this.#em
      .createQueryBuilder(Product)
      .select('category', true)
      .where({ isActive: true })
      .orderBy({ category: 'asc' })
      .execute<{ category: string }[]>('all');
    return rows.map((row) => row.category);
  }

  async create(input: ProductInputFields): Promise<Product> {
    const product = this.#em.create(Product, validateNewProduct(input));
    await this.#flushUnique(product.sku);
    return product;
  }

  async update(id: string, input: ProductInputFields): Promise<Product> {
    const changes = validateProductChanges(input);
    const product = await this.getById(id);
    this.#em.assign(product, changes);
    await this.#flushUnique(product.sku);
    return product;
  }

  /** deleteProduct: a soft delete, so orders keep resolving the product. Deleting twice is harmless. */
  async discontinue(id: string): Promise<Product> {
    const product = await this.getById(id);
    product.isActive = false;
    await this.#em.flush();
    return product;
  }

  async #flushUnique(sku: string): Promise<void> {
    try {
      await this.#em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        this.#em.clear();
        throw new ConflictError(`a product with SKU ${sku} already exists`, 'input.sku');
      }
      throw error;
    }
  }
}
