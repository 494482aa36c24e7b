import { readSubgraphConfig, type SubgraphConfig, type SubgraphDefinition } from '../../lib/subgraph.ts';
import type { RequestScope } from '../../lib/request-scope.ts';
import { SUBGRAPHS } from '../registry.ts';
import { CreateProduct } from './migrations/20261125-create-product.migration.ts';
import { AddProductMaxQuantityPerOrder } from './migrations/20261127-product-max-quantity-per-order.migration.ts';
import { AddProductSearchText } from './migrations/20261205-product-search-text.migration.ts';
import { Product } from './product.entity.ts';
import { ProductService } from './product.service.ts';
import { productsResolvers } from './resolvers.ts';

export interface ProductsContext extends RequestScope {
  products: ProductService;
}

export const productsSubgraph: SubgraphDefinition<SubgraphConfig, ProductsContext> = {
  registration: SUBGRAPHS.products,
  resolvers: productsResolvers,
  entities: [Product],
  migrations: [CreateProduct, AddProductMaxQuantityPerOrder, AddProductSearchText],
  readConfig: (env) => readSubgraphConfig(env, SUBGRAPHS.products.defaultPort),
  assemble: async () => ({
    createContext: (scope) => ({ ...scope, products: new ProductService(scope) }),
  }),
};
