import { Migration } from '../../../lib/database.ts';

/**
 * The ledger says who or what made each change and in which lot: the actor's role at that moment, the
 * event that caused it, the lot number (UNLOTTED for every change before lots). New kinds: RECEIPT,
 * REALLOCATION, and the lot status changes (LOT_*), which move no units. The item remembers whether its
 * fall to the reorder level was announced, so that a fall is announced once whatever caused it.
 */
export class RecordMovementCauses extends Migration {
  override name = '20261127-record-movement-causes';

  override up(): void {
    this.addSql(`
      alter table stock_movement
        add column lot_number varchar(50) null,
        add column actor_role text null check (actor_role in ('CUSTOMER', 'PHARMACIST', 'ADMIN')),
        add column event_type text null,
        add column event_id uuid null,
        drop constraint stock_movement_kind_check,
        add constraint stock_movement_kind_check check (kind in ('ADJUSTMENT', 'RECEIPT', 'RESERVATION',
          'RELEASE', 'SHIPMENT', 'REALLOCATION', 'LOT_QUARANTINED', 'LOT_RECALLED', 'LOT_RELEASED', 'LOT_EXPIRED')),
        drop constraint stock_movement_changes_stock,
        add constraint stock_movement_changes_stock
          check (delta <> 0 or reserved_delta <> 0 or kind like 'LOT\\_%')`);
    this.addSql(`update stock_movement set lot_number = 'UNLOTTED'`);
    this.addSql(
      'create index stock_movement_lot on stock_movement (product_id, lot_number, order_id) where order_id is not null',
    );
    this.addSql(`
      alter table inventory_item add column low_stock_announced boolean not null default true`);
    this.addSql('update inventory_item set low_stock_announced = quantity - reserved <= reorder_level');
  }

  override down(): void {
    this.addSql('alter table inventory_item drop column low_stock_announced');
    this.addSql('drop index stock_movement_lot');
    this.addSql(
      `delete from stock_movement where kind not in ('ADJUSTMENT', 'RESERVATION', 'RELEASE', 'SHIPMENT')`,
    );
    this.addSql(`
      alter table stock_movement
        drop constraint stock_movement_changes_stock,
        add constraint stock_movement_changes_stock check (delta <> 0 or reserved_delta <> 0),
        drop constraint stock_movement_kind_check,
        add constraint stock_movement_kind_check
          check (kind in ('ADJUSTMENT', 'RESERVATION', 'RELEASE', 'SHIPMENT')),
        drop column lot_number,
        drop column actor_role,
        drop column event_type,
        drop column event_id`);
  }
}
