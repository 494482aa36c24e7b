/**
 * Inventory's side of the order saga on a real fresh database: order events delivered to the real consumer
 * through `processDelivery` (the transaction with the processed-event row, as the bus runs it), stock set
 * and read through the subgraph's GraphQL API, and the tables and outbox read with SQL. Reserving all lines
 * or none, exactly once per event and per order, under concurrency; releasing, shipping, events that come
 * out of order, low-stock alerts once per crossing, and malformed or unknown events.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createEvent, MalformedEventError, type EventEnvelope } from '../../lib/event-bus/event.ts';
import type { Viewer } from '../../lib/viewer.ts';
import { sql } from '../../test/support/database.ts';
import { dataOf } from '../../test/support/graphql.ts';
import { startTestSubgraph, type TestSubgraph } from '../../test/support/services.ts';
import { subgraphClient, type SubgraphClient } from '../../test/support/subgraph-client.ts';
import { orderEvent } from '../contracts/order-events.ts';
import { SAGA_SUBSCRIPTIONS } from '../contracts/saga-subscriptions.ts';
import {
  announced,
  CUSTOMER_ID,
  deliver,
  emptyInventory,
  placed,
  type Announcement,
} from './inventory.test-support.ts';

const PHARMACIST: Viewer = { userId: 7, role: 'PHARMACIST' };
const SUBSCRIPTION = SAGA_SUBSCRIPTIONS.inventoryOrders.subscription;

const ITEM_FIELDS = 'quantity reserved available reorderLevel';
const ADJUST = `mutation Adjust($productId: ID!, $adjustment: Int!, $reason: String!) {
  adjustInventory(productId: $productId, adjustment: $adjustment, reason: $reason) { ${ITEM_FIELDS} }
}`;
const SET_LEVEL = `mutation Level($productId: ID!, $reorderLevel: Int!) {
  setReorderLevel(productId: $productId, reorderLevel: $reorderLevel) { ${ITEM_FIELDS} }
}`;
const INVENTORY = `query One($productId: ID!) {
  inventory(productId: $productId) {
    ${ITEM_FIELDS}
    movements(pageSize: 100) {
      items { kind delta reservedDelta quantityAfter reservedAfter reason orderId }
    }
  }
}`;

interface StockLevel {
  quantity: number;
  reserved: number;
  available: number;
  reorderLevel: number;
}

interface MovementView {
  kind: string;
  delta: number;
  reservedDelta: number;
  quantityAfter: number;
  reservedAfter: number;
  reason: string;
  orderId: string | null;
}

interface StockView extends StockLevel {
  /** Oldest first. */
  movements: MovementView[];
}

let service: TestSubgraph;
let api: SubgraphClient;

beforeAll(async () => {
  service = await startTestSubgraph('inventory');
  api = subgraphClient(service, { viewer: PHARMACIST });
});

afterAll(async () => {
  await service?.stop();
});

beforeEach(async () => {
  await emptyInventory(service);
});

function cancelled(orderId: number, correlationId = `cancel-${orderId}`): EventEnvelope {
  return orderEvent({ type: 'order.cancelled', payload: { orderId } }, correlationId);
}

function shipped(orderId: number, correlationId = `ship-${orderId}`): EventEnvelope {
  return orderEvent({ type: 'order.shipped', payload: { orderId } }, correlationId);
}

/** Puts `quantity` units on the shelf by hand (an ADJUSTMENT), then sets the reorder level when given. */
async function stock(productId: number, quantity: number, reorderLevel?: number): Promise<void> {
  await api.data(ADJUST, { productId: String(productId), adjustment: quantity, reason: 'delivery' });
  if (reorderLevel !== undefined) {
    await api.data(SET_LEVEL, { productId: String(productId), reorderLevel });
  }
}

/** A product's stock and its ledger (oldest first) through the GraphQL API. */
async function stockOf(productId: number): Promise<StockView> {
  const { inventory } = await api.data<{ inventory: StockLevel & { movements: { items: MovementView[] } } }>(
    INVENTORY,
    { productId: String(productId) },
  );
  const { movements, ...level } = inventory;
  return { ...level, movements: [...movements.items].reverse() };
}

/** The ledger rows the saga wrote (everything but the stocking by hand), oldest first. */
async function sagaMovements(productId: number): Promise<MovementView[]> {
  return (await stockOf(productId)).movements.filter((movement) => movement.kind !== 'ADJUSTMENT');
}

function levelOf(view: StockView): StockLevel {
  const { quantity, reserved, available, reorderLevel } = view;
  return { quantity, reserved, available, reorderLevel };
}

/** The order ids of replies, in ascending order. */
function orderIdsOf(replies: Announcement[]): number[] {
  return replies.map((event) => Number(event.payload.orderId)).sort((a, b) => a - b);
}

async function reservations(): Promise<{ order_id: number; status: string }[]> {
  return sql(service, 'select order_id, status from reservation order by order_id');
}

async function reservationLines(): Promise<{ order_id: number; product_id: number; quantity: number }[]> {
  return sql(
    service,
    'select order_id, product_id, quantity from reservation_line order by order_id, product_id',
  );
}

async function count(table: string): Promise<number> {
  const [row] = await sql<{ n: number }>(service, `select count(*)::int as n from ${table}`);
  return row?.n ?? -1;
}

describe('order.placed', () => {
  it('reserves every covered line: reserved rises, quantity stays, one RESERVATION per product, a HELD reservation and one inventory.reserved', async () => {
    await stock(1, 10);
    await stock(2, 8);

    await deliver(
      service,
      placed(
        101,
        [
          { productId: 2, quantity: 3 },
          { productId: 1, quantity: 4 },
        ],
        'req-place-101',
      ),
    );

    const first = await stockOf(1);
    const second = await stockOf(2);
    expect(levelOf(first)).toEqual({ quantity: 10, reserved: 4, available: 6, reorderLevel: 0 });
    expect(levelOf(second)).toEqual({ quantity: 8, reserved: 3, available: 5, reorderLevel: 0 });
    expect(first.movements).toEqual([
      {
        kind: 'ADJUSTMENT',
        delta: 10,
        reservedDelta: 0,
        quantityAfter: 10,
        reservedAfter: 0,
        reason: 'delivery',
        orderId: null,
      },
      {
        kind: 'RESERVATION',
        delta: 0,
        reservedDelta: 4,
        quantityAfter: 10,
        reservedAfter: 4,
        reason: 'reserved for order 101',
        orderId: '101',
      },
    ]);
    expect(await sagaMovements(2)).toEqual([
      {
        kind: 'RESERVATION',
        delta: 0,
        reservedDelta: 3,
        quantityAfter: 8,
        reservedAfter: 3,
        reason: 'reserved for order 101',
        orderId: '101',
      },
    ]);
    expect(await reservations()).toEqual([{ order_id: 101, status: 'HELD' }]);
    expect(await reservationLines()).toEqual([
      { order_id: 101, product_id: 1, quantity: 4 },
      { order_id: 101, product_id: 2, quantity: 3 },
    ]);
    expect(await announced(service)).toEqual([
      {
        type: 'inventory.reserved',
        version: 1,
        correlationId: 'req-place-101',
        payload: {
          orderId: 101,
          lines: [
            { productId: 1, lots: [{ lotNumber: 'UNLOTTED', expiresOn: null, quantity: 4 }] },
            { productId: 2, lots: [{ lotNumber: 'UNLOTTED', expiresOn: null, quantity: 3 }] },
          ],
        },
      },
    ]);
    expect(
      await sql(service, 'select subscription, event_type from processed_event where subscription = ?', [
        SUBSCRIPTION,
      ]),
    ).toEqual([{ subscription: SUBSCRIPTION, event_type: 'order.placed' }]);
  });

  it('reserves nothing when one line is short (all or nothing) and rejects with exactly the short lines, an unknown product counting as 0 available', async () => {
    await stock(1, 10);
    await stock(2, 2);
    await stock(3, 5);

    await deliver(
      service,
      placed(
        102,
        [
          { productId: 1, quantity: 4 },
          { productId: 2, quantity: 3 },
          { productId: 3, quantity: 5 },
          { productId: 999, quantity: 1 },
        ],
        'req-place-102',
      ),
    );

    for (const [productId, quantity] of [
      [1, 10],
      [2, 2],
      [3, 5],
    ] as const) {
      expect(levelOf(await stockOf(productId))).toEqual({
        quantity,
        reserved: 0,
        available: quantity,
        reorderLevel: 0,
      });
      expect(await sagaMovements(productId)).toEqual([]);
    }
    expect(levelOf(await stockOf(999))).toEqual({ quantity: 0, reserved: 0, available: 0, reorderLevel: 0 });
    expect(await count('reservation_line')).toBe(0);
    expect(
      await sql(service, "select count(*)::int as n from stock_movement where kind <> 'ADJUSTMENT'"),
    ).toEqual([{ n: 0 }]);
    expect(await reservations()).toEqual([{ order_id: 102, status: 'REJECTED' }]);
    expect(await announced(service)).toEqual([
      {
        type: 'inventory.rejected',
        version: 1,
        correlationId: 'req-place-102',
        payload: {
          orderId: 102,
          shortages: [
            { productId: 2, requested: 3, available: 2 },
            { productId: 999, requested: 1, available: 0 },
          ],
        },
      },
    ]);
  });

  // A rejected order must not make a never-stocked product look stocked: it would show in inventoryItems
  // ("every product whose stock or reorder level was ever set") and in lowStockItems.
  it('leaves no inventory item behind for a never-stocked product named by a rejected order', async () => {
    await stock(1, 10);

    await deliver(service, placed(105, [{ productId: 998, quantity: 1 }]));

    expect(await announced(service)).toEqual([
      {
        type: 'inventory.rejected',
        version: 1,
        correlationId: 'req-105',
        payload: { orderId: 105, shortages: [{ productId: 998, requested: 1, available: 0 }] },
      },
    ]);
    const listed = await api.data<{
      inventoryItems: { items: { product: { id: string } }[] };
      lowStockItems: { product: { id: string } }[];
    }>('query { inventoryItems { items { product { id } } } lowStockItems { product { id } } }', {});
    expect(listed).toEqual({ inventoryItems: { items: [{ product: { id: '1' } }] }, lowStockItems: [] });
  });

  it('sums the lines of a product named twice: reserves the total when covered', async () => {
    await stock(1, 10);

    await deliver(
      service,
      placed(103, [
        { productId: 1, quantity: 3 },
        { productId: 1, quantity: 4 },
      ]),
    );

    expect(levelOf(await stockOf(1))).toEqual({ quantity: 10, reserved: 7, available: 3, reorderLevel: 0 });
    expect(await sagaMovements(1)).toEqual([
      {
        kind: 'RESERVATION',
        delta: 0,
        reservedDelta: 7,
        quantityAfter: 10,
        reservedAfter: 7,
        reason: 'reserved for order 103',
        orderId: '103',
      },
    ]);
    expect(await reservationLines()).toEqual([{ order_id: 103, product_id: 1, quantity: 7 }]);
    expect((await announced(service)).map((event) => event.type)).toEqual(['inventory.reserved']);
  });

  it('sums the lines of a product named twice: rejects when only the total exceeds the stock', async () => {
    await stock(1, 6);

    await deliver(
      service,
      placed(104, [
        { productId: 1, quantity: 4 },
        { productId: 1, quantity: 4 },
      ]),
    );

    expect(levelOf(await stockOf(1))).toEqual({ quantity: 6, reserved: 0, available: 6, reorderLevel: 0 });
    expect(await count('reservation_line')).toBe(0);
    expect(await announced(service)).toEqual([
      {
        type: 'inventory.rejected',
        version: 1,
        correlationId: 'req-104',
        payload: { orderId: 104, shortages: [{ productId: 1, requested: 8, available: 6 }] },
      },
    ]);
  });
});

describe('exactly once', () => {
  /** Reserved once; `answers` replies (a placement decided already is answered again, the same). */
  async function expectReservedOnce(orderId: number, answers = 1): Promise<void> {
    expect(levelOf(await stockOf(1))).toEqual({ quantity: 10, reserved: 3, available: 7, reorderLevel: 0 });
    expect(await sagaMovements(1)).toEqual([
      {
        kind: 'RESERVATION',
        delta: 0,
        reservedDelta: 3,
        quantityAfter: 10,
        reservedAfter: 3,
        reason: `reserved for order ${orderId}`,
        orderId: String(orderId),
      },
    ]);
    expect(await reservationLines()).toEqual([{ order_id: orderId, product_id: 1, quantity: 3 }]);
    expect(await announced(service)).toEqual(
      Array.from({ length: answers }, () => ({
        type: 'inventory.reserved',
        version: 1,
        correlationId: `req-${orderId}`,
        payload: {
          orderId,
          lines: [{ productId: 1, lots: [{ lotNumber: 'UNLOTTED', expiresOn: null, quantity: 3 }] }],
        },
      })),
    );
  }

  it('applies an event delivered twice in a row once; the redelivery returns without error', async () => {
    await stock(1, 10);
    const event = placed(201, [{ productId: 1, quantity: 3 }]);

    await deliver(service, event, 1);
    await expect(deliver(service, event, 2)).resolves.toBeUndefined();

    await expectReservedOnce(201);
    expect(await count('processed_event')).toBe(1);
  });

  it('applies an event delivered twice at the same time once; both deliveries return without error', async () => {
    await stock(1, 10);
    const event = placed(202, [{ productId: 1, quantity: 3 }]);

    await expect(Promise.all([deliver(service, event, 1), deliver(service, event, 1)])).resolves.toEqual([
      undefined,
      undefined,
    ]);

    await expectReservedOnce(202);
    expect(await count('processed_event')).toBe(1);
  });

  it('does not reserve twice for an order placed again under a new event id, and answers it again with the same lots (the stale order sweep republished it)', async () => {
    await stock(1, 10);
    const first = placed(203, [{ productId: 1, quantity: 3 }]);
    const republished = placed(203, [{ productId: 1, quantity: 3 }]);
    expect(republished.id).not.toBe(first.id);

    await deliver(service, first);
    await expect(deliver(service, republished)).resolves.toBeUndefined();

    await expectReservedOnce(203, 2);
    expect(await reservations()).toEqual([{ order_id: 203, status: 'HELD' }]);
    expect(await count('processed_event')).toBe(2);
  });

  it('answers an order it rejected, placed again under a new event id, with the same rejection', async () => {
    await stock(1, 2);
    await deliver(service, placed(205, [{ productId: 1, quantity: 3 }]));
    await deliver(service, placed(205, [{ productId: 1, quantity: 3 }]));

    const rejection = {
      type: 'inventory.rejected',
      payload: { orderId: 205, shortages: [{ productId: 1, requested: 3, available: 2 }] },
    };
    expect((await announced(service)).map(({ type, payload }) => ({ type, payload }))).toEqual([
      rejection,
      rejection,
    ]);
    expect(await reservations()).toEqual([{ order_id: 205, status: 'REJECTED' }]);
  });

  it('does not reserve twice for an order placed under two event ids delivered at the same time', async () => {
    await stock(1, 10);

    await Promise.all([
      deliver(service, placed(204, [{ productId: 1, quantity: 3 }])),
      deliver(service, placed(204, [{ productId: 1, quantity: 3 }])),
    ]);

    await expectReservedOnce(204, 2);
    expect(await reservations()).toEqual([{ order_id: 204, status: 'HELD' }]);
  });
});

describe('concurrent orders for scarce stock', () => {
  it('reserves exactly the 10 available units among 50 concurrent orders, never over the shelf, each multi-line order whole or not at all, one reply per order', async () => {
    const scarce = 1;
    const plentiful = 2;
    await stock(scarce, 10);
    await stock(plentiful, 1000);
    const multiLine = new Set<number>();
    const events = Array.from({ length: 50 }, (_, index) => {
      const orderId = 301 + index;
      if (index % 5 === 0) {
        multiLine.add(orderId);
        return placed(orderId, [
          { productId: plentiful, quantity: 2 },
          { productId: scarce, quantity: 1 },
        ]);
      }
      return placed(orderId, [{ productId: scarce, quantity: 1 }]);
    });
    expect(multiLine.size).toBe(10);

    await Promise.all(events.map((event) => deliver(service, event)));

    const rows = await reservations();
    const held = rows.filter((row) => row.status === 'HELD').map((row) => row.order_id);
    const rejected = rows.filter((row) => row.status === 'REJECTED').map((row) => row.order_id);
    expect(held).toHaveLength(10);
    expect(rejected).toHaveLength(40);

    const lines = await reservationLines();
    expect(lines.filter((line) => line.product_id === scarce)).toEqual(
      held.map((orderId) => ({ order_id: orderId, product_id: scarce, quantity: 1 })),
    );
    const heldMultiLine = held.filter((orderId) => multiLine.has(orderId));
    expect(lines.filter((line) => line.product_id === plentiful)).toEqual(
      heldMultiLine.map((orderId) => ({ order_id: orderId, product_id: plentiful, quantity: 2 })),
    );
    for (const orderId of multiLine) {
      const products = lines.filter((line) => line.order_id === orderId).map((line) => line.product_id);
      expect(products).toEqual(held.includes(orderId) ? [scarce, plentiful] : []);
    }

    const scarceStock = await stockOf(scarce);
    expect(levelOf(scarceStock)).toEqual({ quantity: 10, reserved: 10, available: 0, reorderLevel: 0 });
    const reservedAfter = scarceStock.movements
      .filter((movement) => movement.kind === 'RESERVATION')
      .map((movement) => movement.reservedAfter);
    expect(reservedAfter).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(levelOf(await stockOf(plentiful))).toEqual({
      quantity: 1000,
      reserved: 2 * heldMultiLine.length,
      available: 1000 - 2 * heldMultiLine.length,
      reorderLevel: 0,
    });
    expect(
      await sql(
        service,
        'select count(*)::int as n from stock_movement where reserved_after > quantity_after',
      ),
    ).toEqual([{ n: 0 }]);

    const replies = await announced(service);
    const reserved = replies.filter((event) => event.type === 'inventory.reserved');
    const refused = replies.filter((event) => event.type === 'inventory.rejected');
    expect(reserved.length + refused.length).toBe(50);
    expect(orderIdsOf(reserved)).toEqual(held);
    expect(orderIdsOf(refused)).toEqual(rejected);
    for (const event of refused) {
      expect(event.payload.shortages).toEqual([{ productId: scarce, requested: 1, available: 0 }]);
    }
    // The last unit going is the one fall to the reorder level (0).
    expect(replies.filter((event) => event.type === 'inventory.low-stock')).toHaveLength(1);
    expect(await count('processed_event')).toBe(50);
  });
});

describe('order.cancelled', () => {
  it('releases what a held order reserved: RELEASE movements with negative reservedDelta, reservation RELEASED, no reply', async () => {
    await stock(1, 10);
    await stock(2, 5);
    await deliver(
      service,
      placed(401, [
        { productId: 1, quantity: 2 },
        { productId: 2, quantity: 1 },
      ]),
    );
    expect(levelOf(await stockOf(1))).toEqual({ quantity: 10, reserved: 2, available: 8, reorderLevel: 0 });

    await deliver(service, cancelled(401));

    expect(levelOf(await stockOf(1))).toEqual({ quantity: 10, reserved: 0, available: 10, reorderLevel: 0 });
    expect(levelOf(await stockOf(2))).toEqual({ quantity: 5, reserved: 0, available: 5, reorderLevel: 0 });
    expect(await sagaMovements(1)).toEqual([
      {
        kind: 'RESERVATION',
        delta: 0,
        reservedDelta: 2,
        quantityAfter: 10,
        reservedAfter: 2,
        reason: 'reserved for order 401',
        orderId: '401',
      },
      {
        kind: 'RELEASE',
        delta: 0,
        reservedDelta: -2,
        quantityAfter: 10,
        reservedAfter: 0,
        reason: 'released: order 401 cancelled',
        orderId: '401',
      },
    ]);
    expect(
      (await sagaMovements(2)).map(({ kind, reservedDelta, reservedAfter }) => ({
        kind,
        reservedDelta,
        reservedAfter,
      })),
    ).toEqual([
      { kind: 'RESERVATION', reservedDelta: 1, reservedAfter: 1 },
      { kind: 'RELEASE', reservedDelta: -1, reservedAfter: 0 },
    ]);
    expect(await reservations()).toEqual([{ order_id: 401, status: 'RELEASED' }]);
    expect((await announced(service)).map((event) => event.type)).toEqual(['inventory.reserved']);
  });

  it('does nothing on a second cancellation of a released order', async () => {
    await stock(1, 10);
    await deliver(service, placed(402, [{ productId: 1, quantity: 4 }]));
    await deliver(service, cancelled(402));
    const movementsBefore = await count('stock_movement');

    await expect(deliver(service, cancelled(402))).resolves.toBeUndefined();

    expect(levelOf(await stockOf(1))).toEqual({ quantity: 10, reserved: 0, available: 10, reorderLevel: 0 });
    expect(await count('stock_movement')).toBe(movementsBefore);
    expect((await sagaMovements(1)).map((movement) => movement.kind)).toEqual(['RESERVATION', 'RELEASE']);
    expect(await reservations()).toEqual([{ order_id: 402, status: 'RELEASED' }]);
    expect(await count('processed_event')).toBe(3);
  });

  it('does nothing on the cancellation of a rejected order', async () => {
    await stock(1, 2);
    await stock(2, 10);
    await deliver(service, placed(403, [{ productId: 2, quantity: 1 }]));
    await deliver(service, placed(404, [{ productId: 1, quantity: 3 }]));

    await deliver(service, cancelled(404));

    expect(levelOf(await stockOf(1))).toEqual({ quantity: 2, reserved: 0, available: 2, reorderLevel: 0 });
    expect(levelOf(await stockOf(2))).toEqual({ quantity: 10, reserved: 1, available: 9, reorderLevel: 0 });
    expect(await sagaMovements(1)).toEqual([]);
    expect(await reservations()).toEqual([
      { order_id: 403, status: 'HELD' },
      { order_id: 404, status: 'REJECTED' },
    ]);
    expect((await announced(service)).map((event) => event.type)).toEqual([
      'inventory.reserved',
      'inventory.rejected',
    ]);
  });

  it('remembers a cancellation that comes before its placement: the placement then reserves nothing and sends no reply', async () => {
    await stock(1, 10);

    await deliver(service, cancelled(405));
    expect(await reservations()).toEqual([{ order_id: 405, status: 'RELEASED' }]);

    await expect(deliver(service, placed(405, [{ productId: 1, quantity: 3 }]))).resolves.toBeUndefined();

    expect(levelOf(await stockOf(1))).toEqual({ quantity: 10, reserved: 0, available: 10, reorderLevel: 0 });
    expect(await sagaMovements(1)).toEqual([]);
    expect(await count('reservation_line')).toBe(0);
    expect(await reservations()).toEqual([{ order_id: 405, status: 'RELEASED' }]);
    expect(await announced(service)).toEqual([]);
    expect(
      await sql(service, 'select event_type from processed_event order by processed_at, event_type'),
    ).toEqual([{ event_type: 'order.cancelled' }, { event_type: 'order.placed' }]);
  });
});

describe('order.shipped', () => {
  it('takes a held order off the shelf: quantity and reserved both fall, SHIPMENT movements, available unchanged', async () => {
    await stock(1, 10);
    await stock(2, 4);
    await deliver(
      service,
      placed(501, [
        { productId: 1, quantity: 3 },
        { productId: 2, quantity: 4 },
      ]),
    );
    expect(levelOf(await stockOf(1))).toEqual({ quantity: 10, reserved: 3, available: 7, reorderLevel: 0 });
    const outboxBefore = await announced(service);

    await deliver(service, shipped(501));

    expect(levelOf(await stockOf(1))).toEqual({ quantity: 7, reserved: 0, available: 7, reorderLevel: 0 });
    expect(levelOf(await stockOf(2))).toEqual({ quantity: 0, reserved: 0, available: 0, reorderLevel: 0 });
    expect((await sagaMovements(1)).at(-1)).toEqual({
      kind: 'SHIPMENT',
      delta: -3,
      reservedDelta: -3,
      quantityAfter: 7,
      reservedAfter: 0,
      reason: 'shipped with order 501',
      orderId: '501',
    });
    expect((await sagaMovements(2)).at(-1)).toEqual({
      kind: 'SHIPMENT',
      delta: -4,
      reservedDelta: -4,
      quantityAfter: 0,
      reservedAfter: 0,
      reason: 'shipped with order 501',
      orderId: '501',
    });
    expect(await reservations()).toEqual([{ order_id: 501, status: 'SHIPPED' }]);
    // Shipping does not change what is available, so it never announces anything.
    expect(await announced(service)).toEqual(outboxBefore);
  });

  it('does nothing when shipping an order that holds nothing: never placed, rejected, released, or already shipped', async () => {
    await stock(1, 5);
    await deliver(service, placed(502, [{ productId: 1, quantity: 9 }])); // rejected
    await deliver(service, placed(503, [{ productId: 1, quantity: 1 }]));
    await deliver(service, cancelled(503)); // released
    await deliver(service, placed(504, [{ productId: 1, quantity: 2 }]));
    await deliver(service, shipped(504)); // shipped
    const movementsBefore = await count('stock_movement');
    const levelBefore = levelOf(await stockOf(1));
    expect(levelBefore).toEqual({ quantity: 3, reserved: 0, available: 3, reorderLevel: 0 });

    for (const orderId of [599, 502, 503, 504]) {
      await expect(deliver(service, shipped(orderId))).resolves.toBeUndefined();
    }

    expect(levelOf(await stockOf(1))).toEqual(levelBefore);
    expect(await count('stock_movement')).toBe(movementsBefore);
    expect(await reservations()).toEqual([
      { order_id: 502, status: 'REJECTED' },
      { order_id: 503, status: 'RELEASED' },
      { order_id: 504, status: 'SHIPPED' },
    ]);
  });
});

describe('inventory.low-stock', () => {
  it('is announced once per fall to the reorder level by reservations, and again after stock rose above it and fell again', async () => {
    await stock(1, 10, 5);

    await deliver(service, placed(601, [{ productId: 1, quantity: 3 }])); // 10 -> 7
    expect(await announced(service, 'inventory.low-stock')).toEqual([]);

    await deliver(service, placed(602, [{ productId: 1, quantity: 2 }], 'req-fall-602')); // 7 -> 5
    expect(await announced(service, 'inventory.low-stock')).toEqual([
      {
        type: 'inventory.low-stock',
        version: 1,
        correlationId: 'req-fall-602',
        payload: {
          productId: 1,
          quantity: 10,
          reserved: 5,
          available: 5,
          reorderLevel: 5,
          shortage: 0,
          orderId: 602,
        },
      },
    ]);

    await deliver(service, placed(603, [{ productId: 1, quantity: 2 }])); // 5 -> 3
    expect(await announced(service, 'inventory.low-stock')).toHaveLength(1);

    await deliver(service, cancelled(602)); // 3 -> 5: still at the level
    await deliver(service, cancelled(603)); // 5 -> 7: above it again
    expect(levelOf(await stockOf(1))).toEqual({ quantity: 10, reserved: 3, available: 7, reorderLevel: 5 });
    expect(await announced(service, 'inventory.low-stock')).toHaveLength(1);

    await deliver(service, placed(604, [{ productId: 1, quantity: 3 }], 'req-fall-604')); // 7 -> 4
    const alerts = await announced(service, 'inventory.low-stock');
    expect(alerts).toHaveLength(2);
    expect(alerts[1]).toEqual({
      type: 'inventory.low-stock',
      version: 1,
      correlationId: 'req-fall-604',
      payload: {
        productId: 1,
        quantity: 10,
        reserved: 6,
        available: 4,
        reorderLevel: 5,
        shortage: 1,
        orderId: 604,
      },
    });
    // The alerts ride beside the replies: one per order.
    expect((await announced(service)).filter((event) => event.type === 'inventory.reserved')).toHaveLength(4);
  });

  it('is announced by a manual adjustInventory that falls to the level, with no order and the request id', async () => {
    await stock(1, 10, 5);
    const response = await api.post<{ adjustInventory: StockLevel }>(
      ADJUST,
      { productId: '1', adjustment: -5, reason: 'damaged in transit' },
      PHARMACIST,
      { 'x-request-id': 'req-manual-fall-1' },
    );
    expect(dataOf(response).adjustInventory).toEqual({
      quantity: 5,
      reserved: 0,
      available: 5,
      reorderLevel: 5,
    });

    expect(await announced(service)).toEqual([
      {
        type: 'inventory.low-stock',
        version: 1,
        correlationId: 'req-manual-fall-1',
        payload: {
          productId: 1,
          quantity: 5,
          reserved: 0,
          available: 5,
          reorderLevel: 5,
          shortage: 0,
          orderId: null,
        },
      },
    ]);

    // Already at the level: a further fall by hand announces nothing new.
    await api.data(ADJUST, { productId: '1', adjustment: -1, reason: 'damaged' });
    expect(await announced(service, 'inventory.low-stock')).toHaveLength(1);
  });

  it('is announced once when setReorderLevel raises the level above the available units', async () => {
    await stock(1, 10);
    await deliver(service, placed(605, [{ productId: 1, quantity: 2 }])); // 8 available, level 0
    expect(await announced(service, 'inventory.low-stock')).toEqual([]);

    const response = await api.post<{ setReorderLevel: StockLevel }>(
      SET_LEVEL,
      { productId: '1', reorderLevel: 12 },
      PHARMACIST,
      { 'x-request-id': 'req-level-up-1' },
    );
    expect(dataOf(response).setReorderLevel).toEqual({
      quantity: 10,
      reserved: 2,
      available: 8,
      reorderLevel: 12,
    });

    expect(await announced(service, 'inventory.low-stock')).toEqual([
      {
        type: 'inventory.low-stock',
        version: 1,
        correlationId: 'req-level-up-1',
        payload: {
          productId: 1,
          quantity: 10,
          reserved: 2,
          available: 8,
          reorderLevel: 12,
          shortage: 4,
          orderId: null,
        },
      },
    ]);

    // Raising it further while below it is no new crossing.
    await api.data(SET_LEVEL, { productId: '1', reorderLevel: 15 });
    expect(await announced(service, 'inventory.low-stock')).toHaveLength(1);
  });
});

describe('events inventory cannot or need not act on', () => {
  it.each([
    ['lines missing', () => createEvent('order.placed', { orderId: 701, userId: CUSTOMER_ID }, 'req-bad-1')],
    [
      'a quantity of 0',
      () =>
        createEvent(
          'order.placed',
          { orderId: 701, userId: CUSTOMER_ID, lines: [{ productId: 1, quantity: 0 }] },
          'req-bad-2',
        ),
    ],
    [
      'version 2',
      () =>
        createEvent(
          'order.placed',
          { orderId: 701, userId: CUSTOMER_ID, lines: [{ productId: 1, quantity: 1 }] },
          'req-bad-3',
          2,
        ),
    ],
    [
      'an empty list of lines',
      () =>
        orderEvent(
          { type: 'order.placed', payload: { orderId: 701, userId: CUSTOMER_ID, lines: [] } },
          'req-bad-4',
        ),
    ],
    ['a cancellation without an order id', () => createEvent('order.cancelled', {}, 'req-bad-5')],
  ])(
    'refuses a malformed order event (%s) with a MalformedEventError and writes nothing, so the bus redelivers it',
    async (_, makeEvent) => {
      await stock(1, 10);
      const event = makeEvent();

      await expect(deliver(service, event)).rejects.toThrow(MalformedEventError);
      // The last attempt fails the same way (the bus then dead-letters it).
      await expect(deliver(service, event, 5)).rejects.toThrow(MalformedEventError);

      expect(await count('processed_event')).toBe(0);
      expect(await count('reservation')).toBe(0);
      expect(await count('reservation_line')).toBe(0);
      expect(await sagaMovements(1)).toEqual([]);
      expect(levelOf(await stockOf(1))).toEqual({
        quantity: 10,
        reserved: 0,
        available: 10,
        reorderLevel: 0,
      });
      expect(await announced(service)).toEqual([]);
    },
  );

  it('records an event type it does not know (order.delivered) as processed and changes nothing', async () => {
    await stock(1, 10);
    await deliver(service, placed(801, [{ productId: 1, quantity: 2 }]));
    const outboxBefore = await announced(service);
    const movementsBefore = await count('stock_movement');
    const event = createEvent('order.delivered', { orderId: 801 }, 'req-delivered-801');

    await expect(deliver(service, event)).resolves.toBeUndefined();

    expect(
      await sql(service, 'select subscription, event_type from processed_event where event_id = ?', [
        event.id,
      ]),
    ).toEqual([{ subscription: SUBSCRIPTION, event_type: 'order.delivered' }]);
    expect(levelOf(await stockOf(1))).toEqual({ quantity: 10, reserved: 2, available: 8, reorderLevel: 0 });
    expect(await count('stock_movement')).toBe(movementsBefore);
    expect(await reservations()).toEqual([{ order_id: 801, status: 'HELD' }]);
    expect(await announced(service)).toEqual(outboxBefore);
  });
});
