import { defineEntity, p } from '@mikro-orm/postgresql';

export const ORDER_STATUSES = [
  'PENDING',
  'AWAITING_REVIEW',
  'CONFIRMED',
  'REJECTED',
  'SHIPPED',
  'DELIVERED',
  'CANCELLED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** A customer's order; `userId` is the users subgraph's id of the customer. */
export const OrderSchema = defineEntity({
  name: 'Order',
  tableName: 'customer_order',
  properties: {
    id: p.integer().primary().autoincrement(),
    userId: p.integer(),
    status: p.enum(ORDER_STATUSES),
    totalMinor: p.bigint('number'),
    currency: p.string().length(3),
    shippingAddress: p.text(),
    notes: p.text().nullable(),
    /** Some line's product needs a prescription (per the catalogue at placement): a pharmacist reviews it. */
    requiresPrescription: p.boolean().default(false),
    /** The prescription the customer gave: all four set, or none. */
    prescriberName: p.string().length(200).nullable(),
    prescriberLicence: p.string().length(50).nullable(),
    prescriptionIssuedOn: p.date().nullable(),
    prescriptionReference: p.string().length(200).nullable(),
    /** Why inventory could not reserve the order, or why the pharmacist refused it; set when REJECTED. */
    rejectionReason: p.text().nullable(),
    /** The client's key for retrying placeOrder safely; unique per customer. */
    idempotencyKey: p.string().length(100).nullable(),
    /** A digest of the placeOrder input that came with the key (order.rules.ts requestFingerprint). */
    requestFingerprint: p.string().length(64).nullable(),
    /** When the stale order sweep last republished its `order.placed` (stale-orders.sweep.ts). */
    placedRepublishedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export class Order extends OrderSchema.class {}
OrderSchema.setClass(Order);
