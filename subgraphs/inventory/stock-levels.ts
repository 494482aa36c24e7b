/**
 * What every change of stock shares, whoever makes it (staff by hand, or the order saga): reading and
 * locking inventory rows, writing the ledger, and announcing a fall to the reorder level once per
 * crossing. All of it runs inside the caller's transaction.
 */
import type { EntityManager } from '../../lib/database.ts';
import { enqueueEvent } from '../../lib/event-bus/outbox.ts';
import { InventoryItem } from './inventory-item.entity.ts';
import { INVENTORY_EVENTS_TOPIC, inventoryEvent, type LowStock } from './inventory-events.ts';
import type { StockMovementKind } from './stock-movement.entity.ts';

/** An inventory_item row as raw SQL returns it. */
export interface ItemRow {
  product_id: number;
  quantity: number;
  reserved: number;
  reorder_level: number;
  updated_at: Date | string | null;
}

export const ITEM_COLUMNS = 'product_id, quantity, reserved, reorder_level, updated_at';

export type StockLevel = Pick<InventoryItem, 'quantity' | 'reserved' | 'reorderLevel'>;

export function itemFromRow(row: ItemRow): InventoryItem {
  return Object.assign(new InventoryItem(), {
    productId: row.product_id,
    quantity: row.quantity,
    reserved: row.reserved,
    reorderLevel: row.reorder_level,
    updatedAt: row.updated_at === null ? null : new Date(row.updated_at),
  });
}

/** The item of a product never stocked: nothing on the shelf, nothing held, no reorder level. */
export function unstockedItem(productId: number): InventoryItem {
  return Object.assign(new InventoryItem(), {
    productId,
    quantity: 0,
    reserved: 0,
    reorderLevel: 0,
    updatedAt: null,
  });
}

export function availableUnits(item: Pick<StockLevel, 'quantity' | 'reserved'>): number {
  return item.quantity - item.reserved;
}

export function isLowStock(item: StockLevel): boolean {
  return availableUnits(item) <= item.reorderLevel;
}

/** Whether a change took the item from above its reorder level to at or below it: one alert per fall. */
export function fellToReorderLevel(before: StockLevel, after: StockLevel): boolean {
  return !isLowStock(before) && isLowStock(after);
}

/**
 * Locks the items of `productIds` in product order (so that two transactions locking several items never
 * wait on each other in a cycle), creating the missing ones empty unless `create` is false (a
 * reservation: a product never stocked is short anyway, and a rejected order must leave no item behind).
 * Returns them by product id.
 */
export async function lockItems(
  em: EntityManager,
  productIds: number[],
  { create = true }: { create?: boolean } = {},
): Promise<Map<number, InventoryItem>> {
  const ids = [...new Set(productIds)].sort((a, b) => a - b);
  const list = `{${ids.join(',')}}`;
  if (create) {
    await em.execute(
      `insert into inventory_item (product_id)
       select unnest(?::int[]) order by 1
       on conflict (product_id) do nothing`,
      [list],
    );
  }
  const rows = await em.execute<ItemRow[]>(
    `select ${ITEM_COLUMNS} from inventory_item where product_id = any(?::int[]) order by product_id for update`,
    [list],
  );
  return new Map(rows.map((row) => [row.product_id, itemFromRow(row)]));
}

export interface StockChange {
  kind: StockMovementKind;
  productId: number;
  /** Units added to (positive) or taken off (negative) the shelf. */
  delta: number;
  /** Units added to (positive) or taken from (negative) the reservations. */
  reservedDelta: number;
  reason: string;
  orderId: number | null;
  actorUserId: number | null;
  correlationId: string;
}

/**
 * Applies a change to a locked (or conditionally updated) item: updates the row, writes the ledger row,
 * and enqueues `inventory.low-stock` when the change made the item fall to its reorder level. The caller
 * has checked that the change keeps the row's constraints; a violation throws and rolls back.
 */
export async function applyStockChange(em: EntityManager, change: StockChange): Promise<InventoryItem> {
  const [row] = await em.execute<ItemRow[]>(
    `update inventory_item
     set quantity = quantity + ?, reserved = reserved + ?, updated_at = clock_timestamp()
     where product_id = ?
     returning ${ITEM_COLUMNS}`,
    [change.delta, change.reservedDelta, change.productId],
  );
  if (!row) throw new Error(`no inventory item for product ${change.productId}`);
  const after = itemFromRow(row);
  const before = {
    quantity: after.quantity - change.delta,
    reserved: after.reserved - change.reservedDelta,
    reorderLevel: after.reorderLevel,
  };
  await em.execute(
    `insert into stock_movement
       (product_id, kind, delta, quantity_after, reserved_delta, reserved_after, reason, order_id, actor_user_id, occurred_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      change.productId,
      change.kind,
      change.delta,
      after.quantity,
      change.reservedDelta,
      after.reserved,
      change.reason,
      change.orderId,
      change.actorUserId,
      after.updatedAt,
    ],
  );
  if (fellToReorderLevel(before, after))
    await announceLowStock(em, after, change.orderId, change.correlationId);
  return after;
}

/**
 * Records the alert for `item` and enqueues `inventory.low-stock` for it (the same id), in the caller's
 * transaction: a subscriber that gets the event can always read the alert.
 */
export async function announceLowStock(
  em: EntityManager,
  item: InventoryItem,
  orderId: number | null,
  correlationId: string,
): Promise<void> {
  const available = availableUnits(item);
  const payload: LowStock = {
    productId: item.productId,
    quantity: item.quantity,
    reserved: item.reserved,
    available,
    reorderLevel: item.reorderLevel,
    shortage: item.reorderLevel - available,
    orderId,
  };
  const event = inventoryEvent({ type: 'inventory.low-stock', payload }, correlationId);
  await em.execute(
    `insert into low_stock_alert
       (id, product_id, quantity, reserved, available, reorder_level, shortage, order_id, occurred_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      event.id,
      payload.productId,
      payload.quantity,
      payload.reserved,
      payload.available,
      payload.reorderLevel,
      payload.shortage,
      payload.orderId,
      event.occurredAt,
    ],
  );
  await enqueueEvent(em, INVENTORY_EVENTS_TOPIC, event);
}
