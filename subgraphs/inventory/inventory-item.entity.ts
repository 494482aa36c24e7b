import { defineEntity, p } from '@mikro-orm/postgresql';
import { availableSql } from './stock-sql.ts';

/**
 * The stock of one product (keyed by the products subgraph's id): the sums of its lots' quantity and
 * reserved, and its available units, computed from the lots at read time (so expired stock leaves it at once).
 */
export const InventoryItemSchema = defineEntity({
  name: 'InventoryItem',
  tableName: 'inventory_item',
  properties: {
    productId: p.integer().primary().autoincrement(false),
    quantity: p.integer().default(0),
    reserved: p.integer().default(0),
    available: p.integer().formula((_, table) => availableSql(`${table.alias}.product_id`)),
    reorderLevel: p.integer().default(0),
    updatedAt: p.datetime().nullable(),
  },
});

export class InventoryItem extends InventoryItemSchema.class {}
InventoryItemSchema.setClass(InventoryItem);
