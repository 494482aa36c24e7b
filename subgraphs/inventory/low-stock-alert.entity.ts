import { defineEntity, p } from '@mikro-orm/postgresql';

/** A fall of a product to its reorder level, as announced by `inventory.low-stock` (same id). Never updated. */
export const LowStockAlertSchema = defineEntity({
  name: 'LowStockAlert',
  tableName: 'low_stock_alert',
  properties: {
    id: p.uuid().primary(),
    productId: p.integer(),
    quantity: p.integer(),
    reserved: p.integer(),
    available: p.integer(),
    reorderLevel: p.integer(),
    shortage: p.integer(),
    orderId: p.integer().nullable(),
    occurredAt: p.datetime(),
  },
});

export class LowStockAlert extends LowStockAlertSchema.class {}
LowStockAlertSchema.setClass(LowStockAlert);
