import { defineEntity, p } from '@mikro-orm/postgresql';
import { WITHDRAWN_LOT_STATUSES } from '../contracts/inventory-events.ts';

/**
 * Inventory's word that a lot an order held was recalled, quarantined or expired (`inventory.order-lots-changed`).
 * `covered`: inventory moved the order's units to other lots; otherwise the order must not ship while it
 * still holds the lot, until the lot is released from quarantine (`resolvedAt`).
 */
export const RecallNoticeSchema = defineEntity({
  name: 'RecallNotice',
  tableName: 'recall_notice',
  properties: {
    id: p.integer().primary().autoincrement(),
    orderId: p.integer(),
    productId: p.integer(),
    lotNumber: p.text(),
    lotStatus: p.enum(WITHDRAWN_LOT_STATUSES),
    reason: p.text(),
    covered: p.boolean(),
    /** The inventory event that brought it. */
    eventId: p.uuid(),
    noticedAt: p.datetime(),
    /** When inventory released the (quarantined) lot: the notice no longer holds the order back. */
    resolvedAt: p.datetime().nullable(),
  },
});

export class RecallNotice extends RecallNoticeSchema.class {}
RecallNoticeSchema.setClass(RecallNotice);
