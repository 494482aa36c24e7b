import { defineEntity, p } from '@mikro-orm/postgresql';

/** The stock of one product (keyed by the products subgraph's id). */
export const InventoryItemSchema = defineEntity({
  name: 'InventoryItem',
  tableName: 'inventory_item',
  properties: {
    productId: p.integer().primary().autoincrement(false),
    quantity: p.integer().default(0),
    reserved: p.integer().default(0),
    reorderLevel: p.integer().default(0),
    updatedAt: p.datetime().nullable(),
  },
});

export class InventoryItem extends InventoryItemSchema.class {}
InventoryItemSchema.setClass(InventoryItem);
