import {
  createSubgraph,
  loadTypeDefs,
  type Subgraph,
  type SubgraphConfig,
  type SubgraphContext,
  type SubgraphModule,
} from '../../lib/subgraph.ts';
import { CreateProduct } from './migrations/20261125-create-product.migration.ts';
import { AddProductMaxQuantityPerOrder } from './migrations/20261127-product-max-quantity-per-order.migration.ts';
import { Product } from './product.entity.ts';
import { ProductService } from './product.service.ts';
import { productsResolvers } from './resolvers.ts';

export interface ProductsContext extends SubgraphContext {
  products: ProductService;
}

export const productsModule: SubgraphModule<ProductsContext> = {
  name: 'products',
  typeDefs: loadTypeDefs(new URL('./schema.graphql', import.meta.url)),
  resolvers: productsResolvers,
  entities: [Product],
  migrations: [CreateProduct, AddProductMaxQuantityPerOrder],
  createContext: (base) => ({ ...base, products: new ProductService(base.em) }),
};

export function createProductsSubgraph(config: SubgraphConfig): Promise<Subgraph> {
  return createSubgraph(productsModule, config);
}
