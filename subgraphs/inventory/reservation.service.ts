/**
 * The inventory's side of the order saga: holds stock for placed orders (every line or none), gives it
 * back when an order is cancelled, and takes it off the shelf when the order ships. Each method runs in
 * the transaction of the consumer that records the event as processed, so an event applies once.
 *
 * Events can arrive in any order: a cancellation may come before its order's placement. The reservation
 * row is the order's record here whatever came first, and the first decision stands.
 */
import type { EntityManager } from '../../lib/database.ts';
import { enqueueEvent } from '../../lib/event-bus/outbox.ts';
import type { Logger } from '../../lib/logger.ts';
import type { OrderPlaced } from '../orders/order-events.ts';
import { INVENTORY_EVENTS_TOPIC, inventoryEvent, type StockShortage } from './inventory-events.ts';
import { applyStockChange, availableUnits, lockItems, type StockChange } from './stock-levels.ts';
import type { InventoryItem } from './inventory-item.entity.ts';

export const RESERVATION_STATUSES = ['HELD', 'REJECTED', 'RELEASED', 'SHIPPED'] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

interface ReservationLineRow {
  product_id: number;
  quantity: number;
}

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

/** The lines that the items cannot cover, each with what is available: empty when all can be held. */
export function shortagesFor(
  wanted: ReadonlyMap<number, number>,
  items: ReadonlyMap<number, Pick<InventoryItem, 'quantity' | 'reserved'>>,
): StockShortage[] {
  return [...wanted].flatMap(([productId, requested]) => {
    const item = items.get(productId);
    const available = item ? availableUnits(item) : 0;
    return requested > available ? [{ productId, requested, available }] : [];
  });
}

export class ReservationService {
  readonly #em: EntityManager;
  readonly #correlationId: string;
  readonly #logger: Logger;

  constructor(em: EntityManager, correlationId: string, logger: Logger) {
    this.#em = em;
    this.#correlationId = correlationId;
    this.#logger = logger;
  }

  /**
   * reserveStock: holds every line of a placed order, or none, and replies `inventory.reserved` or
   * `inventory.rejected` with the shortages. Each held line is a RESERVATION movement in the ledger.
   */
  async reserveStock(order: OrderPlaced): Promise<void> {
    const em = this.#em;
    if (!(await this.#claim(order.orderId, 'HELD'))) {
      this.#logger.info(
        { orderId: order.orderId },
        'order already decided here (cancelled first?); not reserved',
      );
      return;
    }
    const wanted = quantitiesByProduct(order.lines);
    const items = await lockItems(em, [...wanted.keys()], { create: false });
    const shortages = shortagesFor(wanted, items);
    if (shortages.length > 0) {
      await em.execute(`update reservation set status = 'REJECTED', updated_at = now() where order_id = ?`, [
        order.orderId,
      ]);
      await this.#reply({ type: 'inventory.rejected', payload: { orderId: order.orderId, shortages } });
      return;
    }
    for (const [productId, quantity] of wanted) {
      await em.execute('insert into reservation_line (order_id, product_id, quantity) values (?, ?, ?)', [
        order.orderId,
        productId,
        quantity,
      ]);
      await applyStockChange(em, {
        kind: 'RESERVATION',
        productId,
        delta: 0,
        reservedDelta: quantity,
        reason: `reserved for order ${order.orderId}`,
        orderId: order.orderId,
        actorUserId: null,
        correlationId: this.#correlationId,
      });
    }
    await this.#reply({ type: 'inventory.reserved', payload: { orderId: order.orderId, lines: [] } });
  }

  /** releaseStock: gives back what a cancelled order holds; remembers the cancellation if it came first. */
  async releaseStock(orderId: number): Promise<void> {
    if (await this.#claim(orderId, 'RELEASED')) return;
    await this.#settleHeld(orderId, 'RELEASED', (quantity) => ({
      kind: 'RELEASE',
      delta: 0,
      reservedDelta: -quantity,
      reason: `released: order ${orderId} cancelled`,
    }));
  }

  /** shipStock: takes a shipped order's held units off the shelf (quantity and reservation both fall). */
  async shipStock(orderId: number): Promise<void> {
    await this.#settleHeld(orderId, 'SHIPPED', (quantity) => ({
      kind: 'SHIPMENT',
      delta: -quantity,
      reservedDelta: -quantity,
      reason: `shipped with order ${orderId}`,
    }));
  }

  /**
   * Ends a HELD reservation as `status`: each line's units move as `change` says (a ledger row each).
   * Does nothing (but log) when the order holds nothing here.
   */
  async #settleHeld(
    orderId: number,
    status: ReservationStatus,
    change: (quantity: number) => Pick<StockChange, 'kind' | 'delta' | 'reservedDelta' | 'reason'>,
  ): Promise<void> {
    const lines = await this.#heldLines(orderId);
    if (lines === null) return;
    for (const { product_id: productId, quantity } of lines) {
      await applyStockChange(this.#em, {
        ...change(quantity),
        productId,
        orderId,
        actorUserId: null,
        correlationId: this.#correlationId,
      });
    }
    await this.#em.execute('update reservation set status = ?, updated_at = now() where order_id = ?', [
      status,
      orderId,
    ]);
  }

  /** Creates the order's reservation row with `status`; false when the order already has one. */
  async #claim(orderId: number, status: ReservationStatus): Promise<boolean> {
    const inserted = await this.#em.execute<{ order_id: number }[]>(
      `insert into reservation (order_id, status) values (?, ?) on conflict do nothing returning order_id`,
      [orderId, status],
    );
    return inserted.length === 1;
  }

  /** The lines of a HELD reservation, locked; null (and a log line) when the order holds nothing. */
  async #heldLines(orderId: number): Promise<ReservationLineRow[] | null> {
    const [reservation] = await this.#em.execute<{ status: ReservationStatus }[]>(
      'select status from reservation where order_id = ? for update',
      [orderId],
    );
    if (reservation?.status !== 'HELD') {
      this.#logger.info(
        { orderId, status: reservation?.status ?? null },
        'order holds no stock here; nothing to do',
      );
      return null;
    }
    return this.#em.execute<ReservationLineRow[]>(
      'select product_id, quantity from reservation_line where order_id = ? order by product_id',
      [orderId],
    );
  }

  async #reply(event: Parameters<typeof inventoryEvent>[0]): Promise<void> {
    await enqueueEvent(this.#em, INVENTORY_EVENTS_TOPIC, inventoryEvent(event, this.#correlationId));
  }
}
