import { readConfig, type Env } from '../../lib/config.ts';
import { CreateOutbox } from '../../lib/event-bus/outbox.migration.ts';
import { CreateProcessedEvent } from '../../lib/event-bus/processed-event.migration.ts';
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
import { Catalogue, type CatalogueOptions } from './catalogue.ts';
import { CreateOrder } from './migrations/20261125-create-order.migration.ts';
import { CreateOrderLine } from './migrations/20261126-create-order-line.migration.ts';
import { PrescriptionReviewLotsAudit } from './migrations/20261127-prescription-review-lots-audit.migration.ts';
import { OrderLineLot } from './order-line-lot.entity.ts';
import { OrderLine } from './order-line.entity.ts';
import { OrderStatusChange } from './order-status-change.entity.ts';
import { Order } from './order.entity.ts';
import { PrescriptionReview } from './prescription-review.entity.ts';
import { RecallNotice } from './recall-notice.entity.ts';
import { OrderService } from './order.service.ts';
import { ordersResolvers } from './resolvers.ts';
import { stockRepliesConsumer } from './stock-replies.consumer.ts';

export interface OrdersContext extends SubgraphContext {
  orders: OrderService;
}

export interface OrdersConfig extends EventSubgraphConfig {
  /** Where prices come from when an order is placed (see catalogue.ts). */
  catalogue: Omit<CatalogueOptions, 'routerSecret'>;
}

export function readOrdersConfig(env: Env, defaultPort: number): OrdersConfig {
  return readConfig(env, (read) => ({
    ...readEventSubgraphSettings(read, defaultPort),
    catalogue: {
      url: read.url('PRODUCTS_URL', ['http:', 'https:'], 'http://127.0.0.1:4002/graphql'),
      timeoutMs: read.int('CATALOGUE_TIMEOUT_MS', 5_000, { min: 100, max: 60_000 }),
    },
  }));
}

export const ordersTypeDefs = loadTypeDefs(new URL('./schema.graphql', import.meta.url));

export function ordersModule(catalogue: Catalogue): SubgraphModule<OrdersContext> {
  return {
    name: 'orders',
    typeDefs: ordersTypeDefs,
    resolvers: ordersResolvers,
    entities: [Order, OrderLine, OrderLineLot, PrescriptionReview, RecallNotice, OrderStatusChange],
    migrations: [
      CreateOrder,
      CreateOutbox,
      CreateProcessedEvent,
      CreateOrderLine,
      PrescriptionReviewLotsAudit,
    ],
    createContext: (base) => ({
      ...base,
      orders: new OrderService(base.em, { ...base, catalogue }),
    }),
    events: { subscriptions: SAGA_SUBSCRIPTION_LIST, publishes: true, consumers: [stockRepliesConsumer] },
  };
}

export function createOrdersSubgraph(config: OrdersConfig): Promise<Subgraph> {
  const catalogue = new Catalogue({ ...config.catalogue, routerSecret: config.routerSecret });
  return createSubgraph(ordersModule(catalogue), config);
}
