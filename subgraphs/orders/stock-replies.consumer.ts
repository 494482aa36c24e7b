import { LockMode } from '@mikro-orm/core';
import type { EventConsumer } from '../../lib/event-bus/event-processing.ts';
import { readInventoryEvent } from '../contracts/inventory-events.ts';
import { SAGA_SUBSCRIPTIONS } from '../contracts/saga-subscriptions.ts';
import { OrderLine } from './order-line.entity.ts';
import { Order } from './order.entity.ts';
import { replaceOrderLots, storeReservedLots } from './order-lots.ts';
import { changeOrderStatus } from './order-status.ts';
import { rejectionReason } from './order.rules.ts';
import { RecallNotice } from './recall-notice.entity.ts';

/**
 * The orders' consumer of `inventory-events`:
 * - `inventory.reserved`: a PENDING order keeps the lots that cover its lines and becomes CONFIRMED, or
 *   AWAITING_REVIEW when it needs a prescription; `inventory.rejected`: it becomes REJECTED with a reason
 *   naming the short products. An order that moved on meanwhile (the customer cancelled it) stays as it
 *   is: inventory releases the stock on the cancellation.
 * - `inventory.order-lots-changed`: a lot the order held was recalled, quarantined or expired; the order's lots
 *   become the ones inventory lists, and a recall notice is kept on the order for staff.
 * - `inventory.lot-released`: the quarantine is over; notices of that lot no longer hold orders back.
 * Other types (low stock, lot expiry) are not the orders' business and are acknowledged as they come.
 */
export const stockRepliesConsumer: EventConsumer = {
  subscription: SAGA_SUBSCRIPTIONS.ordersStockReplies,
  async handle(em, event, logger, metrics) {
    const reply = readInventoryEvent(event);
    if (reply?.type === 'inventory.lot-released') {
      const { productId, lotNumber } = reply.payload;
      const resolved = await em.nativeUpdate(
        RecallNotice,
        { productId, lotNumber, covered: false, resolvedAt: null },
        { resolvedAt: new Date() },
      );
      if (resolved > 0)
        logger.info({ productId, lotNumber, resolved }, 'recall notices resolved by a release');
      return;
    }
    if (
      reply?.type !== 'inventory.reserved' &&
      reply?.type !== 'inventory.rejected' &&
      reply?.type !== 'inventory.order-lots-changed'
    ) {
      return;
    }
    const { orderId } = reply.payload;
    const order = await em.findOne(Order, { id: orderId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!order) {
      // Only a bus shared by another deployment could send this; retrying would not make the order appear.
      logger.warn({ orderId }, 'inventory event for an order that does not exist here; ignored');
      return;
    }
    if (reply.type === 'inventory.order-lots-changed') {
      const { productId, lotNumber, lotStatus, reason, covered, lines } = reply.payload;
      await replaceOrderLots(em, orderId, lines);
      em.create(RecallNotice, {
        orderId,
        productId,
        lotNumber,
        lotStatus,
        reason,
        covered,
        eventId: event.id,
        noticedAt: new Date(),
      });
      await em.flush();
      logger.warn({ orderId, productId, lotNumber, lotStatus, covered }, 'a lot of the order was withdrawn');
      return;
    }
    if (order.status !== 'PENDING') {
      logger.info({ orderId, status: order.status }, 'stock reply for an order that moved on; ignored');
      return;
    }
    if (reply.type === 'inventory.reserved') {
      await storeReservedLots(em, orderId, reply.payload.lines);
      if (order.requiresPrescription) {
        changeOrderStatus(
          em,
          order,
          'AWAITING_REVIEW',
          { event },
          "stock reserved; a pharmacist's review is due",
        );
      } else {
        changeOrderStatus(em, order, 'CONFIRMED', { event }, 'stock reserved');
      }
    } else {
      const lines = await em.find(OrderLine, { orderId });
      order.rejectionReason = rejectionReason(reply.payload.shortages, lines);
      changeOrderStatus(em, order, 'REJECTED', { event }, order.rejectionReason);
    }
    await em.flush();
    metrics?.orderDecisionSeconds.observe(
      { status: order.status },
      Math.max(0, Date.now() - order.createdAt.getTime()) / 1000,
    );
    logger.info({ orderId, status: order.status }, 'order decided by inventory');
  },
};
