import { Migration } from '../database.ts';

/**
 * The transactional outbox of a service's database (see outbox.ts). A service adds this class to its
 * migrations list. The partial index keeps the relay's claim query on the few unpublished rows however
 * many published ones are kept; `event_id` is unique so the same event cannot be enqueued twice.
 */
export class CreateOutbox extends Migration {
  override name = '20261125-create-outbox-event';

  override up(): void {
    this.addSql(`
      create table outbox_event (
        id bigint generated always as identity primary key,
        topic varchar(255) not null,
        event_id uuid not null,
        event jsonb not null,
        created_at timestamptz not null default now(),
        published_at timestamptz null,
        publish_attempts integer not null default 0,
        last_error text null,
        constraint outbox_event_event_id_unique unique (event_id)
      )`);
    this.addSql('create index outbox_event_unpublished on outbox_event (id) where published_at is null');
  }

  override down(): void {
    this.addSql('drop table outbox_event');
  }
}
