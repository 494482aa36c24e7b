import { Migration } from '../../../lib/database.ts';

/**
 * What inventory holds for each order (reservation.service.ts), and the ledger's record of reservations:
 * a movement now says what kind of change it was and how the reserved units moved, so holding,
 * releasing and shipping stock are in the ledger beside the changes made by hand.
 */
export class CreateReservation extends Migration {
  override name = '20261126-create-reservation';

  override up(): void {
    this.addSql(`
      create table reservation (
        order_id integer primary key,
        status text not null check (status in ('HELD', 'REJECTED', 'RELEASED', 'SHIPPED')),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`);
    this.addSql(`
      create table reservation_line (
        order_id integer not null references reservation (order_id),
        product_id integer not null,
        quantity integer not null check (quantity > 0),
        primary key (order_id, product_id)
      )`);
    this.addSql(`
      alter table stock_movement
        add column kind text not null default 'ADJUSTMENT'
          check (kind in ('ADJUSTMENT', 'RESERVATION', 'RELEASE', 'SHIPMENT')),
        add column reserved_delta integer not null default 0,
        add column reserved_after integer not null default 0 check (reserved_after >= 0),
        drop constraint stock_movement_delta_check,
        add constraint stock_movement_changes_stock check (delta <> 0 or reserved_delta <> 0)`);
    this.addSql('alter table stock_movement alter column kind drop default');
    this.addSql('create index stock_movement_order on stock_movement (order_id) where order_id is not null');
  }

  override down(): void {
    this.addSql('drop index stock_movement_order');
    this.addSql(`
      alter table stock_movement
        drop constraint stock_movement_changes_stock,
        drop column kind,
        drop column reserved_delta,
        drop column reserved_after,
        add constraint stock_movement_delta_check check (delta <> 0)`);
    this.addSql('drop table reservation_line');
    this.addSql('drop table reservation');
  }
}
