import { readConfig } from '../../lib/config.ts';
import { CreateOutbox } from '../../lib/event-bus/outbox.migration.ts';
import { CreateProcessedEvent } from '../../lib/event-bus/processed-event.migration.ts';
import type { RequestScope } from '../../lib/request-scope.ts';
import {
  readEventSubgraphSettings,
  type EventSubgraphConfig,
  type SubgraphDefinition,
} from '../../lib/subgraph.ts';
import { SAGA_SUBSCRIPTION_LIST } from '../contracts/saga-subscriptions.ts';
import { SUBGRAPHS } from '../registry.ts';
import { InventoryItem } from './inventory-item.entity.ts';
import { InventoryService } from './inventory.service.ts';
import { readLotExpiryConfig, scheduleLotExpirySweep, type LotExpiryConfig } from './lot-expiry.sweep.ts';
import { Lot } from './lot.entity.ts';
import { LotService } from './lot.service.ts';
import { LowStockAlert } from './low-stock-alert.entity.ts';
import { CreateInventoryItem } from './migrations/20261125-create-inventory-item.migration.ts';
import { CreateStockMovement } from './migrations/20261125-create-stock-movement.migration.ts';
import { CreateLowStockAlert } from './migrations/20261126-create-low-stock-alert.migration.ts';
import { CreateReservation } from './migrations/20261126-create-reservation.migration.ts';
import { CreateLot } from './migrations/20261127-create-lot.migration.ts';
import { RecordMovementCauses } from './migrations/20261127-record-movement-causes.migration.ts';
import { orderEventsConsumer } from './order-events.consumer.ts';
import { inventoryResolvers } from './resolvers.ts';
import { StockMovement } from './stock-movement.entity.ts';

export interface InventoryContext extends RequestScope {
  inventory: InventoryService;
  lots: LotService;
}

export interface InventoryConfig extends EventSubgraphConfig {
  lotExpiry: LotExpiryConfig;
}

export const inventorySubgraph: SubgraphDefinition<InventoryConfig, InventoryContext> = {
  registration: SUBGRAPHS.inventory,
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
  events: { subscriptions: SAGA_SUBSCRIPTION_LIST, publishes: true, consumers: [orderEventsConsumer] },
  readConfig: (env) =>
    readConfig(env, (read) => ({
      ...readEventSubgraphSettings(read, SUBGRAPHS.inventory.defaultPort),
      lotExpiry: readLotExpiryConfig(read),
    })),
  async assemble(config, { orm, logger }) {
    // The expiry sweep runs from start-up until the subgraph closes.
    const sweep = scheduleLotExpirySweep(orm, logger, config.lotExpiry);
    return {
      createContext: (scope) => ({
        ...scope,
        inventory: new InventoryService(scope),
        lots: new LotService(scope),
      }),
      stop: () => sweep.stop(),
    };
  },
};
