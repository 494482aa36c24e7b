import type { GraphQLResolverMap } from '@apollo/subgraph';
import { formatMoney } from '../../lib/money.ts';
import { DateTimeScalar, DecimalScalar } from '../../lib/scalars.ts';
import type { Resolvers } from './__generated__/resolvers-types.ts';
import type { OrdersContext } from './orders.subgraph.ts';

export const ordersResolvers: Resolvers = {
  Decimal: DecimalScalar,
  DateTime: DateTimeScalar,
  Query: {
    order: (_, { id }, { orders }) => orders.find(id),
    myOrders: (_, { page, pageSize }, { orders }) => orders.mine(page, pageSize),
    orders: (_, { filter, page, pageSize }, { orders }) => orders.list(filter, page, pageSize),
  },
  Mutation: {
    placeOrder: (_, { input }, { orders }) => orders.place(input),
    cancelOrder: (_, { id }, { orders }) => orders.cancel(id),
    updateOrderStatus: (_, { id, status }, { orders }) => orders.updateStatus(id, status),
  },
  Order: {
    __resolveReference: ({ id }, { orders }) => orders.findReference(id),
    id: (order) => String(order.id),
    user: (order) => ({ id: String(order.userId) }),
    lines: (order, _, { orders }) => orders.linesOf(order),
    total: (order) => formatMoney(order.totalMinor),
  },
  OrderLine: {
    product: (line) => ({ id: String(line.productId) }),
    unitPrice: (line) => formatMoney(line.unitPriceMinor),
    lineTotal: (line) => formatMoney(line.lineTotalMinor),
  },
  User: {
    orders: ({ id }, { page, pageSize }, { orders }) => orders.ofUser(id, page, pageSize),
  },
} satisfies Resolvers & GraphQLResolverMap<OrdersContext>;
