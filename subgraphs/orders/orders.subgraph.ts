import {
  createSubgraph,
  loadTypeDefs,
  type Subgraph,
  type SubgraphConfig,
  type SubgraphContext,
  type SubgraphModule,
} from '../../lib/subgraph.ts';
import { CreateOrder } from './migrations/20261125-create-order.migration.ts';
import { Order } from './order.entity.ts';
import { OrderService } from './order.service.ts';
import { ordersResolvers } from './resolvers.ts';

export interface OrdersContext extends SubgraphContext {
  orders: OrderService;
}

export const ordersModule: SubgraphModule<OrdersContext> = {
  name: 'orders',
  typeDefs: loadTypeDefs(new URL('./schema.graphql', import.meta.url)),
  resolvers: ordersResolvers,
  entities: [Order],
  migrations: [CreateOrder],
  createContext: (base) => ({ ...base, orders: new OrderService(base.em) }),
};

export function createOrdersSubgraph(config: SubgraphConfig): Promise<Subgraph> {
  return createSubgraph(ordersModule, config);
}
