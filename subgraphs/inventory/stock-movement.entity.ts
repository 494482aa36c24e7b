import { defineEntity, p } from '@mikro-orm/postgresql';

export const STOCK_MOVEMENT_KINDS = ['ADJUSTMENT', 'RESERVATION', 'RELEASE', 'SHIPMENT'] as const;
export type StockMovementKind = (typeof STOCK_MOVEMENT_KINDS)[number];

/**
 * One change of a product's stock in the ledger: by hand (an actor) or for an order (reserved, released,
 * shipped). Never updated.
 */
export const StockMovementSchema = defineEntity({
  name: 'StockMovement',
  tableName: 'stock_movement',
  properties: {
    id: p.integer().primary().autoincrement(),
    productId: p.integer(),
    kind: p.enum(STOCK_MOVEMENT_KINDS),
    delta: p.integer(),
    quantityAfter: p.integer(),
    reservedDelta: p.integer(),
    reservedAfter: p.integer(),
    reason: p.string().length(500),
    orderId: p.integer().nullable(),
    actorUserId: p.integer().nullable(),
    occurredAt: p.datetime(),
  },
});

export class StockMovement extends StockMovementSchema.class {}
StockMovementSchema.setClass(StockMovement);
