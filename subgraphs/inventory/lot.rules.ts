/**
 * The rules of lots as plain functions: when a lot is expired, what it can give, which lots an order
 * draws first (FEFO), and which status changes staff may make.
 *
 * The state machine of a lot (EXPIRED is not a state but how a RELEASED lot reads after its day):
 *
 *   RELEASED ──quarantineLot──> QUARANTINED ──releaseLot──> RELEASED
 *   RELEASED ──recallLot──────> RECALLED (final)
 *   QUARANTINED ──recallLot───> RECALLED
 *
 * Only RELEASED, unexpired lots can be reserved, shipped from by a new reservation or drawn by a removal.
 */
import { ConflictError } from '../../lib/errors.ts';
import type { LotStatus, StoredLotStatus } from './lot.entity.ts';

export interface LotState {
  /** Absent or null: no expiry (UNLOTTED). */
  expiresOn?: string | null;
  quantity: number;
  reserved: number;
  status: StoredLotStatus;
}

/** A lot is usable through its expiry day and expired from the next (UTC). */
export function isExpired(lot: Pick<LotState, 'expiresOn'>, today: string): boolean {
  return typeof lot.expiresOn === 'string' && lot.expiresOn < today;
}

/** The status staff see: a RELEASED lot past its day reads EXPIRED; a withdrawn one keeps its status. */
export function lotStatusOn(lot: LotState, today: string): LotStatus {
  return lot.status === 'RELEASED' && isExpired(lot, today) ? 'EXPIRED' : lot.status;
}

/** Units that can still be reserved: the unheld units of a RELEASED lot that has not expired. */
export function lotAvailableOn(lot: LotState, today: string): number {
  return lotStatusOn(lot, today) === 'RELEASED' ? lot.quantity - lot.reserved : 0;
}

/** `quantity` units taken from one lot. */
export interface LotDraw<TLot> {
  lot: TLot;
  quantity: number;
}

/**
 * Takes `quantity` units from `lots` (already the usable ones, first to expire first), splitting across
 * lots when one is not enough; null when together they cannot cover it.
 */
export function drawFirstExpiring<TLot extends { available: number }>(
  lots: readonly TLot[],
  quantity: number,
): LotDraw<TLot>[] | null {
  const draws: LotDraw<TLot>[] = [];
  let missing = quantity;
  for (const lot of lots) {
    if (missing === 0) break;
    const taken = Math.min(lot.available, missing);
    if (taken > 0) draws.push({ lot, quantity: taken });
    missing -= taken;
  }
  return missing === 0 ? draws : null;
}

export const LOT_ACTIONS = ['quarantine', 'recall', 'release'] as const;
export type LotAction = (typeof LOT_ACTIONS)[number];

/** The status `action` moves a lot to, or CONFLICT (naming the lot) when the lot's state forbids it. */
export function statusAfter(current: StoredLotStatus, action: LotAction, lotNumber: string): StoredLotStatus {
  if (current === 'RECALLED') {
    throw new ConflictError(`lot ${lotNumber} was recalled: a recall is final`);
  }
  switch (action) {
    case 'quarantine':
      if (current === 'QUARANTINED') throw new ConflictError(`lot ${lotNumber} is already quarantined`);
      return 'QUARANTINED';
    case 'recall':
      return 'RECALLED';
    case 'release':
      if (current === 'RELEASED') throw new ConflictError(`lot ${lotNumber} is not quarantined`);
      return 'RELEASED';
  }
}
