/**
 * Every subgraph's definition, for what runs all four (the dev stack, the tests). A service's own
 * `main.ts` imports its own definition only; the router and the tooling read subgraphs/registry.ts.
 */
import type { Env } from '../lib/config.ts';
import type { Logger } from '../lib/logger.ts';
import type { RequestScope } from '../lib/request-scope.ts';
import {
  createSubgraph,
  type Subgraph,
  type SubgraphConfig,
  type SubgraphDefinition,
} from '../lib/subgraph.ts';
import { inventorySubgraph } from './inventory/inventory.subgraph.ts';
import { ordersSubgraph } from './orders/orders.subgraph.ts';
import { productsSubgraph } from './products/products.subgraph.ts';
import type { SubgraphName } from './registry.ts';
import { usersSubgraph } from './users/users.subgraph.ts';

export const SUBGRAPH_DEFINITIONS = {
  users: usersSubgraph,
  products: productsSubgraph,
  orders: ordersSubgraph,
  inventory: inventorySubgraph,
} as const satisfies Record<SubgraphName, unknown>;

type CreateFromEnv = (env: Env, logger?: Logger) => Promise<Subgraph>;

const fromEnv =
  <TConfig extends SubgraphConfig, TContext extends RequestScope>(
    definition: SubgraphDefinition<TConfig, TContext>,
  ): CreateFromEnv =>
  (env, logger) =>
    createSubgraph(definition, definition.readConfig(env), logger);

const FROM_ENV: Record<SubgraphName, CreateFromEnv> = {
  users: fromEnv(usersSubgraph),
  products: fromEnv(productsSubgraph),
  orders: fromEnv(ordersSubgraph),
  inventory: fromEnv(inventorySubgraph),
};

/** Subgraph `name` configured from `env` (throws ConfigError listing every problem), not yet listening. */
export function createSubgraphFromEnv(name: SubgraphName, env: Env, logger?: Logger): Promise<Subgraph> {
  return FROM_ENV[name](env, logger);
}
