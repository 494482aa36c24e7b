import { formatMoney } from '../../lib/money.ts';
import { DateTimeScalar, DecimalScalar } from '../../lib/scalars.ts';
import type { Resolvers } from './__generated__/resolvers-types.ts';

export const ordersResolvers: Resolvers = {
  Decimal: DecimalScalar,
  DateTime: DateTimeScalar,
  Order: {
    __resolveReference: ({ id }, { orders }) => orders.findById(id),
    id: (order) => String(order.id),
    user: (order) => ({ id: String(order.userId) }),
    total: (order) => formatMoney(order.totalMinor),
  },
};
