import { DateTimeScalar } from '../../lib/scalars.ts';
import type { Resolvers } from './__generated__/resolvers-types.ts';
import { availableUnits, isLowStock } from './inventory.service.ts';

export const inventoryResolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Product: {
    inventory: ({ id }, _, { inventory }) => inventory.stockOf(id),
  },
  InventoryItem: {
    product: (item) => ({ id: String(item.productId) }),
    available: (item) => availableUnits(item),
    isLowStock: (item) => isLowStock(item),
  },
};
