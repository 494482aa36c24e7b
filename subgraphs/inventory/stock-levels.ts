/**
 * What every change of stock shares, whoever makes it (staff by hand, the order saga, a recall, the expiry
 * sweep): locking inventory rows, reading the lots an order may draw, changing a lot together with its
 * item's sums, writing the ledger with who or what caused the change, and announcing a fall to the
 * reorder level once. All of it runs inside the caller's transaction.
 *
 * Locking rule: a product's lots change only while its inventory_item row is locked (lockItems, in product
 * order), so the item's sums, its available units and its lots always agree.
 */
import type { EntityManager } from '../../lib/database.ts';
import { NotFoundError } from '../../lib/errors.ts';
import { enqueueEvent } from '../../lib/event-bus/outbox.ts';
import type { Viewer } from '../../lib/viewer.ts';
import { InventoryItem } from './inventory-item.entity.ts';
import { INVENTORY_EVENTS_TOPIC, inventoryEvent, type LowStock } from '../contracts/inventory-events.ts';
import type { StoredLotStatus } from './lot.entity.ts';
import { availableSql, firstExpiringOrder, intArray, usableLotSql } from './stock-sql.ts';
import type { StockMovementKind } from './stock-movement.entity.ts';

/** The largest quantity a Postgres `integer` column holds. */
export const MAX_QUANTITY = 2_147_483_647;

/** An inventory_item row as raw SQL returns it (ITEM_COLUMNS). */
export interface ItemRow {
  product_id: number;
  quantity: number;
  reserved: number;
  available: number;
  reorder_level: number;
  updated_at: Date | string | null;
}

export const ITEM_COLUMNS = `product_id, quantity, reserved, reorder_level, updated_at,
  ${availableSql('inventory_item.product_id')} as available`;

export type StockLevel = Pick<InventoryItem, 'available' | 'reorderLevel'>;

export function itemFromRow(row: ItemRow): InventoryItem {
  return Object.assign(new InventoryItem(), {
    productId: row.product_id,
    quantity: row.quantity,
    reserved: row.reserved,
    available: row.available,
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
    available: 0,
    reorderLevel: 0,
    updatedAt: null,
  });
}

export function isLowStock(item: StockLevel): boolean {
  return item.available <= item.reorderLevel;
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
  const list = intArray(ids);
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

/** A product's item as it is now in the caller's transaction. */
export async function readItem(em: EntityManager, productId: number): Promise<InventoryItem> {
  const [row] = await em.execute<ItemRow[]>(
    `select ${ITEM_COLUMNS} from inventory_item where product_id = ?`,
    [productId],
  );
  return row ? itemFromRow(row) : unstockedItem(productId);
}

/** What names a lot in the ledger and in events. */
export interface LotRef {
  id: number;
  productId: number;
  lotNumber: string;
  expiresOn: string | null;
}

/** A lot as the saga and staff changes see it: its reference, levels and the units it can still give. */
export interface LotLevel extends LotRef {
  quantity: number;
  reserved: number;
  status: StoredLotStatus;
  available: number;
}

interface LotRow {
  id: number;
  product_id: number;
  lot_number: string;
  expires_on: string | null;
  quantity: number;
  reserved: number;
  status: StoredLotStatus;
  available: number;
}

const LOT_COLUMNS = `id, product_id, lot_number, expires_on, quantity, reserved, status,
  case when ${usableLotSql('lot')} then quantity - reserved else 0 end as available`;

function lotFromRow(row: LotRow): LotLevel {
  return {
    id: row.id,
    productId: row.product_id,
    lotNumber: row.lot_number,
    expiresOn: row.expires_on,
    quantity: row.quantity,
    reserved: row.reserved,
    status: row.status,
    available: row.available,
  };
}

/** The lots of a locked product that can still give units, first to expire first. */
export async function usableLots(em: EntityManager, productId: number): Promise<LotLevel[]> {
  return (await usableLotsByProduct(em, [productId])).get(productId) ?? [];
}

/** usableLots of several locked products in one statement, by product id (every one of them listed). */
export async function usableLotsByProduct(
  em: EntityManager,
  productIds: readonly number[],
): Promise<Map<number, LotLevel[]>> {
  const rows = await em.execute<LotRow[]>(
    `select ${LOT_COLUMNS} from lot
     where product_id = any(?::int[]) and ${usableLotSql('lot')} and quantity > reserved
     order by product_id, ${firstExpiringOrder('lot')}`,
    [intArray(productIds)],
  );
  const byProduct = new Map(productIds.map((productId) => [productId, [] as LotLevel[]]));
  for (const row of rows) byProduct.get(row.product_id)?.push(lotFromRow(row));
  return byProduct;
}

/** A lot of a locked product by its number; NOT_FOUND when the product has no such lot. */
export async function findLot(em: EntityManager, productId: number, lotNumber: string): Promise<LotLevel> {
  const [row] = await em.execute<LotRow[]>(
    `select ${LOT_COLUMNS} from lot where product_id = ? and lot_number = ?`,
    [productId, lotNumber],
  );
  if (!row) throw new NotFoundError('lot', `${lotNumber} of product ${productId}`);
  return lotFromRow(row);
}

/**
 * Who or what made a change, as the ledger records it: a person (the viewer, with their role at that
 * moment), an event (its type and id), or neither (the system: the expiry sweep).
 */
export interface ChangeCause {
  actor: Viewer | null;
  event: { type: string; id: string } | null;
  /** The request's or event's correlation id, carried by the events the change causes. */
  correlationId: string;
}

export interface LotChange {
  kind: StockMovementKind;
  lot: LotRef;
  /** Units added to (positive) or taken off (negative) the lot's shelf. */
  delta: number;
  /** Units added to (positive) or taken from (negative) what the lot holds for orders. */
  reservedDelta: number;
  reason: string;
  orderId: number | null;
}

/**
 * Applies a change to a lot of a locked item: updates the lot and the item's sums and writes the ledger
 * row, in one statement (one round trip: a reservation makes one change per lot it draws from, and each
 * round trip stretches when the cores are busy). A status change of a lot is a change of nothing (both
 * deltas 0), recorded all the same. The caller has checked that the change keeps the rows' constraints; a
 * violation throws and rolls back.
 */
export async function applyLotChange(
  em: EntityManager,
  change: LotChange,
  cause: ChangeCause,
): Promise<void> {
  const recorded = await em.execute<{ product_id: number }[]>(
    `with changed_lot as (
       update lot set quantity = quantity + ?, reserved = reserved + ? where id = ?
     ), item as (
       update inventory_item
       set quantity = quantity + ?, reserved = reserved + ?, updated_at = clock_timestamp()
       where product_id = ?
       returning product_id, quantity, reserved, updated_at
     )
     insert into stock_movement
       (product_id, lot_number, kind, delta, quantity_after, reserved_delta, reserved_after, reason, order_id,
        actor_user_id, actor_role, event_type, event_id, occurred_at)
     select item.product_id, ?, ?, ?, item.quantity, ?, item.reserved, ?, ?, ?, ?, ?, ?, item.updated_at
     from item
     returning product_id`,
    [
      change.delta,
      change.reservedDelta,
      change.lot.id,
      change.delta,
      change.reservedDelta,
      change.lot.productId,
      change.lot.lotNumber,
      change.kind,
      change.delta,
      change.reservedDelta,
      change.reason,
      change.orderId,
      cause.actor?.userId ?? null,
      cause.actor?.role ?? null,
      cause.event?.type ?? null,
      cause.event?.id ?? null,
    ],
  );
  if (recorded.length === 0) throw new Error(`no inventory item for product ${change.lot.productId}`);
}

/**
 * Announces `inventory.low-stock` for each of the locked `productIds` that is at or below its reorder
 * level and was not yet announced since it last was above it; forgets the announcement of those back
 * above it. So a fall is announced once, whatever caused it (a change, a raised level, stock that
 * expired), by the first change or sweep that sees it.
 */
export async function announceLowStock(
  em: EntityManager,
  productIds: number[],
  orderId: number | null,
  correlationId: string,
): Promise<void> {
  const rows = await em.execute<(ItemRow & { low_stock_announced: boolean })[]>(
    `update inventory_item item
     set low_stock_announced = levels.available <= item.reorder_level
     from (select product_id, ${availableSql('inventory_item.product_id')} as available
           from inventory_item where product_id = any(?::int[])) levels
     where item.product_id = levels.product_id and item.low_stock_announced <> (levels.available <= item.reorder_level)
     returning item.product_id, item.quantity, item.reserved, levels.available, item.reorder_level,
               item.updated_at, item.low_stock_announced`,
    [intArray(productIds)],
  );
  for (const row of rows.sort((a, b) => a.product_id - b.product_id)) {
    if (row.low_stock_announced) await recordLowStockAlert(em, itemFromRow(row), orderId, correlationId);
  }
}

/**
 * Records the alert for `item` and enqueues `inventory.low-stock` for it (the same id), in the caller's
 * transaction: a subscriber that gets the event can always read the alert.
 */
async function recordLowStockAlert(
  em: EntityManager,
  item: InventoryItem,
  orderId: number | null,
  correlationId: string,
): Promise<void> {
  const payload: LowStock = {
    productId: item.productId,
    quantity: item.quantity,
    reserved: item.reserved,
    available: item.available,
    reorderLevel: item.reorderLevel,
    shortage: item.reorderLevel - item.available,
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
