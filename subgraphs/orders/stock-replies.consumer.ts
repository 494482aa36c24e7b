import { LockMode } from '@mikro-orm/core';
import type { EventConsumer } from '../../lib/event-bus/event-processing.ts';
import { readInventoryEvent } from '../inventory/inventory-events.ts';
import { SAGA_SUBSCRIPTIONS } from '../saga.ts';
import { OrderLine } from './order-line.entity.ts';
import { Order } from './order.entity.ts';
import { rejectionReason } from './order.rules.ts';

/**
 * The orders' consumer of `inventory-events`: a PENDING order becomes CONFIRMED when its stock is
 * reserved, or REJECTED with a reason naming the short products. An order that moved on meanwhile (the
 * customer cancelled it) stays as it is: inventory releases the stock on the cancellation.
 */
export const stockRepliesConsumer: EventConsumer = {
  subscription: SAGA_SUBSCRIPTIONS.ordersStockReplies,
  async handle(em, event, logger) {
    const reply = readInventoryEvent(event);
    if (reply?.type !== 'inventory.reserved' && reply?.type !== 'inventory.rejected') return;
    const { orderId } = reply.payload;
    const order = await em.findOne(Order, { id: orderId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!order) {
      // Only a bus shared by another deployment could send this; retrying would not make the order appear.
      logger.warn({ orderId }, 'stock reply for an order that does not exist here; ignored');
      return;
    }
    if (order.status !== 'PENDING') {
      logger.info({ orderId, status: order.status }, 'stock reply for an order that moved on; ignored');
      return;
    }
    if (reply.type === 'inventory.reserved') {
      order.status = 'CONFIRMED';
    } else {
      const lines = await em.find(OrderLine, { orderId });
      order.status = 'REJECTED';
      order.rejectionReason = rejectionReason(reply.payload.shortages, lines);
    }
    await em.flush();
    logger.info({ orderId, status: order.status }, 'order decided by inventory');
  },
};
