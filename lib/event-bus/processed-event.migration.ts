import { Migration } from '../database.ts';

/**
 * The events a service's consumers have handled (see event-processing.ts): a consumer inserts the event's
 * id in the transaction of its effect, so a redelivered event finds its id and changes nothing. Keyed by
 * subscription too, since two consumers of one service may each act on the same event.
 */
export class CreateProcessedEvent extends Migration {
  override name = '20261126-create-processed-event';

  override up(): void {
    this.addSql(`
      create table processed_event (
        subscription varchar(255) not null,
        event_id uuid not null,
        event_type varchar(255) not null,
        processed_at timestamptz not null default now(),
        primary key (subscription, event_id)
      )`);
  }

  override down(): void {
    this.addSql('drop table processed_event');
  }
}
