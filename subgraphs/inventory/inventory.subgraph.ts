import { CreateOutbox } from '../../lib/event-bus/outbox.migration.ts';
import { CreateProcessedEvent } from '../../lib/event-bus/processed-event.migration.ts';
import { readConfig, type Env } from '../../lib/config.ts';
import {
  createSubgraph,
  loadTypeDefs,
  readEventSubgraphSettings,
  type EventSubgraphConfig,
  type Subgraph,
  type SubgraphContext,
  type SubgraphModule,
} from '../../lib/subgraph.ts';
import { SAGA_SUBSCRIPTION_LIST } from '../saga.ts';
import { InventoryItem } from './inventory-item.entity.ts';
import { LowStockAlert } from './low-stock-alert.entity.ts';
import { InventoryService } from './inventory.service.ts';
import { readLotExpiryConfig, scheduleLotExpirySweep, type LotExpiryConfig } from './lot-expiry.sweep.ts';
import { Lot } from './lot.entity.ts';
import { LotService } from './lot.service.ts';
import { CreateInventoryItem } from './migrations/20261125-create-inventory-item.migration.ts';
import { CreateStockMovement } from './migrations/20261125-create-stock-movement.migration.ts';
import { CreateLowStockAlert } from './migrations/20261126-create-low-stock-alert.migration.ts';
import { CreateReservation } from './migrations/20261126-create-reservation.migration.ts';
import { CreateLot } from './migrations/20261127-create-lot.migration.ts';
import { RecordMovementCauses } from './migrations/20261127-record-movement-causes.migration.ts';
import { orderEventsConsumer } from './order-events.consumer.ts';
import { inventoryResolvers } from './resolvers.ts';
import { StockMovement } from './stock-movement.entity.ts';

export interface InventoryContext extends SubgraphContext {
  inventory: InventoryService;
  lots: LotService;
}

export interface InventoryConfig extends EventSubgraphConfig {
  lotExpiry: LotExpiryConfig;
}

export function readInventoryConfig(env: Env, defaultPort: number): InventoryConfig {
  return readConfig(env, (read) => ({
    ...readEventSubgraphSettings(read, defaultPort),
    lotExpiry: readLotExpiryConfig(read),
  }));
}

export const inventoryModule: SubgraphModule<InventoryContext> = {
  name: 'inventory',
  typeDefs: loadTypeDefs(new URL('./schema.graphql', import.meta.url)),
  resolvers: inventoryResolvers,
  entities: [InventoryItem, StockMovement, LowStockAlert, Lot],
  migrations: [
    CreateInventoryItem,
    CreateStockMovement,
    CreateOutbox,
    CreateProcessedEvent,
    CreateReservation,
    CreateLowStockAlert,
    CreateLot,
    RecordMovementCauses,
  ],
  createContext: (base) => ({
    ...base,
    inventory: new InventoryService(base.em, base.requestId),
    lots: new LotService(base.em, base.requestId, base.logger),
  }),
  events: { subscriptions: SAGA_SUBSCRIPTION_LIST, publishes: true, consumers: [orderEventsConsumer] },
};

/** The inventory subgraph with its expiry sweep, which runs from start-up until `close`. */
export async function createInventorySubgraph(config: InventoryConfig): Promise<Subgraph> {
  const subgraph = await createSubgraph(inventoryModule, config);
  const sweep = scheduleLotExpirySweep(subgraph.orm, subgraph.logger, config.lotExpiry);
  return {
    ...subgraph,
    async close() {
      await sweep.stop();
      await subgraph.close();
    },
  };
}
