import type { GraphQLResolverMap } from '@apollo/subgraph';
import { DateTimeScalar } from '../../lib/scalars.ts';
import type { Resolvers } from './__generated__/resolvers-types.ts';
import type { InventoryContext } from './inventory.subgraph.ts';
import { availableUnits, isLowStock } from './stock-levels.ts';

export const inventoryResolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    inventory: (_, { productId }, { inventory }) => inventory.stockOf(productId),
    inventoryItems: (_, { page, pageSize }, { inventory }) => inventory.list(page, pageSize),
    lowStockItems: (_, __, { inventory }) => inventory.lowStock(),
    lowStockAlert: (_, { id }, { inventory }) => inventory.lowStockAlert(id),
  },
  Mutation: {
    adjustInventory: (_, { productId, adjustment, reason }, { inventory, viewer }) =>
      inventory.adjust(viewer, productId, adjustment, reason),
    setReorderLevel: (_, { productId, reorderLevel }, { inventory }) =>
      inventory.setReorderLevel(productId, reorderLevel),
  },
  Product: {
    inventory: ({ id }, _, { inventory }) => inventory.stockOf(id),
  },
  InventoryItem: {
    product: (item) => ({ id: String(item.productId) }),
    available: (item) => availableUnits(item),
    isLowStock: (item) => isLowStock(item),
    movements: (item, { page, pageSize }, { inventory }) =>
      inventory.movementsOf(item.productId, page, pageSize),
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
