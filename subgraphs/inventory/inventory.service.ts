/**
 * Stock levels and the stock-movement ledger, one instance per request (it holds the request's EntityManager
 * and its DataLoader). Every change of a quantity is a conditional update and a ledger row in one
 * transaction, so stock never goes below what is reserved, however many requests race.
 */
import type { EntityManager } from '../../lib/database.ts';
import { ConflictError, UnauthenticatedError } from '../../lib/errors.ts';
import { parseRowId } from '../../lib/ids.ts';
import { pageRequest, toPage, type Page } from '../../lib/paging.ts';
import { createRowLoader } from '../../lib/row-loader.ts';
import type { Viewer } from '../../lib/viewer.ts';
import { InventoryItem } from './inventory-item.entity.ts';
import { validateAdjustment, validateReason, validateReorderLevel } from './inventory.rules.ts';
import { StockMovement } from './stock-movement.entity.ts';

/** The largest quantity a Postgres `integer` column holds. */
const MAX_QUANTITY = 2_147_483_647;

/** An inventory_item row as raw SQL returns it. */
interface ItemRow {
  product_id: number;
  quantity: number;
  reserved: number;
  reorder_level: number;
  updated_at: Date | string | null;
}

const ITEM_COLUMNS = 'product_id, quantity, reserved, reorder_level, updated_at';

function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

function itemFromRow(row: ItemRow): InventoryItem {
  return Object.assign(new InventoryItem(), {
    productId: row.product_id,
    quantity: row.quantity,
    reserved: row.reserved,
    reorderLevel: row.reorder_level,
    updatedAt: row.updated_at === null ? null : toDate(row.updated_at),
  });
}

export class InventoryService {
  readonly #em: EntityManager;

  readonly #byProduct;

  constructor(em: EntityManager) {
    this.#em = em;
    this.#byProduct = createRowLoader(em, InventoryItem, 'productId');
  }

  /** The stock of a product; a product never stocked has an empty item (not stored until it changes). */
  async stockOf(productId: string, field = 'productId'): Promise<InventoryItem> {
    const id = parseRowId(productId, field);
    return (await this.#byProduct.load(id)) ?? Object.assign(new InventoryItem(), unstocked(id));
  }

  /** Every stored item (products whose stock or reorder level was ever set), by product id. */
  async list(page?: number | null, pageSize?: number | null): Promise<Page<InventoryItem>> {
    const request = pageRequest(page, pageSize);
    const [items, totalCount] = await this.#em.findAndCount(
      InventoryItem,
      {},
      { orderBy: { productId: 'asc' }, limit: request.pageSize, offset: request.offset },
    );
    return toPage(items, totalCount, request);
  }

  /** Items at or below their reorder level, the largest shortage first. */
  async lowStock(): Promise<InventoryItem[]> {
    const rows = await this.#em.execute<ItemRow[]>(
      `select ${ITEM_COLUMNS} from inventory_item
       where quantity - reserved <= reorder_level
       order by quantity - reserved - reorder_level asc, product_id asc`,
    );
    return rows.map(itemFromRow);
  }

  /** A product's ledger, newest first. */
  async movementsOf(
    productId: number,
    page?: number | null,
    pageSize?: number | null,
  ): Promise<Page<StockMovement>> {
    const request = pageRequest(page, pageSize);
    const [items, totalCount] = await this.#em.findAndCount(
      StockMovement,
      { productId },
      { orderBy: { occurredAt: 'desc', id: 'desc' }, limit: request.pageSize, offset: request.offset },
    );
    return toPage(items, totalCount, request);
  }

  /**
   * adjustInventory: adds or removes units by hand and records the movement with the viewer as its actor, in
   * one transaction. Refused (nothing written) when the available units would go below zero.
   */
  async adjust(
    viewer: Viewer | null,
    productId: string,
    adjustment: number,
    reason: string,
  ): Promise<InventoryItem> {
    if (!viewer) throw new UnauthenticatedError();
    const id = parseRowId(productId, 'productId');
    const delta = validateAdjustment(adjustment);
    const why = validateReason(reason);
    return this.#em.transactional(async (em) => {
      await em.execute(
        'insert into inventory_item (product_id) values (?) on conflict (product_id) do nothing',
        [id],
      );
      // The row lock makes concurrent adjustments queue; each re-checks the condition on the latest row.
      const [row] = await em.execute<ItemRow[]>(
        `update inventory_item
         set quantity = quantity + ?, updated_at = clock_timestamp()
         where product_id = ?
           and cast(quantity as bigint) + ? >= reserved
           and cast(quantity as bigint) + ? <= ${MAX_QUANTITY}
         returning ${ITEM_COLUMNS}`,
        [delta, id, delta, delta],
      );
      if (!row) throw await refusalFor(em, id, delta);
      const item = itemFromRow(row);
      em.create(StockMovement, {
        productId: id,
        delta,
        quantityAfter: item.quantity,
        reason: why,
        orderId: null,
        actorUserId: viewer.userId,
        occurredAt: item.updatedAt ?? new Date(),
      });
      await em.flush();
      return item;
    });
  }

  /** setReorderLevel: creates the item when the product was never stocked. Not a stock change. */
  async setReorderLevel(productId: string, reorderLevel: number): Promise<InventoryItem> {
    const id = parseRowId(productId, 'productId');
    const level = validateReorderLevel(reorderLevel);
    const [row] = await this.#em.execute<ItemRow[]>(
      `insert into inventory_item (product_id, reorder_level) values (?, ?)
       on conflict (product_id) do update set reorder_level = excluded.reorder_level
       returning ${ITEM_COLUMNS}`,
      [id, level],
    );
    if (!row) throw new Error(`setReorderLevel returned no row for product ${id}`);
    return itemFromRow(row);
  }
}

/** Why a conditional update changed nothing: too few units available, or too many on the shelf. */
async function refusalFor(em: EntityManager, productId: number, delta: number): Promise<ConflictError> {
  const [row] = await em.execute<ItemRow[]>(
    `select ${ITEM_COLUMNS} from inventory_item where product_id = ?`,
    [productId],
  );
  const available = row ? availableUnits(itemFromRow(row)) : 0;
  if (delta < 0) return new ConflictError(`not enough stock: ${available} available`, 'adjustment');
  return new ConflictError(`the quantity cannot exceed ${MAX_QUANTITY} units`, 'adjustment');
}

function unstocked(productId: number) {
  return { productId, quantity: 0, reserved: 0, reorderLevel: 0, updatedAt: null };
}

export function availableUnits(item: Pick<InventoryItem, 'quantity' | 'reserved'>): number {
  return item.quantity - item.reserved;
}

export function isLowStock(item: Pick<InventoryItem, 'quantity' | 'reserved' | 'reorderLevel'>): boolean {
  return availableUnits(item) <= item.reorderLevel;
}
