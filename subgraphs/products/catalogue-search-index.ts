/**
 * The active catalogue's search text, kept in this process at one catalogue version, so that a search
 * asked for the first time costs the page's rows instead of every match. In Postgres a page is in name
 * order over all matches, so a common term (3–10% of the catalogue) reads and sorts thousands of rows
 * whatever the page (catalogue.md). Here the products are held in that order, numbered by position: the
 * positions whose text holds a trigram of the term come out already sorted, each is checked against the
 * whole term, and counting them reads no row. Only the page's rows are read from Postgres, together with
 * the catalogue version in the same statement, so an answer is used only when it is exactly what Postgres
 * would have answered at that version (catalogue-listing-cache.ts explains the version).
 *
 * It is built in the background from one snapshot (a repeatable-read transaction: the version and the
 * rows at it), when a search finds it missing or behind the catalogue; until it is built again every search
 * reads Postgres. Building yields to requests between slices, and a new build waits nine times as long as
 * the last one took, so rebuilding never takes more than a tenth of the process's time however often the
 * catalogue changes.
 */
import { IsolationLevel } from '@mikro-orm/core';
import type { Counter, Gauge } from 'prom-client';
import type { EntityManager } from '../../lib/database.ts';
import type { Logger } from '../../lib/logger.ts';
import { LruMap } from '../../lib/lru-map.ts';
import type { ServiceMetrics } from '../../lib/metrics.ts';
import type { PageRequest } from '../../lib/paging.ts';
import { readCatalogueVersion } from './catalogue-listing-cache.ts';
import { SEARCH_TEXT_SEPARATOR, type ProductFilter } from './product.service.ts';

/** The ids of a page of matches, in page order, and how many matches there are in all. */
export interface IndexedPage {
  ids: number[];
  totalCount: number;
}

interface Built {
  version: string;
  /** Product ids by position: the listing's order (name, then id, in Postgres' collation). */
  ids: Int32Array;
  /** product.search_text by position: lower(name), U+0001, lower(manufacturer), as Postgres lowered them. */
  texts: string[];
  /** lower(category) by position, one string per distinct category. */
  categories: string[];
  requiresPrescription: Uint8Array;
  /** For each trigram of the texts, the positions whose text holds it, ascending. */
  positions: Map<number, Int32Array>;
  /**
   * The positions matching a search (term, category, prescription) asked for lately, so that its other
   * pages and spellings cost a page, not another pass: at most as many as the index has products, each
   * search counting KEPT_MATCH_OVERHEAD more (so that searches matching nothing, in any number of distinct
   * terms and categories a client sends, are bounded by what they hold too).
   */
  matches: LruMap<string, Int32Array>;
}

/**
 * What a kept match holds beyond its positions, counted in positions (4 bytes each): its key (a term and a
 * category of up to 100 characters each), the map's entry and the array's header, about 0.5 KB.
 */
const KEPT_MATCH_OVERHEAD = 128;

/** Products indexed between two yields to the event loop while building. */
const SLICE = 2_000;

/** A build is followed by a pause of this many times its duration before the next may start. */
const PAUSE_PER_BUILD = 9;

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Printable ASCII: lowered by JavaScript exactly as Postgres lowers it (checked once per process). */
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

export interface CatalogueSearchIndexOptions {
  /** The process's EntityManager (builds fork it). */
  em: EntityManager;
  /** The most active products indexed (about 250 bytes each); a larger catalogue is searched in Postgres. */
  maxProducts: number;
  logger: Logger;
  metrics: ServiceMetrics;
  /** The clock the pause between builds is read on (tests move it). */
  now?: () => number;
}

/** How a build ended, as counted in pharmacy_catalogue_search_index_builds_total. */
type BuildOutcome = 'built' | 'unchanged' | 'too_large' | 'failed' | 'stopped' | 'lowering_differs';

export class CatalogueSearchIndex {
  readonly #em: EntityManager;
  readonly #maxProducts: number;
  readonly #logger: Logger;
  readonly #indexedProducts: Gauge;
  readonly #builds: Counter<'outcome'>;
  readonly #now: () => number;
  #built: Built | undefined;
  #building: Promise<void> | undefined;
  #nextBuildAt = 0;
  /** The version at which the active catalogue held more than maxProducts: not tried again until it changes. */
  #tooLargeAt: string | undefined;
  /** Whether Postgres lowers ASCII letters as JavaScript does (false under a Turkish locale, say). */
  #asciiLoweringAgrees: boolean | undefined;
  #stopped = false;

  constructor({ em, maxProducts, logger, metrics, now = Date.now }: CatalogueSearchIndexOptions) {
    if (!Number.isInteger(maxProducts) || maxProducts < 1) {
      throw new Error('maxProducts must be a positive integer');
    }
    this.#em = em;
    this.#maxProducts = maxProducts;
    this.#logger = logger;
    this.#now = now;
    this.#indexedProducts = metrics.gauge({
      name: 'pharmacy_catalogue_search_index_products',
      help: 'Active products in the catalogue search index (0 while it holds none)',
    });
    this.#builds = metrics.counter({
      name: 'pharmacy_catalogue_search_index_builds_total',
      help: 'Builds of the catalogue search index, by outcome (built, unchanged, too_large, failed, stopped, lowering_differs)',
      labelNames: ['outcome'],
    });
  }

  /** The catalogue version the index holds, if it is built. */
  get version(): string | undefined {
    return this.#built?.version;
  }

  /** What the kept matches weigh, in positions (KEPT_MATCH_OVERHEAD each beside their own): at most products + 1. */
  get keptMatchWeight(): number {
    return this.#built?.matches.weight ?? 0;
  }

  /**
   * The page of a search listing at catalogue `version`, or undefined when the index cannot answer it: a
   * listing without a search term, or with a text it cannot match exactly as Postgres does (beyond
   * printable ASCII, or a name or manufacturer filter), or an index not built at that version (a build
   * then starts, unless one runs or the pause after the last has not passed).
   */
  page(version: string, filter: ProductFilter, request: PageRequest): IndexedPage | undefined {
    const term = filter.search?.trim();
    if (!term || !PRINTABLE_ASCII.test(term) || filter.name?.trim() || filter.manufacturer?.trim()) {
      return undefined;
    }
    const built = this.#built;
    if (built?.version !== version) {
      this.#startBuild(version);
      return undefined;
    }
    return findPage(built, term.toLowerCase(), filter, request);
  }

  /** Stops building: waits for a build under way to end (it stops at its next slice). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#building;
  }

  #startBuild(version: string): void {
    if (this.#stopped || this.#building || this.#now() < this.#nextBuildAt) return;
    if (this.#tooLargeAt === version || this.#asciiLoweringAgrees === false) return;
    const started = this.#now();
    this.#building = this.#build()
      .catch((error: unknown): BuildOutcome => {
        this.#built = undefined;
        this.#logger.warn({ err: error }, 'catalogue search index not built');
        return 'failed';
      })
      .then((outcome) => {
        this.#builds.inc({ outcome });
        this.#indexedProducts.set(this.#built?.ids.length ?? 0);
        if (outcome === 'built') {
          const products = this.#built?.ids.length;
          this.#logger.info({ products, ms: this.#now() - started }, 'catalogue search index built');
        }
      })
      .finally(() => {
        this.#building = undefined;
        this.#nextBuildAt = this.#now() + PAUSE_PER_BUILD * (this.#now() - started);
      });
  }

  async #build(): Promise<BuildOutcome> {
    this.#asciiLoweringAgrees ??= await this.#lowersAsciiAsJavaScript();
    if (!this.#asciiLoweringAgrees) {
      this.#logger.warn(
        "catalogue search index off: Postgres' lower() differs from JavaScript's on ASCII letters",
      );
      return 'lowering_differs';
    }
    // The version and the rows from one snapshot: the rows are the catalogue at that version.
    const read = await this.#em.fork().transactional(
      async (tx) => {
        const version = await readCatalogueVersion(tx);
        if (version === this.#built?.version) return { version, rows: undefined };
        const rows = await tx.execute<CatalogueRow[]>(
          `select id, search_text, lower(category) as category, requires_prescription
             from product where is_active order by name, id limit ?`,
          [this.#maxProducts + 1],
        );
        return { version, rows };
      },
      { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true },
    );
    // A request that read the version before the last build's asked for it.
    if (!read.rows) return 'unchanged';
    // Behind the catalogue, the index can answer nothing: not kept beside the one being built.
    this.#built = undefined;
    this.#indexedProducts.set(0);
    if (read.rows.length > this.#maxProducts) {
      this.#tooLargeAt = read.version;
      this.#logger.info(
        { maxProducts: this.#maxProducts },
        'catalogue search index not built: more active products than CATALOGUE_SEARCH_INDEX_PRODUCTS',
      );
      return 'too_large';
    }
    const built = await this.#index(read.version, read.rows);
    if (!built) return 'stopped';
    this.#built = built;
    return 'built';
  }

  async #lowersAsciiAsJavaScript(): Promise<boolean> {
    const [row] = await this.#em
      .fork()
      .execute<{ lowered: string }[]>('select lower(?) as lowered', [LETTERS]);
    return row?.lowered === LETTERS.toLowerCase();
  }

  /**
   * The index of `rows` (in listing order), or undefined when stopped meanwhile. Two passes over the texts:
   * the first counts each trigram's positions, the second writes them into arrays of that exact size
   * (growing lists instead took about 1 KB per product more while building).
   */
  async #index(version: string, rows: readonly CatalogueRow[]): Promise<Built | undefined> {
    const ids = new Int32Array(rows.length);
    const texts: string[] = new Array<string>(rows.length);
    const categories: string[] = new Array<string>(rows.length);
    const requiresPrescription = new Uint8Array(rows.length);
    const distinctCategories = new Map<string, string>();
    const counts = new Map<number, number>();
    const lastPosition = new Map<number, number>();
    const pass = async (visit: (position: number) => void): Promise<boolean> => {
      for (let position = 0; position < rows.length; position++) {
        if (position % SLICE === 0 && position > 0) {
          await new Promise((resolve) => setImmediate(resolve));
          if (this.#stopped) return false;
        }
        visit(position);
      }
      return true;
    };
    const counted = await pass((position) => {
      const row = rows[position] as CatalogueRow;
      ids[position] = row.id;
      texts[position] = row.search_text;
      let category = distinctCategories.get(row.category);
      if (category === undefined) distinctCategories.set(row.category, (category = row.category));
      categories[position] = category;
      requiresPrescription[position] = row.requires_prescription ? 1 : 0;
      forEachTrigram(row.search_text, (trigram) => {
        // A trigram met twice in one text counts once.
        if (lastPosition.get(trigram) === position) return;
        lastPosition.set(trigram, position);
        counts.set(trigram, (counts.get(trigram) ?? 0) + 1);
      });
    });
    if (!counted) return undefined;
    lastPosition.clear();
    const positions = new Map<number, Int32Array>();
    for (const [trigram, count] of counts) positions.set(trigram, new Int32Array(count));
    counts.clear();
    const written = new Map<number, number>();
    const filled = await pass((position) => {
      forEachTrigram(texts[position] as string, (trigram) => {
        const list = positions.get(trigram) as Int32Array;
        const length = written.get(trigram) ?? 0;
        // Positions only grow: a trigram met twice in one text is listed once.
        if (length > 0 && list[length - 1] === position) return;
        list[length] = position;
        written.set(trigram, length + 1);
      });
    });
    if (!filled) return undefined;
    return {
      version,
      ids,
      texts,
      categories,
      requiresPrescription,
      positions,
      matches: new LruMap(rows.length + 1, (matched) => matched.length + KEPT_MATCH_OVERHEAD),
    };
  }
}

interface CatalogueRow {
  id: number;
  search_text: string;
  category: string;
  requires_prescription: boolean;
}

/** Three UTF-16 code units as one number. */
const trigramOf = (text: string, at: number) =>
  (text.charCodeAt(at) * 0x10000 + text.charCodeAt(at + 1)) * 0x10000 + text.charCodeAt(at + 2);

const SEPARATOR = SEARCH_TEXT_SEPARATOR.charCodeAt(0);

/** Calls `visit` with each trigram of `text`, but those across the name-manufacturer separator: no term it answers holds it. */
function forEachTrigram(text: string, visit: (trigram: number) => void): void {
  for (let at = 0; at + 3 <= text.length; at++) {
    const across =
      text.charCodeAt(at) === SEPARATOR ||
      text.charCodeAt(at + 1) === SEPARATOR ||
      text.charCodeAt(at + 2) === SEPARATOR;
    if (!across) visit(trigramOf(text, at));
  }
}

/**
 * The positions that can hold `term`: those of its rarest trigram, or every position for a term shorter
 * than three letters. An empty list when one of its trigrams is in no text.
 */
function candidates(built: Built, term: string): Int32Array | undefined {
  if (term.length < 3) return undefined;
  let rarest: Int32Array | undefined;
  for (let at = 0; at + 3 <= term.length; at++) {
    const list = built.positions.get(trigramOf(term, at));
    if (!list) return new Int32Array(0);
    if (!rarest || list.length < rarest.length) rarest = list;
  }
  return rarest;
}

function findPage(built: Built, term: string, filter: ProductFilter, request: PageRequest): IndexedPage {
  const category = filter.category?.trim().toLowerCase();
  const prescription =
    typeof filter.requiresPrescription === 'boolean' ? (filter.requiresPrescription ? 1 : 0) : undefined;
  const key = JSON.stringify([term, category ?? null, prescription ?? null]);
  let matched = built.matches.get(key);
  if (!matched) {
    const list = candidates(built, term);
    const found: number[] = [];
    const take = (position: number) => {
      if (!(built.texts[position] as string).includes(term)) return;
      if (category && built.categories[position] !== category) return;
      if (prescription !== undefined && built.requiresPrescription[position] !== prescription) return;
      found.push(position);
    };
    if (list) for (const position of list) take(position);
    else for (let position = 0; position < built.ids.length; position++) take(position);
    matched = Int32Array.from(found);
    built.matches.set(key, matched);
  }
  const ids = Array.from(matched.subarray(request.offset, request.offset + request.pageSize), (position) => {
    return built.ids[position] as number;
  });
  return { ids, totalCount: matched.length };
}
