import { CreateOutbox } from '../../lib/event-bus/outbox.migration.ts';
import { CreateProcessedEvent } from '../../lib/event-bus/processed-event.migration.ts';
import {
  createSubgraph,
  loadTypeDefs,
  type EventSubgraphConfig,
  type Subgraph,
  type SubgraphContext,
  type SubgraphModule,
} from '../../lib/subgraph.ts';
import { SAGA_SUBSCRIPTION_LIST } from '../saga.ts';
import { InventoryItem } from './inventory-item.entity.ts';
import { LowStockAlert } from './low-stock-alert.entity.ts';
import { InventoryService } from './inventory.service.ts';
import { CreateInventoryItem } from './migrations/20261125-create-inventory-item.migration.ts';
import { CreateStockMovement } from './migrations/20261125-create-stock-movement.migration.ts';
import { CreateLowStockAlert } from './migrations/20261126-create-low-stock-alert.migration.ts';
import { CreateReservation } from './migrations/20261126-create-reservation.migration.ts';
import { orderEventsConsumer } from './order-events.consumer.ts';
import { inventoryResolvers } from './resolvers.ts';
import { StockMovement } from './stock-movement.entity.ts';

export interface InventoryContext extends SubgraphContext {
  inventory: InventoryService;
}

export const inventoryModule: SubgraphModule<InventoryContext> = {
  name: 'inventory',
  typeDefs: loadTypeDefs(new URL('./schema.graphql', import.meta.url)),
  resolvers: inventoryResolvers,
  entities: [InventoryItem, StockMovement, LowStockAlert],
  migrations: [
    CreateInventoryItem,
    CreateStockMovement,
    CreateOutbox,
    CreateProcessedEvent,
    CreateReservation,
    CreateLowStockAlert,
  ],
  createContext: (base) => ({ ...base, inventory: new InventoryService(base.em, base.requestId) }),
  events: { subscriptions: SAGA_SUBSCRIPTION_LIST, publishes: true, consumers: [orderEventsConsumer] },
};

export function createInventorySubgraph(config: EventSubgraphConfig): Promise<Subgraph> {
  return createSubgraph(inventoryModule, config);
}
