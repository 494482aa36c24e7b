/**
 * What the orders subgraph announces on `order-events`: its public contract with the other services, as
 * its schema is with clients. Version 1 of each type; a new version gets a new reader beside the old one.
 */
import { createEvent, type EventEnvelope } from '../../lib/event-bus/event.ts';
import { readPayload } from '../../lib/event-bus/payload.ts';

export const ORDER_EVENTS_TOPIC = 'order-events';

export interface OrderedQuantity {
  productId: number;
  quantity: number;
}

/** A customer placed an order: inventory reserves its lines, all or none. */
export interface OrderPlaced {
  orderId: number;
  userId: number;
  lines: OrderedQuantity[];
}

/** An order was cancelled before it shipped: inventory releases what it holds for it (if anything). */
export interface OrderCancelled {
  orderId: number;
}

/** A pharmacist rejected a prescription order in review: inventory releases what it holds for it. */
export interface OrderRejected {
  orderId: number;
}

/** An order left the pharmacy: inventory takes its reserved units off the shelf. */
export interface OrderShipped {
  orderId: number;
}

export type OrderEvent =
  | { type: 'order.placed'; payload: OrderPlaced }
  | { type: 'order.cancelled'; payload: OrderCancelled }
  | { type: 'order.rejected'; payload: OrderRejected }
  | { type: 'order.shipped'; payload: OrderShipped };

export function orderEvent(event: OrderEvent, correlationId: string): EventEnvelope {
  return createEvent(event.type, event.payload, correlationId, 1);
}

/** The order event in `event`, or null for a type this version of the code does not know. */
export function readOrderEvent(event: EventEnvelope): OrderEvent | null {
  switch (event.type) {
    case 'order.placed':
      return {
        type: event.type,
        payload: readPayload(event, 1, (p) => ({
          orderId: p.int('orderId', 1),
          userId: p.int('userId', 1),
          lines: p.list('lines', (line) => ({
            productId: line.int('productId', 1),
            quantity: line.int('quantity', 1),
          })),
        })),
      };
    case 'order.cancelled':
    case 'order.rejected':
    case 'order.shipped':
      return { type: event.type, payload: readPayload(event, 1, (p) => ({ orderId: p.int('orderId', 1) })) };
    default:
      return null;
  }
}
