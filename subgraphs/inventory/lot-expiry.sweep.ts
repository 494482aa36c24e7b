/**
 * The expiry sweep: at start and then every LOT_EXPIRY_SWEEP_INTERVAL_MS (a day by default), announces
 * each lot with units on the shelf that comes within EXPIRY_WARNING_DAYS of its expiry day
 * (`inventory.lot-expiring`) and each that has expired (`inventory.lot-expired`), once per lot: the lot
 * remembers both. Expired stock leaves `available` at once without it (computed at read and reserve
 * time); the sweep tells, records the expiry in the ledger, moves what open orders hold of an expired lot
 * to other lots (as a recall does, announced with `inventory.order-lots-changed`), and announces a fall to
 * the reorder level that the expiry caused if no change has yet. Replicas may sweep at the same time: the
 * items' locks and the lots' marks make each announcement happen once.
 */
import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { addDays, today } from '../../lib/calendar-day.ts';
import type { EnvReader } from '../../lib/config.ts';
import type { EntityManager } from '../../lib/database.ts';
import { enqueueEvent } from '../../lib/event-bus/outbox.ts';
import type { Logger } from '../../lib/logger.ts';
import { schedulePeriodicSweep, type PeriodicSweep } from '../../lib/periodic-sweep.ts';
import { INVENTORY_EVENTS_TOPIC, inventoryEvent, type LotExpiry } from '../contracts/inventory-events.ts';
import { ReservationService } from './reservation.service.ts';
import { announceLowStock, applyLotChange, lockItems, type ChangeCause } from './stock-levels.ts';
import { intArray } from './stock-sql.ts';

export interface LotExpiryConfig {
  sweepIntervalMs: number;
  /** A lot is announced as expiring this many days before its expiry day. */
  warningDays: number;
}

const DAY_MS = 86_400_000;

export function readLotExpiryConfig(read: EnvReader): LotExpiryConfig {
  return {
    sweepIntervalMs: read.int('LOT_EXPIRY_SWEEP_INTERVAL_MS', DAY_MS, { min: 1_000, max: 7 * DAY_MS }),
    warningDays: read.int('EXPIRY_WARNING_DAYS', 30, { min: 0, max: 365 }),
  };
}

interface MarkedLotRow {
  id: number;
  product_id: number;
  lot_number: string;
  expires_on: string;
  quantity: number;
}

export interface SweepResult {
  expiring: number;
  expired: number;
}

/** One sweep as of `today`, in one transaction. */
export async function sweepLotExpiry(
  em: EntityManager,
  logger: Logger,
  { today, warningDays }: { today: string; warningDays: number },
): Promise<SweepResult> {
  const cause: ChangeCause = { actor: null, event: null, correlationId: `lot-expiry-sweep-${randomUUID()}` };
  const until = addDays(today, warningDays);
  return em.transactional(async (em) => {
    const due = await em.execute<{ product_id: number }[]>(
      `select distinct product_id from lot
       where quantity > 0 and expires_on is not null
         and ((expires_on < ? and expired_announced_at is null)
           or (expires_on between ? and ? and expiring_announced_at is null))`,
      [today, today, until],
    );
    if (due.length === 0) return { expiring: 0, expired: 0 };
    const productIds = due.map((row) => row.product_id);
    await lockItems(em, productIds, { create: false });
    const list = intArray(productIds);
    // Marked under the items' locks: a replica sweeping at the same time finds them marked.
    const expired = await em.execute<MarkedLotRow[]>(
      `update lot set expired_announced_at = now()
       where product_id = any(?::int[]) and quantity > 0 and expires_on < ? and expired_announced_at is null
       returning id, product_id, lot_number, expires_on, quantity`,
      [list, today],
    );
    const expiring = await em.execute<MarkedLotRow[]>(
      `update lot set expiring_announced_at = now()
       where product_id = any(?::int[]) and quantity > 0 and expires_on between ? and ?
         and expiring_announced_at is null
       returning id, product_id, lot_number, expires_on, quantity`,
      [list, today, until],
    );
    const reservations = new ReservationService(em, cause, logger);
    for (const lot of byLot(expired)) {
      const ref = {
        id: lot.id,
        productId: lot.product_id,
        lotNumber: lot.lot_number,
        expiresOn: lot.expires_on,
      };
      const reason = `lot ${lot.lot_number} expired after ${lot.expires_on} (expiry sweep)`;
      await applyLotChange(
        em,
        { kind: 'LOT_EXPIRED', lot: ref, delta: 0, reservedDelta: 0, reason, orderId: null },
        cause,
      );
      await announce(em, 'inventory.lot-expired', lot, cause.correlationId);
      // Expired units never ship: open orders holding them move to other lots, or are flagged to staff.
      await reservations.moveOffWithdrawnLot(ref, 'EXPIRED', reason);
    }
    for (const lot of byLot(expiring)) await announce(em, 'inventory.lot-expiring', lot, cause.correlationId);
    await announceLowStock(em, productIds, null, cause.correlationId);
    return { expiring: expiring.length, expired: expired.length };
  });
}

function byLot(rows: MarkedLotRow[]): MarkedLotRow[] {
  return rows.sort((a, b) => a.product_id - b.product_id || a.lot_number.localeCompare(b.lot_number));
}

async function announce(
  em: EntityManager,
  type: 'inventory.lot-expiring' | 'inventory.lot-expired',
  lot: MarkedLotRow,
  correlationId: string,
): Promise<void> {
  const payload: LotExpiry = {
    productId: lot.product_id,
    lotNumber: lot.lot_number,
    expiresOn: lot.expires_on,
    quantity: lot.quantity,
  };
  await enqueueEvent(em, INVENTORY_EVENTS_TOPIC, inventoryEvent({ type, payload }, correlationId));
}

export function scheduleLotExpirySweep(
  orm: MikroORM,
  logger: Logger,
  config: LotExpiryConfig,
): PeriodicSweep {
  return schedulePeriodicSweep({
    name: 'lot expiry sweep',
    intervalMs: config.sweepIntervalMs,
    logger,
    run: () => sweepLotExpiry(orm.em.fork(), logger, { today: today(), warningDays: config.warningDays }),
  });
}
