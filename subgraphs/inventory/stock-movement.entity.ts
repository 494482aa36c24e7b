import { defineEntity, p } from '@mikro-orm/postgresql';

/** One change of a product's quantity in the ledger: by hand (an actor) or for an order. Never updated. */
export const StockMovementSchema = defineEntity({
  name: 'StockMovement',
  tableName: 'stock_movement',
  properties: {
    id: p.integer().primary().autoincrement(),
    productId: p.integer(),
    delta: p.integer(),
    quantityAfter: p.integer(),
    reason: p.string().length(500),
    orderId: p.integer().nullable(),
    actorUserId: p.integer().nullable(),
    occurredAt: p.datetime(),
  },
});

export class StockMovement extends StockMovementSchema.class {}
StockMovementSchema.setClass(StockMovement);
