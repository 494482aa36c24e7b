import type { GraphQLResolverMap } from '@apollo/subgraph';
import { formatMoney } from '../../lib/money.ts';
import { DateScalar, DateTimeScalar, DecimalScalar } from '../../lib/scalars.ts';
import type { Resolvers } from './__generated__/resolvers-types.ts';
import { prescriptionOf } from './order.service.ts';
import type { OrdersContext } from './orders.subgraph.ts';

const reference = (id: number) => ({ id: String(id) });

export const ordersResolvers: Resolvers = {
  Decimal: DecimalScalar,
  DateTime: DateTimeScalar,
  Date: DateScalar,
  Query: {
    order: (_, { id }, { orders }) => orders.find(id),
    myOrders: (_, { page, pageSize }, { orders }) => orders.mine(page, pageSize),
    orders: (_, { filter, page, pageSize }, { orders }) => orders.list(filter, page, pageSize),
    ordersAwaitingReview: (_, { page, pageSize }, { orders }) => orders.awaitingReview(page, pageSize),
  },
  Mutation: {
    placeOrder: (_, { input }, { orders }) => orders.place(input),
    cancelOrder: (_, { id }, { orders }) => orders.cancel(id),
    updateOrderStatus: (_, { id, status }, { orders }) => orders.updateStatus(id, status),
    approvePrescriptionOrder: (_, { id, note }, { orders }) => orders.approve(id, note),
    rejectPrescriptionOrder: (_, { id, reason }, { orders }) => orders.reject(id, reason),
  },
  Order: {
    __resolveReference: ({ id }, { orders }) => orders.findReference(id),
    id: (order) => String(order.id),
    user: (order) => reference(order.userId),
    lines: (order, _, { orders }) => orders.linesOf(order),
    total: (order) => formatMoney(order.totalMinor),
    prescription: (order) => prescriptionOf(order),
    review: (order, _, { orders }) => orders.reviewOf(order),
    recallNotices: (order, _, { orders }) => orders.recallNoticesOf(order),
    statusHistory: (order, _, { orders }) => orders.statusHistoryOf(order),
  },
  OrderLine: {
    product: (line) => reference(line.productId),
    unitPrice: (line) => formatMoney(line.unitPriceMinor),
    lineTotal: (line) => formatMoney(line.lineTotalMinor),
    lots: (line, _, { orders }) => orders.lotsOf(line),
  },
  PrescriptionReview: {
    reviewer: (review) => reference(review.reviewerId),
  },
  RecallNotice: {
    product: (notice) => reference(notice.productId),
  },
  OrderStatusChange: {
    from: (change) => change.fromStatus ?? null,
    to: (change) => change.toStatus,
    actor: (change) => (change.actorId ? reference(change.actorId) : null),
  },
  User: {
    orders: ({ id }, { page, pageSize }, { orders }) => orders.ofUser(id, page, pageSize),
  },
} satisfies Resolvers & GraphQLResolverMap<OrdersContext>;
