import type { EventConsumer } from '../../lib/event-bus/event-processing.ts';
import { readOrderEvent } from '../orders/order-events.ts';
import { SAGA_SUBSCRIPTIONS } from '../saga.ts';
import { ReservationService } from './reservation.service.ts';

/** Inventory's consumer of `order-events`: reserves for placed orders, releases for cancelled, ships. */
export const orderEventsConsumer: EventConsumer = {
  subscription: SAGA_SUBSCRIPTIONS.inventoryOrders,
  async handle(em, event, logger) {
    const orderEvent = readOrderEvent(event);
    if (orderEvent === null) return;
    const reservations = new ReservationService(em, event.correlationId, logger);
    switch (orderEvent.type) {
      case 'order.placed':
        return reservations.reserveStock(orderEvent.payload);
      case 'order.cancelled':
        return reservations.releaseStock(orderEvent.payload.orderId);
      case 'order.shipped':
        return reservations.shipStock(orderEvent.payload.orderId);
    }
  },
};
