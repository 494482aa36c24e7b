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
import type { PharmacyClient } from '../sdk/index.ts';
import { asViewer, clientFor } from './support/client.ts';
import {
  createStockedProduct,
  placeOrder,
  readOrder,
  readStock,
  waitUntilDecided,
  type Order,
  type OrderExtras,
  type OrderLineInput,
  type StockLevels,
} from './support/saga.ts';
import { reportSkippedPubSub, SAGA_BUSES, type RunningBus } from './support/saga-buses.ts';
import type { TestStack } from './support/services.ts';
import { waitFor } from './support/waiting.ts';

/** Generous: other test files share the machine's two cores. */
const SAGA_TIMEOUT_MS = 30_000;

reportSkippedPubSub('order saga');

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

describe.each(SAGA_BUSES)('order saga through the router on the $name bus', (bus) => {
  let running: RunningBus;
  let stack: TestStack;
  let staff: PharmacyClient;

  beforeAll(async () => {
    running = await bus.start();
    stack = running.stack;
    staff = await clientFor(stack, { userId: 900, role: 'PHARMACIST' });
  }, 120_000);

  afterAll(async () => {
    await running?.stop();
  });

  const customerClient = (userId: number, headers?: Record<string, string>): Promise<PharmacyClient> =>
    clientFor(stack, { userId, role: 'CUSTOMER' }, headers);

  const decided = (viewer: PharmacyClient, id: string): Promise<Order> =>
    waitUntilDecided(viewer, id, SAGA_TIMEOUT_MS);

  const stockWhen = (productId: string, what: string, check: (stock: StockLevels) => boolean) =>
    waitFor(
      what,
      async () => {
        const stock = await readStock(staff, productId);
        return check(stock) ? stock : undefined;
      },
      SAGA_TIMEOUT_MS,
    );

  /** The product's stock movements, newest first, read with the product (Product.inventory). */
  const movementsOf = async (productId: string) => {
    const { product } = await staff.productWithStock({ id: productId });
    return product?.inventory?.movements.items.map(({ kind, reservedDelta, orderId }) => ({
      kind,
      reservedDelta,
      orderId,
    }));
  };

  /** The ids of the orders of one customer, as staff list them. */
  const ordersOf = async (userId: string) => {
    const { orders } = await staff.orders({ filter: { userId } });
    return { totalCount: orders.totalCount, ids: orders.items.map(({ id }) => id) };
  };

  it('confirms a stocked order at catalogue prices, reserves its units and lists it for its customer', async () => {
    const { register } = await asViewer(stack.routerUrl).register({
      input: {
        email: 'saga.customer@example.com',
        username: 'saga_customer',
        password: 'correct horse battery',
        fullName: 'Saga Customer',
      },
    });
    const customerId = register.id;
    const customer = await customerClient(Number(customerId));
    const productId = await createStockedProduct(staff, {
      sku: 'SAGA-HAPPY',
      name: 'Ibuprofen 200mg',
      price: '4.25',
      quantity: 20,
    });

    const order = await placeOrder(customer, [{ productId, quantity: 3 }], { notes: 'ring twice' });
    const line = {
      product: { id: productId, sku: 'SAGA-HAPPY', name: 'Ibuprofen 200mg' },
      sku: 'SAGA-HAPPY',
      productName: 'Ibuprofen 200mg',
      quantity: 3,
      unitPrice: '4.25',
      lineTotal: '12.75',
    };
    expect(order).toEqual({
      id: expect.any(String),
      status: 'PENDING',
      total: '12.75',
      currency: 'USD',
      rejectionReason: null,
      shippingAddress: '1 Main Street, Springfield',
      notes: 'ring twice',
      user: { id: customerId },
      // No lots until inventory has reserved the stock.
      lines: [{ ...line, lots: [] }],
      requiresPrescription: false,
      prescription: null,
      review: null,
      recallNotices: [],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });

    expect((await decided(customer, order.id)).status).toBe('CONFIRMED');

    const confirmed = (await customer.order({ id: order.id })).order;
    // Stock added without a lot number is the lot UNLOTTED, without expiry.
    expect(confirmed).toEqual({
      ...order,
      status: 'CONFIRMED',
      lines: [{ ...line, lots: [{ lotNumber: 'UNLOTTED', quantity: 3, expiresOn: null }] }],
      updatedAt: expect.any(String),
    });
    const listed = {
      items: [confirmed],
      totalCount: 1,
      page: 1,
      pageSize: 20,
      hasNextPage: false,
    };
    expect(await customer.myOrders()).toEqual({ myOrders: listed });
    expect((await customer.myAccount()).me).toEqual({
      id: customerId,
      email: 'saga.customer@example.com',
      username: 'saga_customer',
      fullName: 'Saga Customer',
      role: 'CUSTOMER',
      isActive: true,
      createdAt: expect.any(String),
      orders: listed,
    });

    expect(await readStock(staff, productId)).toEqual({
      quantity: 20,
      reserved: 3,
      available: 17,
      reorderLevel: 0,
      isLowStock: false,
    });
    expect(await movementsOf(productId)).toEqual([
      { kind: 'RESERVATION', reservedDelta: 3, orderId: order.id },
      { kind: 'ADJUSTMENT', reservedDelta: 0, orderId: null },
    ]);
  });

  it('rejects an order the stock cannot cover, naming the product and its SKU, and leaves the stock alone', async () => {
    const customer = await customerClient(101);
    const productId = await createStockedProduct(staff, {
      sku: 'SAGA-SHORT',
      name: 'Cetirizine 10mg',
      price: '3.10',
      quantity: 2,
    });
    const before = await readStock(staff, productId);

    const order = await placeOrder(customer, [{ productId, quantity: 5 }]);
    expect(order.status).toBe('PENDING');
    expect(order.total).toBe('15.50');

    const rejected = await decided(customer, order.id);
    expect(rejected.status).toBe('REJECTED');
    expect(rejected.rejectionReason).toBe(
      'not enough stock for Cetirizine 10mg (SAGA-SHORT): 5 ordered, 2 available',
    );
    expect(before).toEqual({ quantity: 2, reserved: 0, available: 2, reorderLevel: 0, isLowStock: false });
    expect(await readStock(staff, productId)).toEqual(before);
    expect(await movementsOf(productId)).toEqual([{ kind: 'ADJUSTMENT', reservedDelta: 0, orderId: null }]);
  });

  it('takes orders for a product created a moment ago: rejected while unstocked, confirmed once stocked', async () => {
    const customer = await customerClient(102);
    const { createProduct } = await staff.createProduct({
      input: { sku: 'SAGA-NEW', name: 'Loratadine 10mg', price: '5.99', category: 'Allergy' },
    });
    const productId = createProduct.id;
    expect((await staff.productWithStock({ id: productId })).product?.inventory).toEqual({
      quantity: 0,
      reserved: 0,
      available: 0,
      reorderLevel: 0,
      isLowStock: true,
      updatedAt: null,
      movements: { items: [], totalCount: 0, hasNextPage: false },
    });

    const first = await placeOrder(customer, [{ productId, quantity: 1 }]);
    expect(first).toMatchObject({ status: 'PENDING', total: '5.99' });
    const rejected = await decided(customer, first.id);
    expect(rejected.status).toBe('REJECTED');
    expect(rejected.rejectionReason).toBe(
      'not enough stock for Loratadine 10mg (SAGA-NEW): 1 ordered, 0 available',
    );

    const { adjustInventory } = await staff.adjustInventory({ productId, adjustment: 4, reason: 'delivery' });
    expect(adjustInventory).toEqual({
      product: { id: productId, sku: 'SAGA-NEW', name: 'Loratadine 10mg' },
      quantity: 4,
      reserved: 0,
      available: 4,
      reorderLevel: 0,
      isLowStock: false,
      updatedAt: expect.any(String),
    });
    const second = await placeOrder(customer, [{ productId, quantity: 1 }]);
    expect((await decided(customer, second.id)).status).toBe('CONFIRMED');
    expect(await readStock(staff, productId)).toMatchObject({
      quantity: 4,
      reserved: 1,
      available: 3,
    });
  });

  it('refuses a discontinued product with BAD_USER_INPUT naming it, and writes no order', async () => {
    const customer = await customerClient(103);
    const productId = await createStockedProduct(staff, {
      sku: 'SAGA-GONE',
      name: 'Old Cough Syrup',
      price: '8.00',
      quantity: 5,
    });
    expect((await staff.deleteProduct({ id: productId })).deleteProduct).toEqual({
      id: productId,
      sku: 'SAGA-GONE',
      name: 'Old Cough Syrup',
      description: null,
      price: '8.00',
      currency: 'USD',
      category: 'Test',
      manufacturer: null,
      requiresPrescription: false,
      maxQuantityPerOrder: null,
      isActive: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });

    await expect(placeOrder(customer, [{ productId, quantity: 1 }])).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      errors: [
        {
          message:
            'input.lines[0].productId: Old Cough Syrup (SAGA-GONE) is discontinued and cannot be ordered',
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ],
    });
    expect(await ordersOf('103')).toEqual({ totalCount: 0, ids: [] });
    expect(await readStock(staff, productId)).toMatchObject({ quantity: 5, reserved: 0 });
  });

  it('releases the stock of a cancelled order, and refuses a second cancellation with CONFLICT', async () => {
    const customer = await customerClient(104);
    const productId = await createStockedProduct(staff, {
      sku: 'SAGA-CANCEL',
      name: 'Paracetamol 500mg',
      price: '2.40',
      quantity: 10,
    });
    const order = await placeOrder(customer, [{ productId, quantity: 4 }]);
    expect((await decided(customer, order.id)).status).toBe('CONFIRMED');
    expect(await readStock(staff, productId)).toMatchObject({ reserved: 4, available: 6 });

    const { cancelOrder } = await customer.cancelOrder({ id: order.id });
    expect(cancelOrder.status).toBe('CANCELLED');
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
    expect(await movementsOf(productId)).toEqual([
      { kind: 'RELEASE', reservedDelta: -4, orderId: order.id },
      { kind: 'RESERVATION', reservedDelta: 4, orderId: order.id },
      { kind: 'ADJUSTMENT', reservedDelta: 0, orderId: null },
    ]);

    await expect(customer.cancelOrder({ id: order.id })).rejects.toMatchObject({
      code: 'CONFLICT',
      errors: [{ message: 'a CANCELLED order cannot be cancelled', extensions: { code: 'CONFLICT' } }],
    });
    expect((await readOrder(customer, order.id))?.status).toBe('CANCELLED');
  });

  it('ships a confirmed order for staff only: the units leave the shelf, then it is delivered and can no longer be cancelled', async () => {
    const customer = await customerClient(105);
    const productId = await createStockedProduct(staff, {
      sku: 'SAGA-SHIP',
      name: 'Omeprazole 20mg',
      price: '6.75',
      quantity: 10,
    });
    const order = await placeOrder(customer, [{ productId, quantity: 3 }]);
    expect((await decided(customer, order.id)).status).toBe('CONFIRMED');

    await expect(customer.updateOrderStatus({ id: order.id, status: 'SHIPPED' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      errors: [
        {
          message: 'updateOrderStatus requires the role PHARMACIST or ADMIN',
          extensions: { code: 'FORBIDDEN' },
        },
      ],
    });
    expect((await readOrder(customer, order.id))?.status).toBe('CONFIRMED');

    const shipped = await staff.updateOrderStatus({ id: order.id, status: 'SHIPPED' });
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

    await expect(customer.cancelOrder({ id: order.id })).rejects.toMatchObject({
      code: 'CONFLICT',
      errors: [{ message: 'a SHIPPED order cannot be cancelled', extensions: { code: 'CONFLICT' } }],
    });

    const delivered = await staff.updateOrderStatus({ id: order.id, status: 'DELIVERED' });
    expect(delivered.updateOrderStatus.status).toBe('DELIVERED');
    expect((await readOrder(customer, order.id))?.status).toBe('DELIVERED');
    expect(await readStock(staff, productId)).toEqual(afterShipping);
  });

  it('never oversells: 50 customers ordering 1 of 10 units at once get exactly 10 confirmations', async () => {
    const productId = await createStockedProduct(staff, {
      sku: 'SAGA-RUSH',
      name: 'Flu Vaccine',
      price: '19.99',
      quantity: 10,
    });
    const customers = await Promise.all(
      Array.from({ length: 50 }, (_, index) => customerClient(2001 + index)),
    );

    const orders = await Promise.all(
      customers.map((customer) => placeOrder(customer, [{ productId, quantity: 1 }])),
    );
    expect(orders.map(({ status }) => status)).toEqual(Array.from({ length: 50 }, () => 'PENDING'));
    const ids = new Set(orders.map(({ id }) => id));
    expect(ids.size).toBe(50);

    const outcome = await waitFor(
      'all 50 orders to be decided',
      async () => {
        const [{ orders: confirmed }, { orders: rejected }] = await Promise.all([
          staff.orders({ filter: { status: 'CONFIRMED' }, pageSize: 100 }),
          staff.orders({ filter: { status: 'REJECTED' }, pageSize: 100 }),
        ]);
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

    expect(await readStock(staff, productId)).toEqual({
      quantity: 10,
      reserved: 10,
      available: 0,
      reorderLevel: 0,
      isLowStock: true,
    });
    const ledger = (await staff.inventory({ productId, movementsPageSize: 100 })).inventory.movements;
    const reservations = ledger.items.filter(({ kind }) => kind === 'RESERVATION');
    expect(ledger.totalCount).toBe(11);
    expect(reservations.reduce((sum, { reservedDelta }) => sum + reservedDelta, 0)).toBe(10);
    expect(new Set(reservations.map(({ orderId }) => orderId))).toEqual(
      new Set(outcome.confirmed.map(({ id }) => id)),
    );
  }, 120_000);

  it('answers the same idempotency key with the first order and never makes a second one', async () => {
    const customer = await customerClient(106);
    const productId = await createStockedProduct(staff, {
      sku: 'SAGA-ONCE',
      name: 'Zinc Lozenges',
      price: '4.50',
      quantity: 10,
    });
    const extra: OrderExtras = { idempotencyKey: 'checkout-106-1' };
    const lines: OrderLineInput[] = [{ productId, quantity: 2 }];
    const first = await placeOrder(customer, lines, extra);
    const retried = await placeOrder(customer, lines, extra);
    expect(retried.id).toBe(first.id);
    expect(retried.total).toBe('9.00');

    expect(await ordersOf('106')).toEqual({ totalCount: 1, ids: [first.id] });
    expect((await decided(customer, first.id)).status).toBe('CONFIRMED');
    expect(await readStock(staff, productId)).toMatchObject({ quantity: 10, reserved: 2 });
  });

  it('announces inventory.low-stock once per fall to the reorder level, with the correlation id of the order that caused it', async () => {
    const customer = await customerClient(107);
    const productId = await createStockedProduct(staff, {
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
      const placeWithRequestId = async (quantity: number, requestId: string): Promise<Order> => {
        const tracing = await customerClient(107, { 'x-request-id': requestId });
        const accepted = await placeOrder(tracing, [{ productId, quantity }]);
        expect((await decided(customer, accepted.id)).status).toBe('CONFIRMED');
        return accepted;
      };
      const lowStockEvents = () => recorder.of('inventory.low-stock', productId);
      const requestPrefix = `saga-test-${bus.name}-low-stock`;

      const lowStockItems = async () =>
        (await staff.lowStockItems()).lowStockItems.filter((item) => item.product?.id === productId);
      expect(await lowStockItems()).toEqual([]);

      // 6 available, level 3: taking 3 makes it low.
      const falling = await placeWithRequestId(3, `${requestPrefix}-1`);
      expect(await lowStockItems()).toEqual([
        {
          product: { id: productId, sku: 'SAGA-LOW', name: 'Insulin Pen' },
          quantity: 6,
          reserved: 3,
          available: 3,
          reorderLevel: 3,
          isLowStock: true,
          updatedAt: expect.any(String),
        },
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
      const { adjustInventory } = await staff.adjustInventory({
        productId,
        adjustment: 5,
        reason: 'delivery',
      });
      expect(adjustInventory).toEqual({
        product: { id: productId, sku: 'SAGA-LOW', name: 'Insulin Pen' },
        quantity: 11,
        reserved: 5,
        available: 6,
        reorderLevel: 3,
        isLowStock: false,
        updatedAt: expect.any(String),
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
