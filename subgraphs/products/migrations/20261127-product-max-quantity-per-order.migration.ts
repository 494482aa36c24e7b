import { Migration } from '../../../lib/database.ts';

/** A per-product limit on the units one order may hold; null (every existing product) for no limit. */
export class AddProductMaxQuantityPerOrder extends Migration {
  override name = '20261127-product-max-quantity-per-order';

  override up(): void {
    this.addSql(`
      alter table product
        add column max_quantity_per_order integer null
          constraint product_max_quantity_per_order_positive check (max_quantity_per_order >= 1)`);
  }

  override down(): void {
    this.addSql('alter table product drop column max_quantity_per_order');
  }
}
