import { Migration } from '../../../lib/database.ts';

/**
 * Every low-stock alert inventory has announced, keyed by its event's id: the router's subscription
 * stream reads an alert from here (`lowStockAlert(id)`) with the subscriber's rights, so what a client
 * sees is what the same selection would show in a query.
 */
export class CreateLowStockAlert extends Migration {
  override name = '20261126-create-low-stock-alert';

  override up(): void {
    this.addSql(`
      create table low_stock_alert (
        id uuid primary key,
        product_id integer not null,
        quantity integer not null,
        reserved integer not null,
        available integer not null,
        reorder_level integer not null,
        shortage integer not null check (shortage >= 0),
        order_id integer null,
        occurred_at timestamptz not null
      )`);
    this.addSql('create index low_stock_alert_product on low_stock_alert (product_id, occurred_at desc)');
  }

  override down(): void {
    this.addSql('drop table low_stock_alert');
  }
}
