/**
 * Stock levels and the stock-movement ledger as staff read and change them, one instance per request (it
 * holds the request's EntityManager and its DataLoader). Every change locks the item, checks it, and writes
 * the change and its ledger row in one transaction (stock-levels.ts), so stock never goes below what is
 * reserved, however many requests race. The order saga changes stock in reservation.service.ts.
 */
import type { EntityManager } from '../../lib/database.ts';
import { ConflictError, UnauthenticatedError } from '../../lib/errors.ts';
import { isUuid, parseRowId } from '../../lib/ids.ts';
import { pageRequest, toPage, type Page } from '../../lib/paging.ts';
import { createRowLoader } from '../../lib/row-loader.ts';
import type { Viewer } from '../../lib/viewer.ts';
import { InventoryItem } from './inventory-item.entity.ts';
import { LowStockAlert } from './low-stock-alert.entity.ts';
import { validateAdjustment, validateReason, validateReorderLevel } from './inventory.rules.ts';
import {
  announceLowStock,
  applyStockChange,
  availableUnits,
  fellToReorderLevel,
  ITEM_COLUMNS,
  itemFromRow,
  lockItems,
  unstockedItem,
  type ItemRow,
} from './stock-levels.ts';
import { StockMovement } from './stock-movement.entity.ts';

/** The largest quantity a Postgres `integer` column holds. */
const MAX_QUANTITY = 2_147_483_647;

export class InventoryService {
  readonly #em: EntityManager;
  /** The request's id, carried by the events its changes cause. */
  readonly #requestId: string;
  readonly #byProduct;

  constructor(em: EntityManager, requestId: string) {
    this.#em = em;
    this.#requestId = requestId;
    this.#byProduct = createRowLoader(em, InventoryItem, 'productId');
  }

  /** The stock of a product; a product never stocked has an empty item (not stored until it changes). */
  async stockOf(productId: string, field = 'productId'): Promise<InventoryItem> {
    const id = parseRowId(productId, field);
    return (await this.#byProduct.load(id)) ?? unstockedItem(id);
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

  /** A low-stock alert by id; null when the id names none. */
  lowStockAlert(id: string): Promise<LowStockAlert | null> {
    return isUuid(id) ? this.#em.findOne(LowStockAlert, { id }) : Promise.resolve(null);
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
      // The row lock makes concurrent changes queue; each checks the latest row.
      const item = (await lockItems(em, [id])).get(id) ?? unstockedItem(id);
      if (item.quantity + delta < item.reserved) {
        throw new ConflictError(`not enough stock: ${availableUnits(item)} available`, 'adjustment');
      }
      if (item.quantity + delta > MAX_QUANTITY) {
        throw new ConflictError(`the quantity cannot exceed ${MAX_QUANTITY} units`, 'adjustment');
      }
      return applyStockChange(em, {
        kind: 'ADJUSTMENT',
        productId: id,
        delta,
        reservedDelta: 0,
        reason: why,
        orderId: null,
        actorUserId: viewer.userId,
        correlationId: this.#requestId,
      });
    });
  }

  /**
   * setReorderLevel: creates the item when the product was never stocked. Not a stock change, but raising
   * the level over the available units is a fall to it, and announced like one.
   */
  async setReorderLevel(productId: string, reorderLevel: number): Promise<InventoryItem> {
    const id = parseRowId(productId, 'productId');
    const level = validateReorderLevel(reorderLevel);
    return this.#em.transactional(async (em) => {
      const before = (await lockItems(em, [id])).get(id) ?? unstockedItem(id);
      const [row] = await em.execute<ItemRow[]>(
        `update inventory_item set reorder_level = ? where product_id = ? returning ${ITEM_COLUMNS}`,
        [level, id],
      );
      if (!row) throw new Error(`setReorderLevel found no item for product ${id}`);
      const after = itemFromRow(row);
      if (fellToReorderLevel(before, after)) await announceLowStock(em, after, null, this.#requestId);
      return after;
    });
  }
}
