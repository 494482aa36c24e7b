/** The four subgraphs, their default ports, SDL, config readers and factories: the one list every tool reads. */
import type { DocumentNode } from 'graphql';
import type { Env } from '../lib/config.ts';
import { readSubgraphConfig, type Subgraph, type SubgraphConfig } from '../lib/subgraph.ts';
import {
  createInventorySubgraph,
  inventoryModule,
  readInventoryConfig,
} from './inventory/inventory.subgraph.ts';
import { createOrdersSubgraph, ordersTypeDefs, readOrdersConfig } from './orders/orders.subgraph.ts';
import { createProductsSubgraph, productsModule } from './products/products.subgraph.ts';
import { createUsersSubgraph, readUsersConfig, usersTypeDefs } from './users/users.subgraph.ts';

export interface SubgraphEntry<TConfig extends SubgraphConfig = SubgraphConfig> {
  defaultPort: number;
  typeDefs: DocumentNode;
  readConfig(env: Env, defaultPort: number): TConfig;
  create(config: TConfig): Promise<Subgraph>;
}

/** An entry plus `fromEnv`, which reads its config (throwing ConfigError) and creates it. */
function entry<TConfig extends SubgraphConfig>(definition: SubgraphEntry<TConfig>) {
  return {
    ...definition,
    fromEnv: (env: Env): Promise<Subgraph> =>
      definition.create(definition.readConfig(env, definition.defaultPort)),
  };
}

export const SUBGRAPHS = {
  users: entry({
    defaultPort: 4001,
    typeDefs: usersTypeDefs,
    readConfig: readUsersConfig,
    create: createUsersSubgraph,
  }),
  products: entry({
    defaultPort: 4002,
    typeDefs: productsModule.typeDefs,
    readConfig: readSubgraphConfig,
    create: createProductsSubgraph,
  }),
  orders: entry({
    defaultPort: 4003,
    typeDefs: ordersTypeDefs,
    readConfig: readOrdersConfig,
    create: createOrdersSubgraph,
  }),
  inventory: entry({
    defaultPort: 4004,
    typeDefs: inventoryModule.typeDefs,
    readConfig: readInventoryConfig,
    create: createInventorySubgraph,
  }),
};

export type SubgraphName = keyof typeof SUBGRAPHS;
export const SUBGRAPH_NAMES = Object.keys(SUBGRAPHS) as SubgraphName[];

export const ROUTER_DEFAULT_PORT = 4000;
