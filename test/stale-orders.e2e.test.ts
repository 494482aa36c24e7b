/**
 * The stale order sweep, end to end through the router on the Postgres bus: an order whose
 * `order.placed` never reached inventory (as one moved to the dead letters) is republished by orders
 * and confirmed, its stock reserved once; an order PENDING past the reject threshold is rejected with a
 * reason the customer can read, and inventory holds nothing for it.
 *
 * A lost event is made by writing the PENDING order straight into the orders database, without its
 * event: what the orders database looks like after its `order.placed` was dead-lettered.
 */
import { afterAll, expect, it } from '@jest/globals';
import { STALE_ORDER_REASON } from '../subgraphs/orders/stale-orders.sweep.ts';
import { clientFor } from './support/client.ts';
import { createMigratedDatabase, sql } from './support/database.ts';
import { createStockedProduct, placeOrder, readOrder, readStock, waitUntilDecided } from './support/saga.ts';
import { startTestStack, type TestSubgraph } from './support/services.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const PHARMACIST = { userId: 2, role: 'PHARMACIST' } as const;
const CUSTOMER = { userId: 3, role: 'CUSTOMER' } as const;

/** A PENDING copy of order `id` (and its lines), `ageSeconds` old, with no event: its placement is lost. */
async function lostCopyOf(orders: TestSubgraph, id: string, ageSeconds: number): Promise<string> {
  const [row] = await sql<{ id: number }>(
    orders,
    `insert into customer_order (user_id, status, total_minor, currency, shipping_address, created_at, updated_at)
     select user_id, 'PENDING', total_minor, currency, shipping_address,
            now() - make_interval(secs => ?), now() - make_interval(secs => ?)
     from customer_order where id = ? returning id`,
    [ageSeconds, ageSeconds, Number(id)],
  );
  const copy = row ?? { id: NaN };
  await sql(
    orders,
    `insert into order_line (order_id, product_id, sku, product_name, quantity, unit_price_minor, line_total_minor)
     select ?, product_id, sku, product_name, quantity, unit_price_minor, line_total_minor
     from order_line where order_id = ?`,
    [copy.id, Number(id)],
  );
  return String(copy.id);
}

it('republishes the placement of an order left PENDING, which inventory then reserves once; rejects one PENDING too long with a reason the customer reads, holding nothing for it', async () => {
  const busDatabase = await createMigratedDatabase('events', 'events_stale');
  cleanups.push(() => busDatabase.drop());
  const stack = await startTestStack({
    busEnv: {
      EVENT_BUS_DATABASE_URL: busDatabase.url,
      STALE_ORDER_SWEEP_INTERVAL_SECONDS: '1',
      STALE_ORDER_REPUBLISH_AFTER_SECONDS: '2',
      STALE_ORDER_REJECT_AFTER_SECONDS: '600',
    },
  });
  cleanups.push(() => stack.stop());
  const staff = await clientFor(stack, PHARMACIST);
  const customer = await clientFor(stack, CUSTOMER);
  const productId = await createStockedProduct(staff, { sku: 'STALE-1', price: '3.00', quantity: 20 });

  const first = await placeOrder(customer, [{ productId, quantity: 2 }]);
  expect((await waitUntilDecided(customer, first.id)).status).toBe('CONFIRMED');

  const lost = await lostCopyOf(stack.subgraphs.orders, first.id, 0);
  const abandoned = await lostCopyOf(stack.subgraphs.orders, first.id, 3_600);
  expect((await readOrder(customer, lost))?.status).toBe('PENDING');

  const republished = await waitUntilDecided(customer, lost, 30_000);
  expect(republished).toMatchObject({ status: 'CONFIRMED', rejectionReason: null });
  const givenUp = await waitUntilDecided(customer, abandoned, 30_000);
  expect(givenUp).toMatchObject({ status: 'REJECTED', rejectionReason: STALE_ORDER_REASON });

  // Two orders of 2 units held, each once; nothing for the one given up, even later.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  expect(await readStock(staff, productId)).toMatchObject({ quantity: 20, reserved: 4, available: 16 });
  expect((await readOrder(customer, lost))?.status).toBe('CONFIRMED');
  const reservations = await sql<{ order_id: number; status: string }>(
    stack.subgraphs.inventory,
    'select order_id, status from reservation order by order_id',
  );
  expect(reservations).toEqual([
    { order_id: Number(first.id), status: 'HELD' },
    { order_id: Number(lost), status: 'HELD' },
    { order_id: Number(abandoned), status: 'RELEASED' },
  ]);
}, 120_000);
