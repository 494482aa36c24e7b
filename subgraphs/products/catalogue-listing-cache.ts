/**
 * Pages of `products(filter, page, pageSize)` kept in this process under the catalogue version they were
 * read at (migration 20261207-catalogue-version: every write to `product` replaces it with a new random
 * one, in its transaction). A listing reads the version first, one indexed row, and serves the page it
 * holds for that version; else it reads the page and keeps it. Read first, the version can only be older
 * than the rows read after it, never newer: a page that saw a write is kept under a version already gone,
 * and never served. So a page served from here is the page Postgres would answer, on every replica, while
 * a common search term costs one row instead of reading, sorting and counting thousands of matches.
 */
import type { EntityManager } from '../../lib/database.ts';
import { LruMap } from '../../lib/lru-map.ts';
import type { ProductRecord } from './product.entity.ts';

/** A page's products (frozen records, shared by every request that reads the page) and the count of all matches. */
export interface ListingRows {
  rows: readonly ProductRecord[];
  totalCount: number;
}

interface CachedListing extends ListingRows {
  version: string;
}

export class CatalogueListingCache {
  readonly #pages: LruMap<string, CachedListing>;

  /**
   * `maxRows`: the rows kept over all pages, each page counting one more for itself (its key and entry,
   * so that pages with no rows are bounded too); the least recently used pages are forgotten first.
   * Memory is bounded however many distinct filters clients send.
   */
  constructor(maxRows: number) {
    this.#pages = new LruMap<string, CachedListing>(maxRows, countedRows);
  }

  /** The rows the kept pages count (each page its rows plus one). */
  get rows(): number {
    return this.#pages.weight;
  }

  /**
   * The page of `key`, read by `read` unless one read at the current catalogue version is kept. `read` is
   * given the version it reads at, or undefined inside a transaction.
   */
  async listing(
    em: EntityManager,
    key: string,
    read: (version: string | undefined) => Promise<ListingRows>,
  ): Promise<ListingRows> {
    const version = await catalogueVersion(em);
    if (version === undefined) return read(undefined);
    const kept = this.#pages.get(key);
    if (kept?.version === version) return kept;
    const listing = await read(version);
    this.#pages.set(key, { ...listing, version });
    return listing;
  }
}

const countedRows = (page: ListingRows) => page.rows.length + 1;

/**
 * The catalogue's version now (a UUID), or undefined inside a transaction, where the version read could be
 * the transaction's own, not yet committed (or never).
 */
export async function catalogueVersion(em: EntityManager): Promise<string | undefined> {
  return em.isInTransaction() ? undefined : readCatalogueVersion(em);
}

/** The catalogue's version as `em` sees it. */
export async function readCatalogueVersion(em: EntityManager): Promise<string> {
  const [row] = await em.execute<{ version: string }[]>('select version from catalogue_version');
  if (!row) throw new Error('catalogue_version has no row: run the products migrations');
  return row.version;
}
