/**
 * Every status change of an order goes through here, so that each one leaves a row in the order's status
 * trail (order_status_change) saying who or what made it, and why. The trail's first step, the placement,
 * is written with the order itself (order-placement.ts).
 */
import type { EntityManager } from '../../lib/database.ts';
import type { EventEnvelope } from '../../lib/event-bus/event.ts';
import type { Viewer } from '../../lib/viewer.ts';
import { OrderStatusChange } from './order-status-change.entity.ts';
import type { Order, OrderStatus } from './order.entity.ts';

/** Who or what changes the status: a person (the request's viewer) or an event of the saga. */
export type StatusChangeCause = { viewer: Viewer } | { event: Pick<EventEnvelope, 'type' | 'id'> };

/** Moves `order` to `to` and records the change in its trail. */
export function changeOrderStatus(
  em: EntityManager,
  order: Order,
  to: OrderStatus,
  cause: StatusChangeCause,
  reason: string | null,
): void {
  const from = order.status;
  order.status = to;
  record(em, order, from, cause, reason);
}

function record(
  em: EntityManager,
  order: Order,
  from: OrderStatus | null,
  cause: StatusChangeCause,
  reason: string | null,
): void {
  em.create(OrderStatusChange, {
    orderId: order.id,
    fromStatus: from,
    toStatus: order.status,
    actorId: 'viewer' in cause ? cause.viewer.userId : null,
    actorRole: 'viewer' in cause ? cause.viewer.role : null,
    eventType: 'event' in cause ? cause.event.type : null,
    eventId: 'event' in cause ? cause.event.id : null,
    reason,
    occurredAt: new Date(),
  });
}
