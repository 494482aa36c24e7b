import { defineEntity, p } from '@mikro-orm/postgresql';
import { ROLES } from '../../lib/viewer.ts';

export const STOCK_MOVEMENT_KINDS = [
  'ADJUSTMENT',
  'RECEIPT',
  'RESERVATION',
  'RELEASE',
  'SHIPMENT',
  'REALLOCATION',
  'LOT_QUARANTINED',
  'LOT_RECALLED',
  'LOT_RELEASED',
  'LOT_EXPIRED',
] as const;
export type StockMovementKind = (typeof STOCK_MOVEMENT_KINDS)[number];

/**
 * One change of a product's stock in one lot, in the ledger: by hand (an actor and their role), for an
 * order (the event that caused it), or by the system (the expiry sweep: neither). Never updated.
 */
export const StockMovementSchema = defineEntity({
  name: 'StockMovement',
  tableName: 'stock_movement',
  properties: {
    id: p.integer().primary().autoincrement(),
    productId: p.integer(),
    lotNumber: p.string().length(50).nullable(),
    kind: p.enum(STOCK_MOVEMENT_KINDS),
    delta: p.integer(),
    quantityAfter: p.integer(),
    reservedDelta: p.integer(),
    reservedAfter: p.integer(),
    reason: p.string().length(500),
    orderId: p.integer().nullable(),
    actorUserId: p.integer().nullable(),
    actorRole: p.enum(ROLES).nullable(),
    eventType: p.string().nullable(),
    eventId: p.uuid().nullable(),
    occurredAt: p.datetime(),
  },
});

export class StockMovement extends StockMovementSchema.class {}
StockMovementSchema.setClass(StockMovement);
