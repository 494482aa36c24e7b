/**
 * Lots on a real fresh database, through the subgraph's GraphQL API as the router calls it and through the
 * real consumer of order events: receiving stock, first-expiry-first reservations split across lots and
 * recorded per order, expired and withdrawn stock that cannot be reserved, recall and quarantine moving
 * open orders to other lots, traceability, the expiry sweep, the ledger's causes, and access.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { addDays, today } from '../../lib/calendar-day.ts';
import type { Viewer } from '../../lib/viewer.ts';
import { sql } from '../../test/support/database.ts';
import { startTestSubgraph, type TestSubgraph } from '../../test/support/services.ts';
import { refusalOf, subgraphClient, type SubgraphClient } from '../../test/support/subgraph-client.ts';
import { orderEvent } from '../contracts/order-events.ts';
import { announced, deliver, emptyInventory, placed } from './inventory.test-support.ts';
import { scheduleLotExpirySweep, sweepLotExpiry } from './lot-expiry.sweep.ts';

const PHARMACIST: Viewer = { userId: 7, role: 'PHARMACIST' };
const ADMIN: Viewer = { userId: 1, role: 'ADMIN' };
const CUSTOMER: Viewer = { userId: 42, role: 'CUSTOMER' };

const LOT_FIELDS = 'lotNumber expiresOn quantity reserved available status statusReason';
const RECEIVE = `mutation Receive($productId: ID!, $lotNumber: String!, $expiresOn: Date!, $quantity: Int!, $reason: String) {
  receiveStock(productId: $productId, lotNumber: $lotNumber, expiresOn: $expiresOn, quantity: $quantity, reason: $reason) {
    product { id } ${LOT_FIELDS}
  }
}`;
const RECALL = `mutation Recall($productId: ID!, $lotNumber: String!, $reason: String!) {
  recallLot(productId: $productId, lotNumber: $lotNumber, reason: $reason) { ${LOT_FIELDS} }
}`;
const QUARANTINE = `mutation Quarantine($productId: ID!, $lotNumber: String!, $reason: String!) {
  quarantineLot(productId: $productId, lotNumber: $lotNumber, reason: $reason) { ${LOT_FIELDS} }
}`;
const RELEASE = `mutation Release($productId: ID!, $lotNumber: String!) {
  releaseLot(productId: $productId, lotNumber: $lotNumber) { ${LOT_FIELDS} }
}`;
const ADJUST = `mutation Adjust($productId: ID!, $adjustment: Int!, $reason: String!, $lotNumber: String) {
  adjustInventory(productId: $productId, adjustment: $adjustment, reason: $reason, lotNumber: $lotNumber) {
    quantity available
  }
}`;
const STOCK = `query Stock($productId: ID!) {
  inventory(productId: $productId) { quantity reserved available lots { ${LOT_FIELDS} } }
}`;
const MOVEMENTS = `query Movements($productId: ID!) {
  inventory(productId: $productId) {
    movements(pageSize: 100) {
      items { kind delta reservedDelta lotNumber reason orderId actor { id } actorRole eventType eventId }
    }
  }
}`;
const EXPIRING = `query Expiring($withinDays: Int!) {
  expiringLots(withinDays: $withinDays) { product { id } lotNumber expiresOn quantity status }
}`;
const TRACE = `query Trace($productId: ID!, $lotNumber: String!) {
  recalledLotOrders(productId: $productId, lotNumber: $lotNumber) { id }
}`;

interface LotView {
  lotNumber: string;
  expiresOn: string | null;
  quantity: number;
  reserved: number;
  available: number;
  status: string;
  statusReason: string | null;
}

interface MovementView {
  kind: string;
  delta: number;
  reservedDelta: number;
  lotNumber: string | null;
  reason: string;
  orderId: string | null;
  actor: { id: string } | null;
  actorRole: string | null;
  eventType: string | null;
  eventId: string | null;
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

/** The day `days` from today (UTC). */
const inDays = (days: number): string => addDays(today(), days);

async function receive(productId: number, lotNumber: string, expiresOn: string, quantity: number) {
  return (
    await api.data<{ receiveStock: LotView & { product: { id: string } } }>(RECEIVE, {
      productId: String(productId),
      lotNumber,
      expiresOn,
      quantity,
    })
  ).receiveStock;
}

/** Makes a lot expired as if its day had passed (receiving refuses past days). */
async function expire(productId: number, lotNumber: string, daysAgo = 1): Promise<void> {
  await sql(service, 'update lot set expires_on = ? where product_id = ? and lot_number = ?', [
    inDays(-daysAgo),
    productId,
    lotNumber,
  ]);
}

async function stockOf(productId: number) {
  return (
    await api.data<{ inventory: { quantity: number; reserved: number; available: number; lots: LotView[] } }>(
      STOCK,
      {
        productId: String(productId),
      },
    )
  ).inventory;
}

/** The ledger of a product, oldest first. */
async function movementsOf(productId: number): Promise<MovementView[]> {
  const { inventory } = await api.data<{ inventory: { movements: { items: MovementView[] } } }>(MOVEMENTS, {
    productId: String(productId),
  });
  return [...inventory.movements.items].reverse();
}

async function heldLots(orderId: number) {
  return sql(
    service,
    `select lot.product_id, lot.lot_number, held.quantity from reservation_lot held join lot on lot.id = held.lot_id
     where held.order_id = ? order by lot.product_id, lot.expires_on nulls last`,
    [orderId],
  );
}

interface RowCounts {
  items: number;
  lots: number;
  movements: number;
  events: number;
}

async function rowCounts(): Promise<RowCounts> {
  const [row] = await sql<RowCounts>(
    service,
    `select (select count(*)::int from inventory_item) as items, (select count(*)::int from lot) as lots,
            (select count(*)::int from stock_movement) as movements, (select count(*)::int from outbox_event) as events`,
  );
  if (!row) throw new Error('no counts');
  return row;
}

function orderSettled(type: 'order.cancelled' | 'order.rejected' | 'order.shipped', orderId: number) {
  return orderEvent({ type, payload: { orderId } }, `${type}-${orderId}`);
}

describe('first expiry, first out', () => {
  it('reserves from the earliest unexpired lot across several, splits a line across lots, records the lots per order and in inventory.reserved, and ships exactly those', async () => {
    await receive(1, 'a-late', inDays(60), 5);
    await receive(1, 'B-SOON', inDays(10), 3);
    await receive(1, 'C-MID', inDays(30), 4);
    await api.data(ADJUST, { productId: '1', adjustment: 10, reason: 'found without a lot' });
    await receive(1, 'D-GONE', inDays(20), 6);
    await expire(1, 'D-GONE');

    const before = await stockOf(1);
    expect(before).toMatchObject({ quantity: 28, reserved: 0, available: 22 });
    expect(before.lots.map((lot) => [lot.lotNumber, lot.status, lot.available])).toEqual([
      ['D-GONE', 'EXPIRED', 0],
      ['B-SOON', 'RELEASED', 3],
      ['C-MID', 'RELEASED', 4],
      ['A-LATE', 'RELEASED', 5],
      ['UNLOTTED', 'RELEASED', 10],
    ]);

    await deliver(service, placed(1001, [{ productId: 1, quantity: 9 }]));

    expect(await heldLots(1001)).toEqual([
      { product_id: 1, lot_number: 'B-SOON', quantity: 3 },
      { product_id: 1, lot_number: 'C-MID', quantity: 4 },
      { product_id: 1, lot_number: 'A-LATE', quantity: 2 },
    ]);
    expect(await announced(service, 'inventory.reserved')).toEqual([
      {
        type: 'inventory.reserved',
        version: 1,
        correlationId: 'req-1001',
        payload: {
          orderId: 1001,
          lines: [
            {
              productId: 1,
              lots: [
                { lotNumber: 'B-SOON', expiresOn: inDays(10), quantity: 3 },
                { lotNumber: 'C-MID', expiresOn: inDays(30), quantity: 4 },
                { lotNumber: 'A-LATE', expiresOn: inDays(60), quantity: 2 },
              ],
            },
          ],
        },
      },
    ]);
    const held = await stockOf(1);
    expect(held).toMatchObject({ quantity: 28, reserved: 9, available: 13 });
    expect(held.lots.map((lot) => [lot.lotNumber, lot.reserved, lot.available])).toEqual([
      ['D-GONE', 0, 0],
      ['B-SOON', 3, 0],
      ['C-MID', 4, 0],
      ['A-LATE', 2, 3],
      ['UNLOTTED', 0, 10],
    ]);

    // 15 more: the 13 usable units are short, the 6 expired ones do not count.
    await deliver(service, placed(1002, [{ productId: 1, quantity: 15 }]));
    expect((await announced(service, 'inventory.rejected')).map((event) => event.payload)).toEqual([
      { orderId: 1002, shortages: [{ productId: 1, requested: 15, available: 13 }] },
    ]);
    expect(await heldLots(1002)).toEqual([]);

    await deliver(service, orderSettled('order.shipped', 1001));
    const shipments = (await movementsOf(1)).filter((movement) => movement.kind === 'SHIPMENT');
    expect(shipments.map(({ lotNumber, delta, reservedDelta }) => [lotNumber, delta, reservedDelta])).toEqual(
      [
        ['B-SOON', -3, -3],
        ['C-MID', -4, -4],
        ['A-LATE', -2, -2],
      ],
    );
    const shipped = await stockOf(1);
    expect(shipped).toMatchObject({ quantity: 19, reserved: 0, available: 13 });
    // Emptied lots drop off the list.
    expect(shipped.lots.map((lot) => [lot.lotNumber, lot.quantity])).toEqual([
      ['D-GONE', 6],
      ['A-LATE', 3],
      ['UNLOTTED', 10],
    ]);
  });

  it('removes by hand from the earliest usable lot first and adds by hand to UNLOTTED; a named lot can be written off whatever its status', async () => {
    await receive(2, 'EARLY', inDays(5), 2);
    await receive(2, 'LATE', inDays(50), 5);
    await receive(2, 'OLD', inDays(1), 4);
    await expire(2, 'OLD');

    await api.data(ADJUST, { productId: '2', adjustment: -4, reason: 'damaged' });
    await api.data(ADJUST, { productId: '2', adjustment: 3, reason: 'returned' });
    expect(
      await api.data(ADJUST, {
        productId: '2',
        adjustment: -4,
        reason: 'expired, destroyed',
        lotNumber: 'old',
      }),
    ).toEqual({
      adjustInventory: { quantity: 6, available: 6 },
    });
    const refused = await api.request(ADJUST, { productId: '2', adjustment: -7, reason: 'sold' });
    expect(refusalOf(refused)).toEqual({
      code: 'CONFLICT',
      field: 'adjustment',
      message: 'not enough stock: 6 available',
    });
    expect(
      refusalOf(await api.request(ADJUST, { productId: '2', adjustment: 1, reason: 'x', lotNumber: 'NOPE' })),
    ).toMatchObject({
      code: 'NOT_FOUND',
    });

    expect(
      (await movementsOf(2))
        .filter((movement) => movement.kind === 'ADJUSTMENT')
        .map(({ lotNumber, delta }) => [lotNumber, delta]),
    ).toEqual([
      ['EARLY', -2],
      ['LATE', -2],
      ['UNLOTTED', 3],
      ['OLD', -4],
    ]);
    expect((await stockOf(2)).lots.map((lot) => [lot.lotNumber, lot.quantity])).toEqual([
      ['LATE', 3],
      ['UNLOTTED', 3],
    ]);
  });

  it.each([
    ['expired', (productId: number) => expire(productId, 'ONLY')],
    [
      'recalled',
      (productId: number) =>
        api.data(RECALL, { productId: String(productId), lotNumber: 'ONLY', reason: 'recall' }),
    ],
    [
      'quarantined',
      (productId: number) =>
        api.data(QUARANTINE, { productId: String(productId), lotNumber: 'ONLY', reason: 'check' }),
    ],
  ])('rejects an order whose stock exists only in %s lots', async (_, withdraw) => {
    await receive(3, 'ONLY', inDays(30), 4);
    await withdraw(3);

    await deliver(service, placed(1101, [{ productId: 3, quantity: 1 }]));

    expect((await announced(service)).filter((event) => event.type !== 'inventory.low-stock')).toEqual([
      {
        type: 'inventory.rejected',
        version: 1,
        correlationId: 'req-1101',
        payload: { orderId: 1101, shortages: [{ productId: 3, requested: 1, available: 0 }] },
      },
    ]);
    expect(await stockOf(3)).toMatchObject({ quantity: 4, reserved: 0, available: 0 });
    expect(await sql(service, 'select status from reservation')).toEqual([{ status: 'REJECTED' }]);
  });
});

describe('receiveStock', () => {
  it('creates a lot and tops it up, each a RECEIPT by the viewer; lot numbers are stored in upper case', async () => {
    const created = await receive(4, ' lot-77 ', inDays(90), 12);
    expect(created).toEqual({
      product: { id: '4' },
      lotNumber: 'LOT-77',
      expiresOn: inDays(90),
      quantity: 12,
      reserved: 0,
      available: 12,
      status: 'RELEASED',
      statusReason: null,
    });
    const reply = await api.request<{ receiveStock: LotView }>(
      RECEIVE,
      { productId: '4', lotNumber: 'LOT-77', expiresOn: inDays(90), quantity: 3, reason: 'second pallet' },
      ADMIN,
    );
    expect(reply.data?.receiveStock).toMatchObject({ quantity: 15, available: 15 });
    expect(await stockOf(4)).toMatchObject({ quantity: 15, available: 15 });
    expect((await movementsOf(4)).map(({ eventId, ...movement }) => ({ ...movement, eventId }))).toEqual([
      {
        kind: 'RECEIPT',
        delta: 12,
        reservedDelta: 0,
        lotNumber: 'LOT-77',
        reason: 'received lot LOT-77',
        orderId: null,
        actor: { id: '7' },
        actorRole: 'PHARMACIST',
        eventType: null,
        eventId: null,
      },
      {
        kind: 'RECEIPT',
        delta: 3,
        reservedDelta: 0,
        lotNumber: 'LOT-77',
        reason: 'second pallet',
        orderId: null,
        actor: { id: '1' },
        actorRole: 'ADMIN',
        eventType: null,
        eventId: null,
      },
    ]);
  });

  it.each([
    [{ expiresOn: inDays(-1) }, 'expiresOn'],
    [{ quantity: 0 }, 'quantity'],
    [{ quantity: -5 }, 'quantity'],
    [{ quantity: 1_000_001 }, 'quantity'],
    [{ lotNumber: '   ' }, 'lotNumber'],
    [{ lotNumber: 'L'.repeat(51) }, 'lotNumber'],
    [{ lotNumber: 'unlotted' }, 'lotNumber'],
    [{ reason: 'r'.repeat(501) }, 'reason'],
    [{ productId: 'x1' }, 'productId'],
    [{ expiresOn: inDays(91) }, 'expiresOn'], // the existing lot expires on another day
  ])('refuses %p with BAD_USER_INPUT naming %s and writes nothing', async (override, field) => {
    await receive(5, 'EXISTING', inDays(90), 2);
    const before = await rowCounts();

    const reply = await api.request(RECEIVE, {
      productId: '5',
      lotNumber: 'EXISTING',
      expiresOn: inDays(90),
      quantity: 1,
      ...override,
    });

    const error = refusalOf(reply);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(error.message).toContain(field);
    expect(await rowCounts()).toEqual(before);
    expect(await stockOf(5)).toMatchObject({ quantity: 2 });
  });

  it('refuses a malformed day as BAD_USER_INPUT before anything runs', async () => {
    const reply = await api.request(RECEIVE, {
      productId: '5',
      lotNumber: 'L1',
      expiresOn: '2027-02-30',
      quantity: 1,
    });
    expect(refusalOf(reply).code).toBe('BAD_USER_INPUT');
    expect(await rowCounts()).toEqual({ items: 0, lots: 0, movements: 0, events: 0 });
  });

  it('refuses to top up a recalled lot with CONFLICT', async () => {
    await receive(5, 'BAD', inDays(90), 2);
    await api.data(RECALL, { productId: '5', lotNumber: 'BAD', reason: 'sterility' });
    const before = await rowCounts();
    const reply = await api.request(RECEIVE, {
      productId: '5',
      lotNumber: 'BAD',
      expiresOn: inDays(90),
      quantity: 1,
    });
    expect(refusalOf(reply)).toEqual({
      code: 'CONFLICT',
      field: 'lotNumber',
      message: 'lot BAD was recalled: it cannot receive stock',
    });
    expect(await rowCounts()).toEqual(before);
  });
});

describe('recall and quarantine', () => {
  it('moves an open order off a recalled lot to the next lot to expire, announces covered=true with all its lots, and records who did it', async () => {
    await receive(6, 'X-RECALLED', inDays(10), 2);
    await receive(6, 'Y-NEXT', inDays(40), 5);
    await receive(6, 'Z-LAST', inDays(80), 5);
    await api.data(ADJUST, { productId: '16', adjustment: 5, reason: 'delivery' });
    await deliver(
      service,
      placed(2001, [
        { productId: 6, quantity: 2 },
        { productId: 16, quantity: 1 },
      ]),
    );
    await deliver(service, placed(2002, [{ productId: 6, quantity: 4 }])); // Y-NEXT: 4
    expect(await heldLots(2001)).toEqual([
      { product_id: 6, lot_number: 'X-RECALLED', quantity: 2 },
      { product_id: 16, lot_number: 'UNLOTTED', quantity: 1 },
    ]);

    const recalled = await api.data<{ recallLot: LotView }>(
      RECALL,
      { productId: '6', lotNumber: 'x-recalled', reason: 'contamination' },
      ADMIN,
    );

    expect(recalled.recallLot).toEqual({
      lotNumber: 'X-RECALLED',
      expiresOn: inDays(10),
      quantity: 2,
      reserved: 0,
      available: 0,
      status: 'RECALLED',
      statusReason: 'contamination',
    });
    // Y-NEXT has 1 unit left, so the order's 2 units are split over Y-NEXT and Z-LAST.
    expect(await heldLots(2001)).toEqual([
      { product_id: 6, lot_number: 'Y-NEXT', quantity: 1 },
      { product_id: 6, lot_number: 'Z-LAST', quantity: 1 },
      { product_id: 16, lot_number: 'UNLOTTED', quantity: 1 },
    ]);
    expect(await announced(service, 'inventory.order-lots-changed')).toEqual([
      {
        type: 'inventory.order-lots-changed',
        version: 1,
        correlationId: expect.any(String),
        payload: {
          orderId: 2001,
          productId: 6,
          lotNumber: 'X-RECALLED',
          lotStatus: 'RECALLED',
          reason: 'contamination',
          covered: true,
          lines: [
            {
              productId: 6,
              lots: [
                { lotNumber: 'Y-NEXT', expiresOn: inDays(40), quantity: 1 },
                { lotNumber: 'Z-LAST', expiresOn: inDays(80), quantity: 1 },
              ],
            },
            { productId: 16, lots: [{ lotNumber: 'UNLOTTED', expiresOn: null, quantity: 1 }] },
          ],
        },
      },
    ]);
    expect(await stockOf(6)).toMatchObject({ quantity: 12, reserved: 6, available: 4 });
    const staffMovements = (await movementsOf(6)).slice(-4);
    expect(
      staffMovements.map(({ kind, reservedDelta, lotNumber, orderId, actor, actorRole, eventType }) => ({
        kind,
        reservedDelta,
        lotNumber,
        orderId,
        actor,
        actorRole,
        eventType,
      })),
    ).toEqual([
      {
        kind: 'LOT_RECALLED',
        reservedDelta: 0,
        lotNumber: 'X-RECALLED',
        orderId: null,
        actor: { id: '1' },
        actorRole: 'ADMIN',
        eventType: null,
      },
      {
        kind: 'REALLOCATION',
        reservedDelta: -2,
        lotNumber: 'X-RECALLED',
        orderId: '2001',
        actor: { id: '1' },
        actorRole: 'ADMIN',
        eventType: null,
      },
      {
        kind: 'REALLOCATION',
        reservedDelta: 1,
        lotNumber: 'Y-NEXT',
        orderId: '2001',
        actor: { id: '1' },
        actorRole: 'ADMIN',
        eventType: null,
      },
      {
        kind: 'REALLOCATION',
        reservedDelta: 1,
        lotNumber: 'Z-LAST',
        orderId: '2001',
        actor: { id: '1' },
        actorRole: 'ADMIN',
        eventType: null,
      },
    ]);

    // Shipping takes the units from the lots the order holds now.
    await deliver(service, orderSettled('order.shipped', 2001));
    expect(
      (await movementsOf(6)).filter((m) => m.kind === 'SHIPMENT').map((m) => [m.lotNumber, m.delta]),
    ).toEqual([
      ['Y-NEXT', -1],
      ['Z-LAST', -1],
    ]);
  });

  it('announces covered=false and keeps the order on the lot when no other lot can cover all its units; releasing makes the lot usable again', async () => {
    await receive(7, 'Q-LOT', inDays(20), 3);
    await receive(7, 'SMALL', inDays(60), 1);
    await deliver(service, placed(2003, [{ productId: 7, quantity: 3 }]));

    const quarantined = await api.data<{ quarantineLot: LotView }>(QUARANTINE, {
      productId: '7',
      lotNumber: 'Q-LOT',
      reason: 'temperature excursion',
    });

    expect(quarantined.quarantineLot).toMatchObject({ status: 'QUARANTINED', reserved: 3, available: 0 });
    expect(await heldLots(2003)).toEqual([{ product_id: 7, lot_number: 'Q-LOT', quantity: 3 }]);
    expect((await announced(service, 'inventory.order-lots-changed')).map((event) => event.payload)).toEqual([
      {
        orderId: 2003,
        productId: 7,
        lotNumber: 'Q-LOT',
        lotStatus: 'QUARANTINED',
        reason: 'temperature excursion',
        covered: false,
        lines: [{ productId: 7, lots: [{ lotNumber: 'Q-LOT', expiresOn: inDays(20), quantity: 3 }] }],
      },
    ]);
    expect(await stockOf(7)).toMatchObject({ quantity: 4, reserved: 3, available: 1 });

    const released = await api.data<{ releaseLot: LotView }>(RELEASE, { productId: '7', lotNumber: 'Q-LOT' });
    expect(released.releaseLot).toMatchObject({
      status: 'RELEASED',
      statusReason: null,
      reserved: 3,
      available: 0,
    });
    expect((await movementsOf(7)).at(-1)).toMatchObject({
      kind: 'LOT_RELEASED',
      reason: 'lot Q-LOT released from quarantine',
      actorRole: 'PHARMACIST',
    });
    // Orders learns that the order holding it may ship again.
    expect((await announced(service, 'inventory.lot-released')).map((event) => event.payload)).toEqual([
      { productId: 7, lotNumber: 'Q-LOT', reason: 'lot Q-LOT released from quarantine' },
    ]);
  });

  it('refuses illegal moves with CONFLICT, an unknown lot with NOT_FOUND, a missing reason with BAD_USER_INPUT, writing nothing', async () => {
    await receive(8, 'R1', inDays(20), 3);
    await api.data(RECALL, { productId: '8', lotNumber: 'R1', reason: 'recall' });
    const before = await rowCounts();

    const cases: [string, Record<string, unknown>, { code: string; message?: string }][] = [
      [
        RECALL,
        { productId: '8', lotNumber: 'R1', reason: 'again' },
        { code: 'CONFLICT', message: 'lot R1 was recalled: a recall is final' },
      ],
      [
        RELEASE,
        { productId: '8', lotNumber: 'R1' },
        { code: 'CONFLICT', message: 'lot R1 was recalled: a recall is final' },
      ],
      [QUARANTINE, { productId: '8', lotNumber: 'R1', reason: 'x' }, { code: 'CONFLICT' }],
      [
        RECALL,
        { productId: '8', lotNumber: 'NOPE', reason: 'x' },
        { code: 'NOT_FOUND', message: 'lot NOPE of product 8 was not found' },
      ],
      [RELEASE, { productId: '9', lotNumber: 'R1' }, { code: 'NOT_FOUND' }],
      [RECALL, { productId: '8', lotNumber: 'R1', reason: '  ' }, { code: 'BAD_USER_INPUT' }],
    ];
    for (const [query, variables, expected] of cases) {
      expect(refusalOf(await api.request(query, variables))).toMatchObject(expected);
    }
    await receive(8, 'R2', inDays(20), 3);
    expect(refusalOf(await api.request(RELEASE, { productId: '8', lotNumber: 'R2' }))).toMatchObject({
      code: 'CONFLICT',
      message: 'lot R2 is not quarantined',
    });
    expect(await rowCounts()).toEqual({ ...before, lots: before.lots + 1, movements: before.movements + 1 });
  });

  it('recalledLotOrders lists every order that held the lot: shipped, open, released; not orders of other lots', async () => {
    await receive(9, 'TRACE', inDays(30), 10);
    await deliver(service, placed(3001, [{ productId: 9, quantity: 2 }]));
    await deliver(service, orderSettled('order.shipped', 3001));
    await deliver(service, placed(3002, [{ productId: 9, quantity: 3 }]));
    await deliver(service, placed(3003, [{ productId: 9, quantity: 1 }]));
    await deliver(service, orderSettled('order.cancelled', 3003));
    await receive(9, 'OTHER', inDays(5), 1);
    await deliver(service, placed(3004, [{ productId: 9, quantity: 1 }])); // OTHER expires first
    await api.data(RECALL, { productId: '9', lotNumber: 'TRACE', reason: 'recall' });

    expect(await api.data(TRACE, { productId: '9', lotNumber: 'trace' })).toEqual({
      recalledLotOrders: [{ id: '3001' }, { id: '3002' }, { id: '3003' }],
    });
    expect(await api.data(TRACE, { productId: '9', lotNumber: 'OTHER' })).toEqual({
      recalledLotOrders: [{ id: '3004' }],
    });
    expect(refusalOf(await api.request(TRACE, { productId: '9', lotNumber: 'NONE' })).code).toBe('NOT_FOUND');
  });
});

describe('order events', () => {
  it('releases on order.rejected like a cancellation, once however often it is delivered, recording the event as the cause', async () => {
    await receive(10, 'L', inDays(30), 5);
    const placement = placed(4001, [{ productId: 10, quantity: 2 }]);
    await deliver(service, placement);
    const rejection = orderSettled('order.rejected', 4001);

    await deliver(service, rejection);
    await deliver(service, rejection);
    await deliver(service, orderSettled('order.rejected', 4001)); // the same fact under another event id

    expect(await stockOf(10)).toMatchObject({ quantity: 5, reserved: 0, available: 5 });
    expect(await sql(service, 'select status from reservation')).toEqual([{ status: 'RELEASED' }]);
    const saga = (await movementsOf(10)).filter((movement) => movement.kind !== 'RECEIPT');
    expect(saga).toEqual([
      {
        kind: 'RESERVATION',
        delta: 0,
        reservedDelta: 2,
        lotNumber: 'L',
        reason: 'reserved for order 4001',
        orderId: '4001',
        actor: null,
        actorRole: null,
        eventType: 'order.placed',
        eventId: placement.id,
      },
      {
        kind: 'RELEASE',
        delta: 0,
        reservedDelta: -2,
        lotNumber: 'L',
        reason: 'released: order 4001 rejected in review',
        orderId: '4001',
        actor: null,
        actorRole: null,
        eventType: 'order.rejected',
        eventId: rejection.id,
      },
    ]);
  });

  it('remembers an order.rejected that comes before its placement: the placement reserves nothing', async () => {
    await receive(10, 'L', inDays(30), 5);
    await deliver(service, orderSettled('order.rejected', 4002));
    await deliver(service, placed(4002, [{ productId: 10, quantity: 2 }]));

    expect(await stockOf(10)).toMatchObject({ reserved: 0, available: 5 });
    expect(await announced(service, 'inventory.reserved')).toEqual([]);
    expect(await sql(service, 'select status from reservation')).toEqual([{ status: 'RELEASED' }]);
  });
});

describe('expiry', () => {
  it('expiringLots lists lots with units expiring within the window, expired ones included, first to expire first', async () => {
    await receive(11, 'SOON', inDays(3), 2);
    await receive(11, 'LATER', inDays(45), 2);
    await receive(12, 'PAST', inDays(9), 4);
    await expire(12, 'PAST', 2);
    await receive(12, 'EMPTY', inDays(9), 1);
    await expire(12, 'EMPTY', 3);
    await api.data(ADJUST, { productId: '12', adjustment: -1, reason: 'destroyed', lotNumber: 'EMPTY' });
    await api.data(ADJUST, { productId: '12', adjustment: 5, reason: 'no lot' });

    expect(await api.data(EXPIRING, { withinDays: 30 })).toEqual({
      expiringLots: [
        { product: { id: '12' }, lotNumber: 'PAST', expiresOn: inDays(-2), quantity: 4, status: 'EXPIRED' },
        { product: { id: '11' }, lotNumber: 'SOON', expiresOn: inDays(3), quantity: 2, status: 'RELEASED' },
      ],
    });
    expect(
      (await api.data<{ expiringLots: LotView[] }>(EXPIRING, { withinDays: 45 })).expiringLots,
    ).toHaveLength(3);
    expect(refusalOf(await api.request(EXPIRING, { withinDays: -1 }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'withinDays',
    });
  });

  it('the sweep announces each lot expiring and each expired once, records the expiry in the ledger, and announces the fall to the reorder level the expiry caused', async () => {
    await receive(13, 'WARN', inDays(5), 2);
    await receive(13, 'FAR', inDays(100), 3);
    await receive(14, 'DEAD', inDays(9), 4);
    await api.data(`mutation { setReorderLevel(productId: "14", reorderLevel: 1) { reorderLevel } }`, {});
    await expire(14, 'DEAD', 2);
    // Expired stock leaves available at once, before any sweep.
    expect(await stockOf(14)).toMatchObject({ quantity: 4, available: 0 });

    const first = await sweepLotExpiry(service.subgraph.orm.em.fork(), service.subgraph.logger, {
      today: today(),
      warningDays: 30,
    });
    expect(first).toEqual({ expiring: 1, expired: 1 });
    const sweeps = await Promise.all(
      [1, 2].map(() =>
        sweepLotExpiry(service.subgraph.orm.em.fork(), service.subgraph.logger, {
          today: today(),
          warningDays: 30,
        }),
      ),
    );
    expect(sweeps).toEqual([
      { expiring: 0, expired: 0 },
      { expiring: 0, expired: 0 },
    ]);

    const events = (await announced(service)).filter((event) => event.type !== 'inventory.reserved');
    expect(events.map(({ type, payload }) => ({ type, payload }))).toEqual([
      {
        type: 'inventory.lot-expired',
        payload: { productId: 14, lotNumber: 'DEAD', expiresOn: inDays(-2), quantity: 4 },
      },
      {
        type: 'inventory.lot-expiring',
        payload: { productId: 13, lotNumber: 'WARN', expiresOn: inDays(5), quantity: 2 },
      },
      {
        type: 'inventory.low-stock',
        payload: {
          productId: 14,
          quantity: 4,
          reserved: 0,
          available: 0,
          reorderLevel: 1,
          shortage: 1,
          orderId: null,
        },
      },
    ]);
    expect((await movementsOf(14)).at(-1)).toEqual({
      kind: 'LOT_EXPIRED',
      delta: 0,
      reservedDelta: 0,
      lotNumber: 'DEAD',
      reason: `lot DEAD expired after ${inDays(-2)} (expiry sweep)`,
      orderId: null,
      actor: null,
      actorRole: null,
      eventType: null,
      eventId: null,
    });
  });

  it('the sweep moves what open orders hold of an expired lot to the next lot, and flags an order nothing can cover', async () => {
    await receive(16, 'EXP-A', inDays(9), 2);
    await receive(16, 'EXP-B', inDays(60), 5);
    await receive(17, 'EXP-C', inDays(9), 3);
    await deliver(service, placed(2010, [{ productId: 16, quantity: 2 }]));
    await deliver(service, placed(2011, [{ productId: 17, quantity: 3 }]));
    expect(await heldLots(2010)).toEqual([{ product_id: 16, lot_number: 'EXP-A', quantity: 2 }]);
    await expire(16, 'EXP-A');
    await expire(17, 'EXP-C');

    await sweepLotExpiry(service.subgraph.orm.em.fork(), service.subgraph.logger, {
      today: today(),
      warningDays: 30,
    });

    expect(await heldLots(2010)).toEqual([{ product_id: 16, lot_number: 'EXP-B', quantity: 2 }]);
    expect(await heldLots(2011)).toEqual([{ product_id: 17, lot_number: 'EXP-C', quantity: 3 }]);
    const reason = (lot: string) => `lot ${lot} expired after ${inDays(-1)} (expiry sweep)`;
    expect((await announced(service, 'inventory.order-lots-changed')).map((event) => event.payload)).toEqual([
      {
        orderId: 2010,
        productId: 16,
        lotNumber: 'EXP-A',
        lotStatus: 'EXPIRED',
        reason: reason('EXP-A'),
        covered: true,
        lines: [{ productId: 16, lots: [{ lotNumber: 'EXP-B', expiresOn: inDays(60), quantity: 2 }] }],
      },
      {
        orderId: 2011,
        productId: 17,
        lotNumber: 'EXP-C',
        lotStatus: 'EXPIRED',
        reason: reason('EXP-C'),
        covered: false,
        lines: [{ productId: 17, lots: [{ lotNumber: 'EXP-C', expiresOn: inDays(-1), quantity: 3 }] }],
      },
    ]);
    expect(await stockOf(16)).toMatchObject({ quantity: 7, reserved: 2, available: 3 });
    expect(
      (await movementsOf(16))
        .filter((m) => m.kind === 'REALLOCATION')
        .map((m) => [m.lotNumber, m.reservedDelta]),
    ).toEqual([
      ['EXP-A', -2],
      ['EXP-B', 2],
    ]);
  });

  it('runs a sweep at start and stops with the subgraph: stop waits for it and no sweep follows', async () => {
    await receive(15, 'OLD', inDays(9), 1);
    await expire(15, 'OLD');
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({ write: (chunk, _, done) => done(void lines.push(String(chunk))) }),
    );

    const schedule = scheduleLotExpirySweep(service.subgraph.orm, logger, {
      sweepIntervalMs: 1_000,
      warningDays: 30,
    });
    await schedule.stop();
    expect(await announced(service, 'inventory.lot-expired')).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect(lines.filter((line) => line.includes('lot expiry sweep'))).toHaveLength(1);
  });
});

describe('access', () => {
  const operations: [string, string, Record<string, unknown>][] = [
    ['receiveStock', RECEIVE, { productId: '1', lotNumber: 'L1', expiresOn: inDays(10), quantity: 1 }],
    ['recallLot', RECALL, { productId: '1', lotNumber: 'L1', reason: 'x' }],
    ['quarantineLot', QUARANTINE, { productId: '1', lotNumber: 'L1', reason: 'x' }],
    ['releaseLot', RELEASE, { productId: '1', lotNumber: 'L1' }],
    ['expiringLots', EXPIRING, { withinDays: 30 }],
    ['recalledLotOrders', TRACE, { productId: '1', lotNumber: 'L1' }],
    [
      'Product.inventory.lots',
      `query { _entities(representations: [{ __typename: "Product", id: "1" }]) { ... on Product { inventory { lots { lotNumber } } } } }`,
      {},
    ],
  ];

  it.each(operations)(
    'refuses %s to a customer with FORBIDDEN, writing nothing',
    async (_, query, variables) => {
      await receive(1, 'L1', inDays(10), 1);
      const before = await rowCounts();
      expect(refusalOf(await api.request(query, variables, CUSTOMER)).code).toBe('FORBIDDEN');
      expect(await rowCounts()).toEqual(before);
    },
  );
});
