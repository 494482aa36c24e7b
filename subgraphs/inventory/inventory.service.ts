import type { EntityManager } from '../../lib/database.ts';
import { parseRowId } from '../../lib/ids.ts';
import { createRowLoader } from '../../lib/row-loader.ts';
import { InventoryItem } from './inventory-item.entity.ts';

/** Stock levels, one instance per request. */
export class InventoryService {
  readonly #byProduct;

  constructor(em: EntityManager) {
    this.#byProduct = createRowLoader(em, InventoryItem, 'productId');
  }

  /** The stock of a product; a product never stocked has an empty item (not stored until it changes). */
  async stockOf(productId: string): Promise<InventoryItem> {
    const id = parseRowId(productId, 'productId');
    return (await this.#byProduct.load(id)) ?? Object.assign(new InventoryItem(), unstocked(id));
  }
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
