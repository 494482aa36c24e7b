/**
 * Stock levels and the stock-movement ledger as staff read and change them, one instance per request (it
 * holds the request's EntityManager and its DataLoader). Every change locks the item, checks it, and writes
 * the change of each lot and its ledger row in one transaction (stock-levels.ts), so stock never goes below
 * what is reserved, however many requests race. Lots are received and withdrawn in lot.service.ts; the
 * order saga changes stock in reservation.service.ts.
 */
import type { EntityManager } from '../../lib/database.ts';
import { ConflictError } from '../../lib/errors.ts';
import { requireViewer, type RequestScope } from '../../lib/request-scope.ts';
import { isUuid, parseRowId } from '../../lib/ids.ts';
import { pageRequest, toPage, type Page } from '../../lib/paging.ts';
import { createRowLoader } from '../../lib/row-loader.ts';
import { InventoryItem } from './inventory-item.entity.ts';
import { LowStockAlert } from './low-stock-alert.entity.ts';
import { UNLOTTED } from './lot.entity.ts';
import { drawFirstExpiring, type LotDraw } from './lot.rules.ts';
import {
  validateAdjustment,
  validateLotNumber,
  validateReason,
  validateReorderLevel,
} from './inventory.rules.ts';
import {
  announceLowStock,
  applyLotChange,
  findLot,
  ITEM_COLUMNS,
  itemFromRow,
  lockItems,
  MAX_QUANTITY,
  readItem,
  unstockedItem,
  usableLots,
  type ChangeCause,
  type ItemRow,
  type LotLevel,
} from './stock-levels.ts';
import { StockMovement } from './stock-movement.entity.ts';

export class InventoryService {
  readonly #em: EntityManager;
  readonly #scope: RequestScope;
  readonly #byProduct;

  constructor(scope: RequestScope) {
    this.#em = scope.em;
    this.#scope = scope;
    this.#byProduct = createRowLoader(scope.em, InventoryItem, 'productId');
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
      `select * from (select ${ITEM_COLUMNS} from inventory_item) item
       where available <= reorder_level
       order by available - reorder_level asc, product_id asc`,
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
   * adjustInventory: adds or removes units by hand and records each lot's movement with the viewer as its
   * actor, in one transaction. Units added go into the lot without expiry (UNLOTTED); units removed come
   * from the usable lots that expire first. With `lotNumber`, both act on that lot whatever its status
   * (writing off expired or recalled units), never below what it holds for orders. Refused (nothing
   * written) when there are not enough units.
   */
  async adjust(
    productId: string,
    adjustment: number,
    reason: string,
    lotNumber?: string | null,
  ): Promise<InventoryItem> {
    const actor = requireViewer(this.#scope);
    const id = parseRowId(productId, 'productId');
    const delta = validateAdjustment(adjustment);
    const why = validateReason(reason);
    const named = lotNumber === null || lotNumber === undefined ? null : validateLotNumber(lotNumber);
    const cause: ChangeCause = { actor, event: null, correlationId: this.#scope.requestId };
    return this.#em.transactional(async (em) => {
      // The row lock makes concurrent changes queue; each checks the latest row.
      const item = (await lockItems(em, [id])).get(id) ?? unstockedItem(id);
      if (item.quantity + delta > MAX_QUANTITY) {
        throw new ConflictError(`the quantity cannot exceed ${MAX_QUANTITY} units`, 'adjustment');
      }
      const draws =
        named === null
          ? await this.#lotsForAdjustment(em, item, delta)
          : await this.#namedLot(em, id, named, delta);
      for (const { lot, quantity } of draws) {
        await applyLotChange(
          em,
          {
            kind: 'ADJUSTMENT',
            lot,
            delta: Math.sign(delta) * quantity,
            reservedDelta: 0,
            reason: why,
            orderId: null,
          },
          cause,
        );
      }
      await announceLowStock(em, [id], null, this.#scope.requestId);
      return readItem(em, id);
    });
  }

  /** Where an adjustment without a lot goes: into UNLOTTED, or out of the usable lots first to expire. */
  async #lotsForAdjustment(
    em: EntityManager,
    item: InventoryItem,
    delta: number,
  ): Promise<LotDraw<LotLevel>[]> {
    if (delta < 0) {
      const draws = drawFirstExpiring(await usableLots(em, item.productId), -delta);
      if (!draws) throw new ConflictError(`not enough stock: ${item.available} available`, 'adjustment');
      return draws;
    }
    await em.execute(
      `insert into lot (product_id, lot_number) values (?, ?) on conflict (product_id, lot_number) do nothing`,
      [item.productId, UNLOTTED],
    );
    return this.#namedLot(em, item.productId, UNLOTTED, delta);
  }

  /** An adjustment of one named lot of a locked item, checked against that lot. */
  async #namedLot(
    em: EntityManager,
    productId: number,
    lotNumber: string,
    delta: number,
  ): Promise<LotDraw<LotLevel>[]> {
    const lot = await findLot(em, productId, lotNumber);
    if (delta > 0 && lot.status === 'RECALLED') {
      throw new ConflictError(`lot ${lotNumber} was recalled: it cannot take more units`, 'adjustment');
    }
    if (lot.quantity + delta < lot.reserved) {
      throw new ConflictError(
        `not enough stock in lot ${lotNumber}: ${lot.quantity - lot.reserved} not held for orders`,
        'adjustment',
      );
    }
    return [{ lot, quantity: Math.abs(delta) }];
  }

  /**
   * setReorderLevel: creates the item when the product was never stocked. Not a stock change, but raising
   * the level over the available units is a fall to it, and announced like one.
   */
  async setReorderLevel(productId: string, reorderLevel: number): Promise<InventoryItem> {
    const id = parseRowId(productId, 'productId');
    const level = validateReorderLevel(reorderLevel);
    return this.#em.transactional(async (em) => {
      await lockItems(em, [id]);
      await em.execute('update inventory_item set reorder_level = ? where product_id = ?', [level, id]);
      await announceLowStock(em, [id], null, this.#scope.requestId);
      return readItem(em, id);
    });
  }
}
