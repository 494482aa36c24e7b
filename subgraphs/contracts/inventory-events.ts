/**
 * What the inventory subgraph announces on `inventory-events`: the replies of the order saga and the
 * low-stock alerts. Version 1 of each type.
 */
import { createEvent, type EventEnvelope } from '../../lib/event-bus/event.ts';
import { readPayload, type PayloadReader } from '../../lib/event-bus/payload.ts';

export const INVENTORY_EVENTS_TOPIC = 'inventory-events';

/** Units of one lot held for (or shipped with) an order line. */
export interface LotQuantity {
  lotNumber: string;
  /** The lot's expiry day (`YYYY-MM-DD`), or null for stock received without one. */
  expiresOn: string | null;
  quantity: number;
}

/** The lots that cover one product of an order, first to expire first. */
export interface LineLots {
  productId: number;
  lots: LotQuantity[];
}

/** Every line of the order is held for it, from these lots. */
export interface StockReserved {
  orderId: number;
  /** Empty in events written before lots existed. */
  lines: LineLots[];
}

/** Why a lot can no longer give units to the orders that hold it. */
export const WITHDRAWN_LOT_STATUSES = ['RECALLED', 'QUARANTINED', 'EXPIRED'] as const;
export type WithdrawnLotStatus = (typeof WITHDRAWN_LOT_STATUSES)[number];

/**
 * A lot an open order held was recalled, quarantined or has expired. Inventory moved the order's units to
 * other lots where they could cover them (`covered`); otherwise the order still holds the withdrawn lot and
 * must not ship until staff decide. `lines` are all of the order's lots after the change.
 */
export interface OrderLotsChanged {
  orderId: number;
  productId: number;
  lotNumber: string;
  lotStatus: WithdrawnLotStatus;
  reason: string;
  covered: boolean;
  lines: LineLots[];
}

/**
 * A quarantined lot was released: it can be reserved again, and an order that kept units of it (no other
 * lot could cover them) may ship again.
 */
export interface LotReleased {
  productId: number;
  lotNumber: string;
  reason: string;
}

/** A lot that still has units on the shelf expires within the warning window, or has expired. */
export interface LotExpiry {
  productId: number;
  lotNumber: string;
  expiresOn: string;
  /** Units of the lot on the shelf when the sweep saw it. */
  quantity: number;
}

export interface StockShortage {
  productId: number;
  requested: number;
  available: number;
}

/** Some line could not be covered, so nothing was reserved. */
export interface StockRejected {
  orderId: number;
  shortages: StockShortage[];
}

/** A product's available units fell to or below its reorder level (sent once per crossing). */
export interface LowStock {
  productId: number;
  quantity: number;
  reserved: number;
  available: number;
  reorderLevel: number;
  /** How far available is below the reorder level: reorderLevel - available (0 when it is at it). */
  shortage: number;
  /** The order whose reservation caused it, or null for a change by hand. */
  orderId: number | null;
}

export type InventoryEvent =
  | { type: 'inventory.reserved'; payload: StockReserved }
  | { type: 'inventory.rejected'; payload: StockRejected }
  | { type: 'inventory.low-stock'; payload: LowStock }
  | { type: 'inventory.order-lots-changed'; payload: OrderLotsChanged }
  | { type: 'inventory.lot-released'; payload: LotReleased }
  | { type: 'inventory.lot-expiring'; payload: LotExpiry }
  | { type: 'inventory.lot-expired'; payload: LotExpiry };

export function inventoryEvent(event: InventoryEvent, correlationId: string): EventEnvelope {
  return createEvent(event.type, event.payload, correlationId, 1);
}

/** The inventory event in `event`, or null for a type this version of the code does not know. */
export function readInventoryEvent(event: EventEnvelope): InventoryEvent | null {
  switch (event.type) {
    case 'inventory.reserved':
      return {
        type: event.type,
        payload: readPayload(event, 1, (p) => ({
          orderId: p.int('orderId', 1),
          lines: p.optionalList('lines', readLineLots),
        })),
      };
    case 'inventory.order-lots-changed':
      return {
        type: event.type,
        payload: readPayload(event, 1, (p) => ({
          orderId: p.int('orderId', 1),
          productId: p.int('productId', 1),
          lotNumber: p.string('lotNumber'),
          lotStatus: p.oneOf('lotStatus', WITHDRAWN_LOT_STATUSES),
          reason: p.string('reason'),
          covered: p.boolean('covered'),
          lines: p.list('lines', readLineLots),
        })),
      };
    case 'inventory.lot-released':
      return {
        type: event.type,
        payload: readPayload(event, 1, (p) => ({
          productId: p.int('productId', 1),
          lotNumber: p.string('lotNumber'),
          reason: p.string('reason'),
        })),
      };
    case 'inventory.lot-expiring':
    case 'inventory.lot-expired':
      return {
        type: event.type,
        payload: readPayload(event, 1, (p) => ({
          productId: p.int('productId', 1),
          lotNumber: p.string('lotNumber'),
          expiresOn: p.day('expiresOn'),
          quantity: p.int('quantity', 0),
        })),
      };
    case 'inventory.rejected':
      return {
        type: event.type,
        payload: readPayload(event, 1, (p) => ({
          orderId: p.int('orderId', 1),
          shortages: p.list('shortages', (s) => ({
            productId: s.int('productId', 1),
            requested: s.int('requested', 1),
            available: s.int('available', 0),
          })),
        })),
      };
    case 'inventory.low-stock':
      return {
        type: event.type,
        payload: readPayload(event, 1, (p) => ({
          productId: p.int('productId', 1),
          quantity: p.int('quantity', 0),
          reserved: p.int('reserved', 0),
          available: p.int('available', 0),
          reorderLevel: p.int('reorderLevel', 0),
          shortage: p.int('shortage', 0),
          orderId: p.optionalId('orderId'),
        })),
      };
    default:
      return null;
  }
}

function readLineLots(line: PayloadReader): LineLots {
  return {
    productId: line.int('productId', 1),
    lots: line.list('lots', (lot) => ({
      lotNumber: lot.string('lotNumber'),
      expiresOn: lot.optionalDay('expiresOn'),
      quantity: lot.int('quantity', 1),
    })),
  };
}
