/**
 * What the inventory subgraph's integration tests share: an empty inventory, delivering order events to its
 * consumer as the bus does, and reading what it enqueued.
 */
import { expect } from '@jest/globals';
import type { EventEnvelope } from '../../lib/event-bus/event.ts';
import { processDelivery } from '../../lib/event-bus/event-processing.ts';
import { sql } from '../../test/support/database.ts';
import { silentLogger, type TestSubgraph } from '../../test/support/services.ts';
import { orderEvent, type OrderedQuantity } from '../contracts/order-events.ts';
import { INVENTORY_EVENTS_TOPIC } from '../contracts/inventory-events.ts';
import { orderEventsConsumer } from './order-events.consumer.ts';

export const CUSTOMER_ID = 42;

export interface Announcement {
  type: string;
  version: number;
  correlationId: string;
  payload: Record<string, unknown>;
}

/** Empties every table of the inventory database, so each test starts from no stock and no events. */
export async function emptyInventory(service: TestSubgraph): Promise<void> {
  await sql(
    service,
    `truncate inventory_item, lot, stock_movement, reservation, reservation_line, reservation_lot, outbox_event,
       processed_event, low_stock_alert
     restart identity`,
  );
}

/** One delivery of `event` to inventory's consumer of `order-events`, as the bus hands it over. */
export function deliver(service: TestSubgraph, event: EventEnvelope, attempt = 1): Promise<void> {
  return processDelivery(
    { orm: service.subgraph.orm, logger: silentLogger, maxAttempts: 5 },
    orderEventsConsumer,
    event,
    { attempt },
  );
}

export function placed(
  orderId: number,
  lines: OrderedQuantity[],
  correlationId = `req-${orderId}`,
): EventEnvelope {
  return orderEvent(
    { type: 'order.placed', payload: { orderId, userId: CUSTOMER_ID, lines } },
    correlationId,
  );
}

/** What inventory enqueued, oldest first (rows stay after the relay publishes them), of `type` if given. */
export async function announced(service: TestSubgraph, type?: string): Promise<Announcement[]> {
  const rows = await sql<{ topic: string; event: EventEnvelope<Record<string, unknown>> }>(
    service,
    'select topic, event from outbox_event order by id',
  );
  for (const row of rows) expect(row.topic).toBe(INVENTORY_EVENTS_TOPIC);
  return rows
    .map(({ event }) => ({
      type: event.type,
      version: event.version,
      correlationId: event.correlationId,
      payload: event.payload,
    }))
    .filter((event) => type === undefined || event.type === type);
}
