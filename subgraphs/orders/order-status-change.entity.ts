import { defineEntity, p } from '@mikro-orm/postgresql';
import { ROLES } from '../../lib/viewer.ts';
import { ORDER_STATUSES } from './order.entity.ts';

/**
 * One step of an order's status trail: from what to what, caused by a person (actor and their role then)
 * or by an event (its type and id), when, and why. The placement is the first step (from null).
 */
export const OrderStatusChangeSchema = defineEntity({
  name: 'OrderStatusChange',
  tableName: 'order_status_change',
  properties: {
    id: p.integer().primary().autoincrement(),
    orderId: p.integer(),
    fromStatus: p.enum(ORDER_STATUSES).nullable(),
    toStatus: p.enum(ORDER_STATUSES),
    actorId: p.integer().nullable(),
    actorRole: p.enum(ROLES).nullable(),
    eventType: p.text().nullable(),
    eventId: p.uuid().nullable(),
    reason: p.text().nullable(),
    occurredAt: p.datetime(),
  },
});

export class OrderStatusChange extends OrderStatusChangeSchema.class {}
OrderStatusChangeSchema.setClass(OrderStatusChange);
