/** The four subgraphs, their default ports, SDL and factories: the one list every tool reads. */
import type { DocumentNode } from 'graphql';
import type { Subgraph, SubgraphConfig } from '../lib/subgraph.ts';
import { createInventorySubgraph, inventoryModule } from './inventory/inventory.subgraph.ts';
import { createOrdersSubgraph, ordersModule } from './orders/orders.subgraph.ts';
import { createProductsSubgraph, productsModule } from './products/products.subgraph.ts';
import { createUsersSubgraph, usersModule } from './users/users.subgraph.ts';

export interface SubgraphEntry {
  defaultPort: number;
  typeDefs: DocumentNode;
  create(config: SubgraphConfig): Promise<Subgraph>;
}

export const SUBGRAPHS = {
  users: { defaultPort: 4001, typeDefs: usersModule.typeDefs, create: createUsersSubgraph },
  products: { defaultPort: 4002, typeDefs: productsModule.typeDefs, create: createProductsSubgraph },
  orders: { defaultPort: 4003, typeDefs: ordersModule.typeDefs, create: createOrdersSubgraph },
  inventory: { defaultPort: 4004, typeDefs: inventoryModule.typeDefs, create: createInventorySubgraph },
} as const satisfies Record<string, SubgraphEntry>;

export type SubgraphName = keyof typeof SUBGRAPHS;
export const SUBGRAPH_NAMES = Object.keys(SUBGRAPHS) as SubgraphName[];

export const ROUTER_DEFAULT_PORT = 4000;
