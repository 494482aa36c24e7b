import { readConfig } from '../../lib/config.ts';
import { readSubgraphSettings, type SubgraphConfig, type SubgraphDefinition } from '../../lib/subgraph.ts';
import type { RequestScope } from '../../lib/request-scope.ts';
import { SUBGRAPHS } from '../registry.ts';
import { CreateProduct } from './migrations/20261125-create-product.migration.ts';
import { AddProductMaxQuantityPerOrder } from './migrations/20261127-product-max-quantity-per-order.migration.ts';
import { AddProductSearchText } from './migrations/20261205-product-search-text.migration.ts';
import { AddCatalogueVersion } from './migrations/20261207-catalogue-version.migration.ts';
import { CatalogueListingCache } from './catalogue-listing-cache.ts';
import { CatalogueSearchIndex } from './catalogue-search-index.ts';
import { Product } from './product.entity.ts';
import { ProductService, type CatalogueMemory } from './product.service.ts';
import { productsResolvers } from './resolvers.ts';

export interface ProductsContext extends RequestScope {
  products: ProductService;
}

export interface ProductsConfig extends SubgraphConfig {
  /** Rows of listing pages this process keeps (CATALOGUE_CACHE_ROWS); 0 reads every listing from Postgres. */
  catalogueCacheRows: number;
  /**
   * The most active products whose search text this process keeps (CATALOGUE_SEARCH_INDEX_PRODUCTS); 0 or a
   * larger catalogue searches in Postgres.
   */
  searchIndexProducts: number;
}

export const productsSubgraph: SubgraphDefinition<ProductsConfig, ProductsContext> = {
  registration: SUBGRAPHS.products,
  resolvers: productsResolvers,
  entities: [Product],
  migrations: [CreateProduct, AddProductMaxQuantityPerOrder, AddProductSearchText, AddCatalogueVersion],
  readConfig: (env) =>
    readConfig(env, (read) => ({
      ...readSubgraphSettings(read, SUBGRAPHS.products.defaultPort),
      catalogueCacheRows: read.int('CATALOGUE_CACHE_ROWS', 20_000, { min: 0, max: 200_000 }),
      searchIndexProducts: read.int('CATALOGUE_SEARCH_INDEX_PRODUCTS', 200_000, { min: 0, max: 1_000_000 }),
    })),
  async assemble(config, { orm, logger, metrics }) {
    const memory: CatalogueMemory = {
      listings:
        config.catalogueCacheRows > 0 ? new CatalogueListingCache(config.catalogueCacheRows) : undefined,
      searchIndex:
        config.searchIndexProducts > 0
          ? new CatalogueSearchIndex({ em: orm.em, maxProducts: config.searchIndexProducts, logger, metrics })
          : undefined,
    };
    return {
      createContext: (scope) => ({ ...scope, products: new ProductService(scope, memory) }),
      stop: async () => memory.searchIndex?.stop(),
    };
  },
};
