/**
 * Inventory's side of the order saga: holds stock for placed orders (every line or none) from the lots
 * that expire first, gives it back when an order is cancelled or rejected in review, takes it off the
 * shelf when the order ships, and moves what open orders hold off a lot that staff withdraw. What each
 * order holds of each lot is in reservation_lot, so every later step acts on exactly those units. Each
 * method runs in its caller's transaction (the consumer's, which records the event as processed, or a
 * staff request's), so a change applies once.
 *
 * Events can arrive in any order: a cancellation may come before its order's placement. The reservation
 * row is the order's record here whatever came first, and the first decision stands.
 */
import type { EntityManager } from '../../lib/database.ts';
import { enqueueEvent } from '../../lib/event-bus/outbox.ts';
import type { Logger } from '../../lib/logger.ts';
import type { OrderPlaced } from '../contracts/order-events.ts';
import {
  INVENTORY_EVENTS_TOPIC,
  inventoryEvent,
  type InventoryEvent,
  type LineLots,
  type StockShortage,
  type WithdrawnLotStatus,
} from '../contracts/inventory-events.ts';
import { drawFirstExpiring, type LotDraw } from './lot.rules.ts';
import {
  announceLowStock,
  applyLotChange,
  lockItems,
  usableLots,
  usableLotsByProduct,
  type ChangeCause,
  type LotChange,
  type LotRef,
} from './stock-levels.ts';
import { firstExpiringOrder, intArray } from './stock-sql.ts';

type ReservationStatus = 'HELD' | 'REJECTED' | 'RELEASED' | 'SHIPPED';

/** The quantity of each product an order asks for, a product named twice counted once, by product id. */
export function quantitiesByProduct(
  lines: readonly { productId: number; quantity: number }[],
): Map<number, number> {
  const totals = new Map<number, number>();
  for (const { productId, quantity } of [...lines].sort((a, b) => a.productId - b.productId)) {
    totals.set(productId, (totals.get(productId) ?? 0) + quantity);
  }
  return totals;
}

/** How an order is covered: the lots each product draws, or the lines no lots can cover. */
export type ReservationPlan<TLot> =
  { covered: true; draws: Map<number, LotDraw<TLot>[]> } | { covered: false; shortages: StockShortage[] };

/**
 * Covers every wanted product from its usable lots (first to expire first), or lists the products that
 * cannot be covered with what their lots have available (all or nothing).
 */
export function planReservation<TLot extends { available: number }>(
  wanted: ReadonlyMap<number, number>,
  lotsByProduct: ReadonlyMap<number, readonly TLot[]>,
): ReservationPlan<TLot> {
  const draws = new Map<number, LotDraw<TLot>[]>();
  const shortages: StockShortage[] = [];
  for (const [productId, requested] of wanted) {
    const lots = lotsByProduct.get(productId) ?? [];
    const drawn = drawFirstExpiring(lots, requested);
    if (drawn) draws.set(productId, drawn);
    else {
      const available = lots.reduce((sum, lot) => sum + lot.available, 0);
      shortages.push({ productId, requested, available });
    }
  }
  return shortages.length === 0 ? { covered: true, draws } : { covered: false, shortages };
}

/** What an order holds (or held) of one lot. */
interface HeldLot extends LotRef {
  quantity: number;
}

interface HeldLotRow {
  lot_id: number;
  product_id: number;
  lot_number: string;
  expires_on: string | null;
  quantity: number;
}

/** The lines of an event payload: the held lots grouped by product, in the order given. */
function lineLotsOf(held: readonly HeldLot[]): LineLots[] {
  const lines = new Map<number, LineLots>();
  for (const { productId, lotNumber, expiresOn, quantity } of held) {
    const line = lines.get(productId) ?? { productId, lots: [] };
    line.lots.push({ lotNumber, expiresOn, quantity });
    lines.set(productId, line);
  }
  return [...lines.values()];
}

export class ReservationService {
  readonly #em: EntityManager;
  readonly #cause: ChangeCause;
  readonly #logger: Logger;

  constructor(em: EntityManager, cause: ChangeCause, logger: Logger) {
    this.#em = em;
    this.#cause = cause;
    this.#logger = logger;
  }

  /**
   * reserveStock: holds every line of a placed order from the usable lots that expire first, or none, and
   * replies `inventory.reserved` with the lots or `inventory.rejected` with the shortages. Each lot drawn
   * is a RESERVATION movement in the ledger.
   */
  async reserveStock(order: OrderPlaced): Promise<void> {
    const em = this.#em;
    if (!(await this.#claim(order.orderId, 'HELD'))) {
      await this.#answerAgain(order);
      return;
    }
    const wanted = quantitiesByProduct(order.lines);
    const items = await lockItems(em, [...wanted.keys()], { create: false });
    const plan = planReservation(wanted, await usableLotsByProduct(em, [...items.keys()]));
    if (!plan.covered) {
      await em.execute(`update reservation set status = 'REJECTED', updated_at = now() where order_id = ?`, [
        order.orderId,
      ]);
      await this.#reply({
        type: 'inventory.rejected',
        payload: { orderId: order.orderId, shortages: plan.shortages },
      });
      return;
    }
    await em.execute(
      `insert into reservation_line (order_id, product_id, quantity)
       select ?, line.product_id, line.quantity from unnest(?::int[], ?::int[]) as line(product_id, quantity)`,
      [order.orderId, intArray(wanted.keys()), intArray(wanted.values())],
    );
    for (const productId of wanted.keys()) {
      for (const { lot, quantity: drawn } of plan.draws.get(productId) ?? []) {
        await this.#hold(order.orderId, lot, drawn, 'RESERVATION', `reserved for order ${order.orderId}`);
      }
    }
    await announceLowStock(em, [...wanted.keys()], order.orderId, this.#cause.correlationId);
    await this.#reply({
      type: 'inventory.reserved',
      payload: { orderId: order.orderId, lines: lineLotsOf(await this.#heldLots(order.orderId)) },
    });
  }

  /**
   * releaseStock: gives back what a cancelled (or rejected in review) order holds; remembers the
   * cancellation if it came first.
   */
  async releaseStock(orderId: number, why: 'cancelled' | 'rejected in review'): Promise<void> {
    if (await this.#claim(orderId, 'RELEASED')) return;
    await this.#settleHeld(orderId, 'RELEASED', (quantity) => ({
      kind: 'RELEASE',
      delta: 0,
      reservedDelta: -quantity,
      reason: `released: order ${orderId} ${why}`,
    }));
  }

  /** shipStock: takes a shipped order's held units off the shelf of the lots it holds. */
  async shipStock(orderId: number): Promise<void> {
    await this.#settleHeld(orderId, 'SHIPPED', (quantity) => ({
      kind: 'SHIPMENT',
      delta: -quantity,
      reservedDelta: -quantity,
      reason: `shipped with order ${orderId}`,
    }));
  }

  /**
   * After staff withdrew `lot` (its product locked, its status already changed): for every open order
   * holding units of it, moves all those units to the usable lots that expire first, or none when they
   * cannot cover them all, and announces `inventory.order-lots-changed` with the order's lots after it.
   */
  async moveOffWithdrawnLot(lot: LotRef, lotStatus: WithdrawnLotStatus, reason: string): Promise<void> {
    const holders = await this.#em.execute<{ order_id: number; quantity: number }[]>(
      `select held.order_id, held.quantity from reservation_lot held
       join reservation using (order_id)
       where held.lot_id = ? and reservation.status = 'HELD'
       order by held.order_id`,
      [lot.id],
    );
    for (const { order_id: orderId, quantity } of holders) {
      const draws = drawFirstExpiring(await usableLots(this.#em, lot.productId), quantity);
      if (draws) {
        await this.#em.execute('delete from reservation_lot where order_id = ? and lot_id = ?', [
          orderId,
          lot.id,
        ]);
        const why = `moved off lot ${lot.lotNumber} (${lotStatus.toLowerCase()}) for order ${orderId}`;
        await applyLotChange(
          this.#em,
          { kind: 'REALLOCATION', lot, delta: 0, reservedDelta: -quantity, reason: why, orderId },
          this.#cause,
        );
        for (const draw of draws) await this.#hold(orderId, draw.lot, draw.quantity, 'REALLOCATION', why);
      }
      await this.#reply({
        type: 'inventory.order-lots-changed',
        payload: {
          orderId,
          productId: lot.productId,
          lotNumber: lot.lotNumber,
          lotStatus,
          reason,
          covered: draws !== null,
          lines: lineLotsOf(await this.#heldLots(orderId)),
        },
      });
    }
  }

  /** After staff released a quarantined `lot`: orders that kept units of it may ship again. */
  async announceReleasedLot(lot: LotRef, reason: string): Promise<void> {
    await this.#reply({
      type: 'inventory.lot-released',
      payload: { productId: lot.productId, lotNumber: lot.lotNumber, reason },
    });
  }

  /** Holds `quantity` more units of `lot` for the order (a ledger row of `kind`). */
  async #hold(
    orderId: number,
    lot: LotRef,
    quantity: number,
    kind: LotChange['kind'],
    reason: string,
  ): Promise<void> {
    await this.#em.execute(
      `insert into reservation_lot (order_id, lot_id, product_id, quantity) values (?, ?, ?, ?)
       on conflict (order_id, lot_id) do update set quantity = reservation_lot.quantity + excluded.quantity`,
      [orderId, lot.id, lot.productId, quantity],
    );
    await applyLotChange(
      this.#em,
      { kind, lot, delta: 0, reservedDelta: quantity, reason, orderId },
      this.#cause,
    );
  }

  /**
   * Ends a HELD reservation as `status`: each held lot's units move as `change` says (a ledger row each).
   * Does nothing (but log) when the order holds nothing here.
   */
  async #settleHeld(
    orderId: number,
    status: ReservationStatus,
    change: (quantity: number) => Pick<LotChange, 'kind' | 'delta' | 'reservedDelta' | 'reason'>,
  ): Promise<void> {
    const [reservation] = await this.#em.execute<{ status: ReservationStatus }[]>(
      'select status from reservation where order_id = ? for update',
      [orderId],
    );
    if (reservation?.status !== 'HELD') {
      this.#logger.info(
        { orderId, status: reservation?.status ?? null },
        'order holds no stock here; nothing to do',
      );
      return;
    }
    const productIds = (await this.#heldLots(orderId)).map((lot) => lot.productId);
    await lockItems(this.#em, productIds, { create: false });
    // Read again under the items' locks: a withdrawal may have moved the order to other lots meanwhile.
    const held = await this.#heldLots(orderId);
    for (const lot of held) {
      await applyLotChange(this.#em, { ...change(lot.quantity), lot, orderId }, this.#cause);
    }
    await this.#em.execute('update reservation set status = ?, updated_at = now() where order_id = ?', [
      status,
      orderId,
    ]);
    await announceLowStock(this.#em, productIds, orderId, this.#cause.correlationId);
  }

  /**
   * A placement decided here already (orders' stale order sweep republished it: the answer never reached
   * orders): reserved again is not reserved twice, so the earlier answer goes out again. A held order's
   * lots as they are now; a rejected order's earlier rejection, from the outbox (kept a week), or, once
   * that is gone, the shortages as they are now. An order released or shipped meanwhile has moved on:
   * nothing to answer.
   */
  async #answerAgain(order: OrderPlaced): Promise<void> {
    const { orderId } = order;
    const [reservation] = await this.#em.execute<{ status: ReservationStatus }[]>(
      `select status from reservation where order_id = ?`,
      [orderId],
    );
    const status = reservation?.status;
    if (status === 'HELD') {
      await this.#reply({
        type: 'inventory.reserved',
        payload: { orderId, lines: lineLotsOf(await this.#heldLots(orderId)) },
      });
    } else if (status === 'REJECTED') {
      const [earlier] = await this.#em.execute<{ shortages: StockShortage[] }[]>(
        `select event->'payload'->'shortages' as shortages from outbox_event
         where event->>'type' = 'inventory.rejected' and (event->'payload'->>'orderId')::int = ?
         order by id desc limit 1`,
        [orderId],
      );
      const shortages = earlier?.shortages ?? (await this.#currentShortages(order));
      await this.#reply({ type: 'inventory.rejected', payload: { orderId, shortages } });
    } else {
      this.#logger.info({ orderId, status }, 'order already decided here (cancelled first?); not reserved');
      return;
    }
    this.#logger.warn({ orderId, status }, 'placement already decided here: the earlier answer sent again');
  }

  /** What each line of `order` asks for against what its product has available now. */
  async #currentShortages(order: OrderPlaced): Promise<StockShortage[]> {
    const wanted = quantitiesByProduct(order.lines);
    const lotsByProduct = await usableLotsByProduct(this.#em, [...wanted.keys()]);
    return [...wanted].map(([productId, requested]) => ({
      productId,
      requested,
      available: (lotsByProduct.get(productId) ?? []).reduce((sum, lot) => sum + lot.available, 0),
    }));
  }

  /** Creates the order's reservation row with `status`; false when the order already has one. */
  async #claim(orderId: number, status: ReservationStatus): Promise<boolean> {
    const inserted = await this.#em.execute<{ order_id: number }[]>(
      `insert into reservation (order_id, status) values (?, ?) on conflict do nothing returning order_id`,
      [orderId, status],
    );
    return inserted.length === 1;
  }

  /** The lots an order holds (or held), by product, first to expire first. */
  async #heldLots(orderId: number): Promise<HeldLot[]> {
    const rows = await this.#em.execute<HeldLotRow[]>(
      `select lot.id as lot_id, lot.product_id, lot.lot_number, lot.expires_on, held.quantity
       from reservation_lot held join lot on lot.id = held.lot_id
       where held.order_id = ?
       order by lot.product_id, ${firstExpiringOrder('lot')}`,
      [orderId],
    );
    return rows.map((row) => ({
      id: row.lot_id,
      productId: row.product_id,
      lotNumber: row.lot_number,
      expiresOn: row.expires_on,
      quantity: row.quantity,
    }));
  }

  async #reply(event: InventoryEvent): Promise<void> {
    await enqueueEvent(this.#em, INVENTORY_EVENTS_TOPIC, inventoryEvent(event, this.#cause.correlationId));
  }
}
