/**
 * What the inventory subgraph announces on `inventory-events`: the replies of the order saga and the
 * low-stock alerts. Version 1 of each type.
 */
import { createEvent, type EventEnvelope } from '../../lib/event-bus/event.ts';
import { readPayload } from '../../lib/event-bus/payload.ts';

export const INVENTORY_EVENTS_TOPIC = 'inventory-events';

/** Every line of the order is held for it. */
export interface StockReserved {
  orderId: number;
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
  | { type: 'inventory.low-stock'; payload: LowStock };

export function inventoryEvent(event: InventoryEvent, correlationId: string): EventEnvelope {
  return createEvent(event.type, event.payload, correlationId, 1);
}

/** The inventory event in `event`, or null for a type this version of the code does not know. */
export function readInventoryEvent(event: EventEnvelope): InventoryEvent | null {
  switch (event.type) {
    case 'inventory.reserved':
      return { type: event.type, payload: readPayload(event, 1, (p) => ({ orderId: p.int('orderId', 1) })) };
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
