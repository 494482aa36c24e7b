import type { GraphQLResolverMap } from '@apollo/subgraph';
import { DateScalar, DateTimeScalar } from '../../lib/scalars.ts';
import type { Resolvers } from './__generated__/resolvers-types.ts';
import type { InventoryContext } from './inventory.subgraph.ts';
import { today } from '../../lib/calendar-day.ts';
import { lotAvailableOn, lotStatusOn } from './lot.rules.ts';
import { isLowStock } from './stock-levels.ts';

export const inventoryResolvers: Resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  Query: {
    inventory: (_, { productId }, { inventory }) => inventory.stockOf(productId),
    inventoryItems: (_, { page, pageSize }, { inventory }) => inventory.list(page, pageSize),
    lowStockItems: (_, __, { inventory }) => inventory.lowStock(),
    lowStockAlert: (_, { id }, { inventory }) => inventory.lowStockAlert(id),
    expiringLots: (_, { withinDays }, { lots }) => lots.expiring(withinDays),
    recalledLotOrders: (_, { productId, lotNumber }, { lots }) => lots.ordersThatHeld(productId, lotNumber),
  },
  Mutation: {
    adjustInventory: (_, { productId, adjustment, reason, lotNumber }, { inventory }) =>
      inventory.adjust(productId, adjustment, reason, lotNumber),
    setReorderLevel: (_, { productId, reorderLevel }, { inventory }) =>
      inventory.setReorderLevel(productId, reorderLevel),
    receiveStock: (_, input, { lots }) => lots.receive(input),
    recallLot: (_, { productId, lotNumber, reason }, { lots }) =>
      lots.changeStatus(productId, lotNumber, 'recall', reason),
    quarantineLot: (_, { productId, lotNumber, reason }, { lots }) =>
      lots.changeStatus(productId, lotNumber, 'quarantine', reason),
    releaseLot: (_, { productId, lotNumber, reason }, { lots }) =>
      lots.changeStatus(productId, lotNumber, 'release', reason),
  },
  Product: {
    inventory: ({ id }, _, { inventory }) => inventory.stockOf(id),
  },
  InventoryItem: {
    product: (item) => ({ id: String(item.productId) }),
    isLowStock: (item) => isLowStock(item),
    movements: (item, { page, pageSize }, { inventory }) =>
      inventory.movementsOf(item.productId, page, pageSize),
    lots: (item, _, { lots }) => lots.lotsOf(item.productId),
  },
  Lot: {
    product: (lot) => ({ id: String(lot.productId) }),
    available: (lot) => lotAvailableOn(lot, today()),
    status: (lot) => lotStatusOn(lot, today()),
  },
  LowStockAlert: {
    product: (alert) => ({ id: String(alert.productId) }),
    orderId: (alert) => (alert.orderId === null ? null : String(alert.orderId)),
  },
  StockMovement: {
    id: (movement) => String(movement.id),
    orderId: (movement) => (movement.orderId === null ? null : String(movement.orderId)),
    actor: (movement) => (movement.actorUserId === null ? null : { id: String(movement.actorUserId) }),
  },
} satisfies Resolvers & GraphQLResolverMap<InventoryContext>;
