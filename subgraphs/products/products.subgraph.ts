import { readConfig } from '../../lib/config.ts';
import { readSubgraphSettings, type SubgraphConfig, type SubgraphDefinition } from '../../lib/subgraph.ts';
import type { RequestScope } from '../../lib/request-scope.ts';
import { SUBGRAPHS } from '../registry.ts';
import { CreateProduct } from './migrations/20261125-create-product.migration.ts';
import { AddProductMaxQuantityPerOrder } from './migrations/20261127-product-max-quantity-per-order.migration.ts';
import { AddProductSearchText } from './migrations/20261205-product-search-text.migration.ts';
import { AddCatalogueVersion } from './migrations/20261207-catalogue-version.migration.ts';
import { CatalogueListingCache } from './catalogue-listing-cache.ts';
import { Product } from './product.entity.ts';
import { ProductService } from './product.service.ts';
import { productsResolvers } from './resolvers.ts';

export interface ProductsContext extends RequestScope {
  products: ProductService;
}

export interface ProductsConfig extends SubgraphConfig {
  /** Rows of listing pages this process keeps (CATALOGUE_CACHE_ROWS); 0 reads every listing from Postgres. */
  catalogueCacheRows: number;
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
    })),
  async assemble(config) {
    const listings =
      config.catalogueCacheRows > 0 ? new CatalogueListingCache(config.catalogueCacheRows) : undefined;
    return { createContext: (scope) => ({ ...scope, products: new ProductService(scope, listings) }) };
  },
};
