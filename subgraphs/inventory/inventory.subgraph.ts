import {
  createSubgraph,
  loadTypeDefs,
  type Subgraph,
  type SubgraphConfig,
  type SubgraphContext,
  type SubgraphModule,
} from '../../lib/subgraph.ts';
import { InventoryItem } from './inventory-item.entity.ts';
import { InventoryService } from './inventory.service.ts';
import { CreateInventoryItem } from './migrations/20261125-create-inventory-item.migration.ts';
import { CreateStockMovement } from './migrations/20261125-create-stock-movement.migration.ts';
import { inventoryResolvers } from './resolvers.ts';
import { StockMovement } from './stock-movement.entity.ts';

export interface InventoryContext extends SubgraphContext {
  inventory: InventoryService;
}

export const inventoryModule: SubgraphModule<InventoryContext> = {
  name: 'inventory',
  typeDefs: loadTypeDefs(new URL('./schema.graphql', import.meta.url)),
  resolvers: inventoryResolvers,
  entities: [InventoryItem, StockMovement],
  migrations: [CreateInventoryItem, CreateStockMovement],
  createContext: (base) => ({ ...base, inventory: new InventoryService(base.em) }),
};

export function createInventorySubgraph(config: SubgraphConfig): Promise<Subgraph> {
  return createSubgraph(inventoryModule, config);
}
