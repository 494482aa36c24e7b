import { defineEntity, p } from '@mikro-orm/postgresql';

/** What staff decided about a lot. EXPIRED is never stored: it is how a RELEASED lot reads after its day. */
export const STORED_LOT_STATUSES = ['RELEASED', 'QUARANTINED', 'RECALLED'] as const;
export type StoredLotStatus = (typeof STORED_LOT_STATUSES)[number];
export type LotStatus = StoredLotStatus | 'EXPIRED';

/** The lot that holds stock which arrived without a lot number (adjustInventory, stock from before lots). */
export const UNLOTTED = 'UNLOTTED';

/**
 * Units of one product from one batch of the manufacturer, with its expiry day (null for unlotted stock).
 * The product's inventory_item holds the sums of its lots' quantity and reserved. Changed only while
 * that item's row is locked (stock-levels.ts).
 */
export const LotSchema = defineEntity({
  name: 'Lot',
  tableName: 'lot',
  properties: {
    id: p.integer().primary().autoincrement(),
    productId: p.integer(),
    lotNumber: p.string().length(50),
    /** `YYYY-MM-DD`: usable through this day (UTC), expired from the next. */
    expiresOn: p.date().nullable(),
    quantity: p.integer(),
    reserved: p.integer(),
    status: p.enum(STORED_LOT_STATUSES),
    /** Why it was quarantined or recalled; null while RELEASED. */
    statusReason: p.string().length(500).nullable(),
    /** When the sweep announced inventory.lot-expiring / lot-expired for it (each once). */
    expiringAnnouncedAt: p.datetime().nullable(),
    expiredAnnouncedAt: p.datetime().nullable(),
    createdAt: p.datetime(),
  },
});

export class Lot extends LotSchema.class {}
LotSchema.setClass(Lot);
