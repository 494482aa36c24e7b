import { Migration } from '../../../lib/database.ts';

/**
 * The stale order sweep (stale-orders.sweep.ts): when it last republished an order's `order.placed`, so
 * that replicas sweeping at once, and later sweeps, republish it once per interval; and an index on the
 * PENDING orders by age, which the sweep reads.
 */
export class StaleOrderSweep extends Migration {
  override name = '20261205-stale-order-sweep';

  override up(): void {
    this.addSql(`alter table customer_order add column placed_republished_at timestamptz null`);
    this.addSql(
      `create index customer_order_pending on customer_order (created_at, id) where status = 'PENDING'`,
    );
  }

  override down(): void {
    this.addSql(`drop index customer_order_pending`);
    this.addSql(`alter table customer_order drop column placed_republished_at`);
  }
}
