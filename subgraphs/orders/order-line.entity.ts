import { defineEntity, p } from '@mikro-orm/postgresql';

/**
 * One product of an order, at the price the catalogue held when it was placed. The SKU and name are kept
 * as they were then, to name the product in a rejection and in the order's history.
 */
export const OrderLineSchema = defineEntity({
  name: 'OrderLine',
  tableName: 'order_line',
  properties: {
    id: p.integer().primary().autoincrement(),
    orderId: p.integer(),
    productId: p.integer(),
    sku: p.string().length(64),
    productName: p.string().length(200),
    quantity: p.integer(),
    unitPriceMinor: p.bigint('number'),
    lineTotalMinor: p.bigint('number'),
  },
});

export class OrderLine extends OrderLineSchema.class {}
OrderLineSchema.setClass(OrderLine);
