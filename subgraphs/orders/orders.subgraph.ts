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
import { Catalogue, type CatalogueOptions } from './catalogue.ts';
import { CreateOrder } from './migrations/20261125-create-order.migration.ts';
import { CreateOrderLine } from './migrations/20261126-create-order-line.migration.ts';
import { PrescriptionReviewLotsAudit } from './migrations/20261127-prescription-review-lots-audit.migration.ts';
import { StaleOrderSweep } from './migrations/20261205-stale-order-sweep.migration.ts';
import { OrderLineLot } from './order-line-lot.entity.ts';
import { OrderLine } from './order-line.entity.ts';
import { OrderStatusChange } from './order-status-change.entity.ts';
import { Order } from './order.entity.ts';
import { OrderService } from './order.service.ts';
import { PrescriptionReview } from './prescription-review.entity.ts';
import { RecallNotice } from './recall-notice.entity.ts';
import { ordersResolvers } from './resolvers.ts';
import {
  readStaleOrderConfig,
  scheduleStaleOrderSweep,
  type StaleOrderConfig,
} from './stale-orders.sweep.ts';
import { stockRepliesConsumer } from './stock-replies.consumer.ts';

export interface OrdersContext extends RequestScope {
  orders: OrderService;
}

export interface OrdersConfig extends EventSubgraphConfig {
  /** Where prices come from when an order is placed (see catalogue.ts). */
  catalogue: Omit<CatalogueOptions, 'routerSecret'>;
  staleOrders: StaleOrderConfig;
}

export const ordersSubgraph: SubgraphDefinition<OrdersConfig, OrdersContext> = {
  registration: SUBGRAPHS.orders,
  resolvers: ordersResolvers,
  entities: [Order, OrderLine, OrderLineLot, PrescriptionReview, RecallNotice, OrderStatusChange],
  migrations: [
    CreateOrder,
    CreateOutbox,
    CreateProcessedEvent,
    CreateOrderLine,
    PrescriptionReviewLotsAudit,
    StaleOrderSweep,
  ],
  events: { subscriptions: SAGA_SUBSCRIPTION_LIST, publishes: true, consumers: [stockRepliesConsumer] },
  readConfig: (env) =>
    readConfig(env, (read) => ({
      ...readEventSubgraphSettings(read, SUBGRAPHS.orders.defaultPort),
      catalogue: {
        url: read.url('PRODUCTS_URL', ['http:', 'https:'], 'http://127.0.0.1:4002/graphql'),
        timeoutMs: read.int('CATALOGUE_TIMEOUT_MS', 5_000, { min: 100, max: 60_000 }),
      },
      staleOrders: readStaleOrderConfig(read),
    })),
  async assemble(config, { orm, logger }) {
    const catalogue = new Catalogue({ ...config.catalogue, routerSecret: config.routerSecret });
    // The stale order sweep runs from start-up until the subgraph closes.
    const sweep = scheduleStaleOrderSweep(orm, logger, config.staleOrders);
    return {
      createContext: (scope) => ({ ...scope, orders: new OrderService(scope, catalogue) }),
      stop: () => sweep.stop(),
    };
  },
};
