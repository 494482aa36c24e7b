import type { EventConsumer } from '../../lib/event-bus/event-processing.ts';
import { readOrderEvent } from '../contracts/order-events.ts';
import { SAGA_SUBSCRIPTIONS } from '../contracts/saga-subscriptions.ts';
import { ReservationService } from './reservation.service.ts';

/**
 * Inventory's consumer of `order-events`: reserves for placed orders, releases for cancelled orders and
 * orders rejected in review, ships. Each change is recorded as caused by the event.
 */
export const orderEventsConsumer: EventConsumer = {
  subscription: SAGA_SUBSCRIPTIONS.inventoryOrders,
  async handle(em, event, logger) {
    const orderEvent = readOrderEvent(event);
    if (orderEvent === null) return;
    const reservations = new ReservationService(
      em,
      { actor: null, event: { type: event.type, id: event.id }, correlationId: event.correlationId },
      logger,
    );
    switch (orderEvent.type) {
      case 'order.placed':
        return reservations.reserveStock(orderEvent.payload);
      case 'order.cancelled':
        return reservations.releaseStock(orderEvent.payload.orderId, 'cancelled');
      case 'order.rejected':
        return reservations.releaseStock(orderEvent.payload.orderId, 'rejected in review');
      case 'order.shipped':
        return reservations.shipStock(orderEvent.payload.orderId);
    }
  },
};
