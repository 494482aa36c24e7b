import { Migration } from '../../../lib/database.ts';

/** Stock can never go negative, and never more can be reserved than is on the shelf. */
export class CreateInventoryItem extends Migration {
  override name = '20261125-create-inventory-item';

  override up(): void {
    this.addSql(`
      create table inventory_item (
        product_id integer primary key,
        quantity integer not null default 0 check (quantity >= 0),
        reserved integer not null default 0 check (reserved >= 0 and reserved <= quantity),
        reorder_level integer not null default 0 check (reorder_level >= 0),
        updated_at timestamptz null
      )`);
  }

  override down(): void {
    this.addSql('drop table inventory_item');
  }
}
