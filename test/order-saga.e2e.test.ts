/**
 * The order saga end to end through the real router: the four real subgraphs on fresh databases, the real
 * router, and the event bus between orders and inventory, once on the Postgres bus and once on the Google
 * Pub/Sub bus (the real emulator; skipped without gcloud unless CI=true, which makes it required).
 *
 * A customer orders: the order is PENDING at once, priced from the catalogue, then CONFIRMED with its
 * stock reserved or REJECTED with a reason naming the short products. Cancelling releases stock, shipping
 * takes it off the shelf, 50 concurrent customers never oversell 10 units, an idempotency key never makes
 * a second order, and a fall to the reorder level is announced once on `inventory-events`.
 *
 * One stack per bus serves every test of that bus; each test has products (SKUs) and customers of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { EventEnvelope } from '../lib/event-bus/event.ts';
import type { EventBus } from '../lib/event-bus/event-bus.ts';
import { PostgresEventBus } from '../lib/event-bus/postgres-event-bus.ts';
import { PubSubEventBus } from '../lib/event-bus/pubsub-event-bus.ts';
import { createTestDatabase } from './support/database.ts';
import { dataOf, singleError } from './support/graphql.ts';
import { pubSubTestsEnabled, startPubSubEmulator } from './support/pubsub-emulator.ts';
import {
  CANCEL_ORDER,
  UPDATE_ORDER_STATUS,
  createStockedProduct,
  placeOrder,
  readOrder,
  readStock,
  waitFor,
  waitUntilDecided,
  type Headers,
  type OrderView,
  type StockView,
} from './support/saga.ts';
import { bearer, postGraphQL, silentLogger, startTestStack, type TestStack } from './support/services.ts';

const REGISTER = `mutation Register($input: RegisterInput!) { register(input: $input) { id } }`;
const CREATE_PRODUCT = `mutation Create($input: CreateProductInput!) { createProduct(input: $input) { id } }`;
const DELETE_PRODUCT = `mutation Discontinue($id: ID!) { deleteProduct(id: $id) { id isActive } }`;
const ADJUST = `mutation Adjust($id: ID!, $n: Int!) {
  adjustInventory(productId: $id, adjustment: $n, reason: "delivery") { quantity reserved available }
}`;
const ORDER_DETAIL = `query Detail($id: ID!) {
  order(id: $id) {
    id status total currency user { id }
    lines { quantity unitPrice lineTotal product { id name sku } }
  }
}`;
const MY_ORDERS = `query Mine { myOrders { totalCount items { id status } } }`;
const ME_ORDERS = `query Me { me { id orders { totalCount items { id status } } } }`;
const PRODUCT_MOVEMENTS = `query Movements($id: ID!) {
  product(id: $id) { inventory { movements { items { kind reservedDelta orderId } } } }
}`;
const PRODUCT_STOCK = `query ProductStock($id: ID!) { product(id: $id) { inventory { quantity available } } }`;
const LEDGER = `query Ledger($productId: ID!) {
  inventory(productId: $productId) { movements(pageSize: 100) { totalCount items { kind reservedDelta orderId } } }
}`;
const DECIDED = `query Decided {
  confirmed: orders(filter: { status: CONFIRMED }, pageSize: 100) { items { id } }
  rejected: orders(filter: { status: REJECTED }, pageSize: 100) { items { id rejectionReason } }
}`;
const ORDERS_OF = `query OrdersOf($userId: ID!) { orders(filter: { userId: $userId }) { totalCount items { id } } }`;
const LOW_STOCK = `query Low { lowStockItems { product { id } quantity reserved available reorderLevel } }`;

/** Generous: other test files share the machine's two cores. */
const SAGA_TIMEOUT_MS = 30_000;

interface Movement {
  kind: string;
  reservedDelta: number;
  orderId: string | null;
}

/** A stack on one bus, and a way to open a test consumer of our own on that same bus. */
interface RunningBus {
  stack: TestStack;
  openBus(): Promise<EventBus>;
  stop(): Promise<void>;
}

interface SagaBus {
  name: string;
  start(): Promise<RunningBus>;
}

const postgres: SagaBus = {
  name: 'postgres',
  async start() {
    // Our own bus database (rather than the stack's default) so that the test consumer can join it.
    const busDatabase = await createTestDatabase('events');
    const stack = await startTestStack({ busEnv: { EVENT_BUS_DATABASE_URL: busDatabase.url } }).catch(
      async (error: unknown) => {
        await busDatabase.drop();
        throw error;
      },
    );
    return {
      stack,
      openBus: () => PostgresEventBus.start({ url: busDatabase.url, logger: silentLogger }),
      async stop() {
        await stack.stop();
        await busDatabase.drop();
      },
    };
  },
};

const pubsub: SagaBus = {
  name: 'pubsub',
  async start() {
    const emulator = await startPubSubEmulator();
    const { host, projectId } = emulator;
    const stack = await startTestStack({
      busEnv: { EVENT_BUS: 'pubsub', PUBSUB_EMULATOR_HOST: host, PUBSUB_PROJECT_ID: projectId },
    }).catch(async (error: unknown) => {
      await emulator.stop();
      throw error;
    });
    return {
      stack,
      openBus: async () => new PubSubEventBus({ projectId, emulatorHost: host, logger: silentLogger }),
      async stop() {
        await stack.stop();
        await emulator.stop();
      },
    };
  },
};

const BUSES = pubSubTestsEnabled() ? [postgres, pubsub] : [postgres];
if (!pubSubTestsEnabled()) {
  describe.skip('order saga on the pubsub bus (gcloud is not on PATH; CI=true would make this a failure)', () => {
    it('runs the saga scenarios against the Pub/Sub emulator', () => undefined);
  });
}

/** The inventory events one test consumer received, each once (a redelivery is not a second event). */
function eventRecorder(): {
  handler: (event: EventEnvelope) => Promise<void>;
  of: (type: string, productId?: string) => EventEnvelope[];
} {
  const events = new Map<string, EventEnvelope>();
  const payloadOf = (event: EventEnvelope) => event.payload as { productId?: unknown; orderId?: unknown };
  return {
    handler: async (event) => {
      events.set(event.id, event);
    },
    of: (type, productId) =>
      [...events.values()]
        .filter((event) => event.type === type)
        .filter((event) => productId === undefined || payloadOf(event).productId === Number(productId))
        .sort((a, b) => Number(payloadOf(a).orderId) - Number(payloadOf(b).orderId)),
  };
}

describe.each(BUSES)('order saga through the router on the $name bus', (bus) => {
  let running: RunningBus;
  let stack: TestStack;
  let staff: Headers;

  beforeAll(async () => {
    running = await bus.start();
    stack = running.stack;
    staff = bearer(await stack.tokenFor({ userId: 900, role: 'PHARMACIST' }));
  }, 120_000);

  afterAll(async () => {
    await running?.stop();
  });

  const customerToken = async (userId: number): Promise<Headers> =>
    bearer(await stack.tokenFor({ userId, role: 'CUSTOMER' }));

  const placed = async (
    customer: Headers,
    lines: { productId: string; quantity: number }[],
    extra?: Parameters<typeof placeOrder>[3],
  ): Promise<OrderView> => dataOf(await placeOrder(stack.routerUrl, customer, lines, extra)).placeOrder;

  const decided = (viewer: Headers, id: string): Promise<OrderView> =>
    waitUntilDecided(stack.routerUrl, viewer, id, SAGA_TIMEOUT_MS);

  const stockWhen = (productId: string, what: string, check: (stock: StockView) => boolean) =>
    waitFor(
      what,
      async () => {
        const stock = await readStock(stack.routerUrl, staff, productId);
        return check(stock) ? stock : undefined;
      },
      SAGA_TIMEOUT_MS,
    );

  it('confirms a stocked order at catalogue prices, reserves its units and lists it for its customer', async () => {
    const registered = dataOf(
      await postGraphQL<{ register: { id: string } }>(stack.routerUrl, REGISTER, {
        input: {
          email: 'saga.customer@example.com',
          username: 'saga_customer',
          password: 'correct horse battery',
          fullName: 'Saga Customer',
        },
      }),
    );
    const customerId = registered.register.id;
    const customer = await customerToken(Number(customerId));
    const productId = await createStockedProduct(stack.routerUrl, staff, {
      sku: 'SAGA-HAPPY',
      name: 'Ibuprofen 200mg',
      price: '4.25',
      quantity: 20,
    });

    const order = await placed(customer, [{ productId, quantity: 3 }], { notes: 'ring twice' });
    expect(order).toEqual({
      id: expect.any(String),
      status: 'PENDING',
      total: '12.75',
      currency: 'USD',
      rejectionReason: null,
      shippingAddress: '1 Main Street, Springfield',
      notes: 'ring twice',
      user: { id: customerId },
      lines: [{ product: { id: productId }, quantity: 3, unitPrice: '4.25', lineTotal: '12.75' }],
    });

    expect((await decided(customer, order.id)).status).toBe('CONFIRMED');

    const detail = dataOf(await postGraphQL(stack.routerUrl, ORDER_DETAIL, { id: order.id }, customer));
    expect(detail).toEqual({
      order: {
        id: order.id,
        status: 'CONFIRMED',
        total: '12.75',
        currency: 'USD',
        user: { id: customerId },
        lines: [
          {
            quantity: 3,
            unitPrice: '4.25',
            lineTotal: '12.75',
            product: { id: productId, name: 'Ibuprofen 200mg', sku: 'SAGA-HAPPY' },
          },
        ],
      },
    });
    const listed = { totalCount: 1, items: [{ id: order.id, status: 'CONFIRMED' }] };
    expect(dataOf(await postGraphQL(stack.routerUrl, MY_ORDERS, {}, customer))).toEqual({ myOrders: listed });
    expect(dataOf(await postGraphQL(stack.routerUrl, ME_ORDERS, {}, customer))).toEqual({
      me: { id: customerId, orders: listed },
    });

    expect(await readStock(stack.routerUrl, staff, productId)).toEqual({
      quantity: 20,
      reserved: 3,
      available: 17,
      reorderLevel: 0,
      isLowStock: false,
    });
    expect(dataOf(await postGraphQL(stack.routerUrl, PRODUCT_MOVEMENTS, { id: productId }, staff))).toEqual({
      product: {
        inventory: {
          movements: {
            items: [
              { kind: 'RESERVATION', reservedDelta: 3, orderId: order.id },
              { kind: 'ADJUSTMENT', reservedDelta: 0, orderId: null },
            ],
          },
        },
      },
    });
  });

  it('rejects an order the stock cannot cover, naming the product and its SKU, and leaves the stock alone', async () => {
    const customer = await customerToken(101);
    const productId = await createStockedProduct(stack.routerUrl, staff, {
      sku: 'SAGA-SHORT',
      name: 'Cetirizine 10mg',
      price: '3.10',
      quantity: 2,
    });
    const before = await readStock(stack.routerUrl, staff, productId);

    const order = await placed(customer, [{ productId, quantity: 5 }]);
    expect(order.status).toBe('PENDING');
    expect(order.total).toBe('15.50');

    const rejected = await decided(customer, order.id);
    expect(rejected.status).toBe('REJECTED');
    expect(rejected.rejectionReason).toBe(
      'not enough stock for Cetirizine 10mg (SAGA-SHORT): 5 ordered, 2 available',
    );
    expect(before).toEqual({ quantity: 2, reserved: 0, available: 2, reorderLevel: 0, isLowStock: false });
    expect(await readStock(stack.routerUrl, staff, productId)).toEqual(before);
    expect(dataOf(await postGraphQL(stack.routerUrl, PRODUCT_MOVEMENTS, { id: productId }, staff))).toEqual({
      product: {
        inventory: { movements: { items: [{ kind: 'ADJUSTMENT', reservedDelta: 0, orderId: null }] } },
      },
    });
  });

  it('takes orders for a product created a moment ago: rejected while unstocked, confirmed once stocked', async () => {
    const customer = await customerToken(102);
    const created = dataOf(
      await postGraphQL<{ createProduct: { id: string } }>(
        stack.routerUrl,
        CREATE_PRODUCT,
        { input: { sku: 'SAGA-NEW', name: 'Loratadine 10mg', price: '5.99', category: 'Allergy' } },
        staff,
      ),
    );
    const productId = created.createProduct.id;
    expect(dataOf(await postGraphQL(stack.routerUrl, PRODUCT_STOCK, { id: productId }, staff))).toEqual({
      product: { inventory: { quantity: 0, available: 0 } },
    });

    const first = await placed(customer, [{ productId, quantity: 1 }]);
    expect(first).toMatchObject({ status: 'PENDING', total: '5.99' });
    const rejected = await decided(customer, first.id);
    expect(rejected.status).toBe('REJECTED');
    expect(rejected.rejectionReason).toBe(
      'not enough stock for Loratadine 10mg (SAGA-NEW): 1 ordered, 0 available',
    );

    expect(dataOf(await postGraphQL(stack.routerUrl, ADJUST, { id: productId, n: 4 }, staff))).toEqual({
      adjustInventory: { quantity: 4, reserved: 0, available: 4 },
    });
    const second = await placed(customer, [{ productId, quantity: 1 }]);
    expect((await decided(customer, second.id)).status).toBe('CONFIRMED');
    expect(await readStock(stack.routerUrl, staff, productId)).toMatchObject({
      quantity: 4,
      reserved: 1,
      available: 3,
    });
  });

  it('refuses a discontinued product with BAD_USER_INPUT naming it, and writes no order', async () => {
    const customer = await customerToken(103);
    const productId = await createStockedProduct(stack.routerUrl, staff, {
      sku: 'SAGA-GONE',
      name: 'Old Cough Syrup',
      price: '8.00',
      quantity: 5,
    });
    expect(dataOf(await postGraphQL(stack.routerUrl, DELETE_PRODUCT, { id: productId }, staff))).toEqual({
      deleteProduct: { id: productId, isActive: false },
    });

    const refused = await placeOrder(stack.routerUrl, customer, [{ productId, quantity: 1 }]);
    const error = singleError(refused);
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.message).toBe(
      'input.lines[0].productId: Old Cough Syrup (SAGA-GONE) is discontinued and cannot be ordered',
    );
    expect(dataOf(await postGraphQL(stack.routerUrl, ORDERS_OF, { userId: '103' }, staff))).toEqual({
      orders: { totalCount: 0, items: [] },
    });
    expect(await readStock(stack.routerUrl, staff, productId)).toMatchObject({ quantity: 5, reserved: 0 });
  });

  it('releases the stock of a cancelled order, and refuses a second cancellation with CONFLICT', async () => {
    const customer = await customerToken(104);
    const productId = await createStockedProduct(stack.routerUrl, staff, {
      sku: 'SAGA-CANCEL',
      name: 'Paracetamol 500mg',
      price: '2.40',
      quantity: 10,
    });
    const order = await placed(customer, [{ productId, quantity: 4 }]);
    expect((await decided(customer, order.id)).status).toBe('CONFIRMED');
    expect(await readStock(stack.routerUrl, staff, productId)).toMatchObject({ reserved: 4, available: 6 });

    const cancelled = dataOf(
      await postGraphQL<{ cancelOrder: OrderView }>(
        stack.routerUrl,
        CANCEL_ORDER,
        { id: order.id },
        customer,
      ),
    );
    expect(cancelled.cancelOrder.status).toBe('CANCELLED');
    const released = await stockWhen(productId, 'the cancelled order to release its stock', (stock) => {
      return stock.reserved === 0;
    });
    expect(released).toEqual({
      quantity: 10,
      reserved: 0,
      available: 10,
      reorderLevel: 0,
      isLowStock: false,
    });
    expect(dataOf(await postGraphQL(stack.routerUrl, PRODUCT_MOVEMENTS, { id: productId }, staff))).toEqual({
      product: {
        inventory: {
          movements: {
            items: [
              { kind: 'RELEASE', reservedDelta: -4, orderId: order.id },
              { kind: 'RESERVATION', reservedDelta: 4, orderId: order.id },
              { kind: 'ADJUSTMENT', reservedDelta: 0, orderId: null },
            ],
          },
        },
      },
    });

    const again = await postGraphQL(stack.routerUrl, CANCEL_ORDER, { id: order.id }, customer);
    const conflict = singleError(again);
    expect(conflict.extensions?.code).toBe('CONFLICT');
    expect(conflict.message).toBe('a CANCELLED order cannot be cancelled');
    expect((await readOrder(stack.routerUrl, customer, order.id))?.status).toBe('CANCELLED');
  });

  it('ships a confirmed order for staff only: the units leave the shelf, then it is delivered and can no longer be cancelled', async () => {
    const customer = await customerToken(105);
    const productId = await createStockedProduct(stack.routerUrl, staff, {
      sku: 'SAGA-SHIP',
      name: 'Omeprazole 20mg',
      price: '6.75',
      quantity: 10,
    });
    const order = await placed(customer, [{ productId, quantity: 3 }]);
    expect((await decided(customer, order.id)).status).toBe('CONFIRMED');

    const byCustomer = await postGraphQL(
      stack.routerUrl,
      UPDATE_ORDER_STATUS,
      { id: order.id, status: 'SHIPPED' },
      customer,
    );
    expect(singleError(byCustomer).extensions?.code).toBe('FORBIDDEN');
    expect((await readOrder(stack.routerUrl, customer, order.id))?.status).toBe('CONFIRMED');

    const shipped = dataOf(
      await postGraphQL<{ updateOrderStatus: OrderView }>(
        stack.routerUrl,
        UPDATE_ORDER_STATUS,
        { id: order.id, status: 'SHIPPED' },
        staff,
      ),
    );
    expect(shipped.updateOrderStatus.status).toBe('SHIPPED');
    const afterShipping = await stockWhen(productId, 'the shipped units to leave the shelf', (stock) => {
      return stock.quantity === 7;
    });
    expect(afterShipping).toEqual({
      quantity: 7,
      reserved: 0,
      available: 7,
      reorderLevel: 0,
      isLowStock: false,
    });

    const cancelShipped = await postGraphQL(stack.routerUrl, CANCEL_ORDER, { id: order.id }, customer);
    const conflict = singleError(cancelShipped);
    expect(conflict.extensions?.code).toBe('CONFLICT');
    expect(conflict.message).toBe('a SHIPPED order cannot be cancelled');

    const delivered = dataOf(
      await postGraphQL<{ updateOrderStatus: OrderView }>(
        stack.routerUrl,
        UPDATE_ORDER_STATUS,
        { id: order.id, status: 'DELIVERED' },
        staff,
      ),
    );
    expect(delivered.updateOrderStatus.status).toBe('DELIVERED');
    expect((await readOrder(stack.routerUrl, customer, order.id))?.status).toBe('DELIVERED');
    expect(await readStock(stack.routerUrl, staff, productId)).toEqual(afterShipping);
  });

  it('never oversells: 50 customers ordering 1 of 10 units at once get exactly 10 confirmations', async () => {
    const productId = await createStockedProduct(stack.routerUrl, staff, {
      sku: 'SAGA-RUSH',
      name: 'Flu Vaccine',
      price: '19.99',
      quantity: 10,
    });
    const customers = await Promise.all(
      Array.from({ length: 50 }, (_, index) => customerToken(2001 + index)),
    );

    const orders = await Promise.all(
      customers.map((customer) => placed(customer, [{ productId, quantity: 1 }])),
    );
    expect(orders.map(({ status }) => status)).toEqual(Array.from({ length: 50 }, () => 'PENDING'));
    const ids = new Set(orders.map(({ id }) => id));
    expect(ids.size).toBe(50);

    const outcome = await waitFor(
      'all 50 orders to be decided',
      async () => {
        const { confirmed, rejected } = dataOf(
          await postGraphQL<{
            confirmed: { items: { id: string }[] };
            rejected: { items: { id: string; rejectionReason: string | null }[] };
          }>(stack.routerUrl, DECIDED, {}, staff),
        );
        const ours = {
          confirmed: confirmed.items.filter(({ id }) => ids.has(id)),
          rejected: rejected.items.filter(({ id }) => ids.has(id)),
        };
        return ours.confirmed.length + ours.rejected.length === 50 ? ours : undefined;
      },
      60_000,
    );
    expect(outcome.confirmed).toHaveLength(10);
    expect(outcome.rejected).toHaveLength(40);
    expect(new Set(outcome.rejected.map(({ rejectionReason }) => rejectionReason))).toEqual(
      new Set(['not enough stock for Flu Vaccine (SAGA-RUSH): 1 ordered, 0 available']),
    );

    expect(await readStock(stack.routerUrl, staff, productId)).toEqual({
      quantity: 10,
      reserved: 10,
      available: 0,
      reorderLevel: 0,
      isLowStock: true,
    });
    const ledger = dataOf(
      await postGraphQL<{ inventory: { movements: { totalCount: number; items: Movement[] } } }>(
        stack.routerUrl,
        LEDGER,
        { productId },
        staff,
      ),
    ).inventory.movements;
    const reservations = ledger.items.filter(({ kind }) => kind === 'RESERVATION');
    expect(ledger.totalCount).toBe(11);
    expect(reservations.reduce((sum, { reservedDelta }) => sum + reservedDelta, 0)).toBe(10);
    expect(new Set(reservations.map(({ orderId }) => orderId))).toEqual(
      new Set(outcome.confirmed.map(({ id }) => id)),
    );
  }, 120_000);

  it('answers the same idempotency key with the first order and never makes a second one', async () => {
    const customer = await customerToken(106);
    const productId = await createStockedProduct(stack.routerUrl, staff, {
      sku: 'SAGA-ONCE',
      name: 'Zinc Lozenges',
      price: '4.50',
      quantity: 10,
    });
    const extra = { idempotencyKey: 'checkout-106-1' };
    const first = await placed(customer, [{ productId, quantity: 2 }], extra);
    const retried = await placed(customer, [{ productId, quantity: 2 }], extra);
    expect(retried.id).toBe(first.id);
    expect(retried.total).toBe('9.00');

    expect(dataOf(await postGraphQL(stack.routerUrl, ORDERS_OF, { userId: '106' }, staff))).toEqual({
      orders: { totalCount: 1, items: [{ id: first.id }] },
    });
    expect((await decided(customer, first.id)).status).toBe('CONFIRMED');
    expect(await readStock(stack.routerUrl, staff, productId)).toMatchObject({ quantity: 10, reserved: 2 });
  });

  it('announces inventory.low-stock once per fall to the reorder level, with the correlation id of the order that caused it', async () => {
    const customer = await customerToken(107);
    const productId = await createStockedProduct(stack.routerUrl, staff, {
      sku: 'SAGA-LOW',
      name: 'Insulin Pen',
      price: '30.00',
      quantity: 6,
      reorderLevel: 3,
    });
    const watcherBus = await running.openBus();
    try {
      const recorder = eventRecorder();
      // Created before the orders, so that it receives every event they cause.
      await watcherBus.subscribe('inventory-events', 'test.low-stock-watch', recorder.handler);
      const placeWithRequestId = async (quantity: number, requestId: string): Promise<OrderView> => {
        const accepted = dataOf(
          await placeOrder(stack.routerUrl, { ...customer, 'x-request-id': requestId }, [
            { productId, quantity },
          ]),
        ).placeOrder;
        expect((await decided(customer, accepted.id)).status).toBe('CONFIRMED');
        return accepted;
      };
      const lowStockEvents = () => recorder.of('inventory.low-stock', productId);
      const requestPrefix = `saga-test-${bus.name}-low-stock`;

      const lowStockItems = async () =>
        dataOf(
          await postGraphQL<{
            lowStockItems: {
              product: { id: string };
              quantity: number;
              reserved: number;
              available: number;
              reorderLevel: number;
            }[];
          }>(stack.routerUrl, LOW_STOCK, {}, staff),
        ).lowStockItems.filter((item) => item.product.id === productId);
      expect(await lowStockItems()).toEqual([]);

      // 6 available, level 3: taking 3 makes it low.
      const falling = await placeWithRequestId(3, `${requestPrefix}-1`);
      expect(await lowStockItems()).toEqual([
        { product: { id: productId }, quantity: 6, reserved: 3, available: 3, reorderLevel: 3 },
      ]);
      const [first] = await waitFor(
        'the low-stock event',
        () => {
          const events = lowStockEvents();
          return events.length > 0 ? events : undefined;
        },
        SAGA_TIMEOUT_MS,
      );
      expect(first).toEqual({
        id: expect.any(String),
        type: 'inventory.low-stock',
        version: 1,
        occurredAt: expect.any(String),
        correlationId: `${requestPrefix}-1`,
        payload: {
          productId: Number(productId),
          quantity: 6,
          reserved: 3,
          available: 3,
          reorderLevel: 3,
          shortage: 0,
          orderId: Number(falling.id),
        },
      });

      // Two more orders while it stays low: no new alert. Their replies travel with any alert they caused.
      const further = [
        await placeWithRequestId(1, `${requestPrefix}-2`),
        await placeWithRequestId(1, `${requestPrefix}-3`),
      ];
      await waitFor(
        'the replies to the further orders',
        () => {
          const replied = new Set(
            recorder
              .of('inventory.reserved')
              .map((event) => String((event.payload as { orderId: unknown }).orderId)),
          );
          return further.every(({ id }) => replied.has(id));
        },
        SAGA_TIMEOUT_MS,
      );

      expect(lowStockEvents().map(({ id }) => id)).toEqual([first?.id]);

      // Back above the level, then down again: a second crossing, a second alert.
      expect(dataOf(await postGraphQL(stack.routerUrl, ADJUST, { id: productId, n: 5 }, staff))).toEqual({
        adjustInventory: { quantity: 11, reserved: 5, available: 6 },
      });
      const fallingAgain = await placeWithRequestId(3, `${requestPrefix}-4`);
      const events = await waitFor(
        'the second low-stock event',
        () => {
          const received = lowStockEvents();
          return received.length >= 2 ? received : undefined;
        },
        SAGA_TIMEOUT_MS,
      );
      expect(events.map(({ correlationId, payload }) => ({ correlationId, payload }))).toEqual([
        {
          correlationId: `${requestPrefix}-1`,
          payload: {
            productId: Number(productId),
            quantity: 6,
            reserved: 3,
            available: 3,
            reorderLevel: 3,
            shortage: 0,
            orderId: Number(falling.id),
          },
        },
        {
          correlationId: `${requestPrefix}-4`,
          payload: {
            productId: Number(productId),
            quantity: 11,
            reserved: 8,
            available: 3,
            reorderLevel: 3,
            shortage: 0,
            orderId: Number(fallingAgain.id),
          },
        },
      ]);
    } finally {
      await watcherBus.close();
    }
  }, 90_000);
});
