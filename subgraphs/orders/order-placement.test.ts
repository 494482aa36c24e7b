/**
 * Placing orders on the orders subgraph over real HTTP, priced by a real products subgraph (see
 * orders.test-support.ts): exact prices and the `order.placed` event in the outbox, refusals that write
 * nothing, a catalogue that cannot be reached, idempotency keys, and prescriptions given at placement.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../../scripts/support/ports.ts';
import { sql } from '../../test/support/database.ts';
import { dataOf } from '../../test/support/graphql.ts';
import { closedPortUrl } from '../../test/support/network.ts';
import { spawnService, waitForStatus, type ServiceProcess } from '../../test/support/processes.ts';
import { startTestSubgraph, TEST_ROUTER_SECRET, type TestSubgraph } from '../../test/support/services.ts';
import { expectRefusal, type SubgraphClient } from '../../test/support/subgraph-client.ts';
import {
  ADDRESS,
  ADMIN,
  announced,
  api,
  catalogue,
  catalogueApi,
  counts,
  createProduct,
  customer,
  deliver,
  orders,
  ordersClient,
  type OrderView,
  place,
  PLACE_ORDER,
  PLACE_PRACTICE,
  placed,
  practiceOrder,
  type PracticeView,
  PRESCRIPTION,
  read,
  reservedEvent,
  useOrdersSubgraph,
  withPrescription,
} from './orders.test-support.ts';

const UPDATE_PRODUCT = `mutation Update($id: ID!, $input: UpdateProductInput!) {
  updateProduct(id: $id, input: $input) { id price }
}`;

useOrdersSubgraph();

describe('placeOrder', () => {
  it('places a PENDING order for the viewer, priced from the catalogue to the cent, with one order.placed event carrying the request id', async () => {
    const before = await counts();
    const response = await api.post<{ placeOrder: OrderView }>(
      PLACE_ORDER,
      {
        input: {
          lines: [
            { productId: catalogue.tenCents, quantity: 3 },
            { productId: catalogue.nineteen, quantity: 7 },
          ],
          shippingAddress: `  ${ADDRESS} `,
          notes: '  ring twice ',
        },
      },
      customer(31),
      { 'x-request-id': 'req-place-31' },
    );
    expect(response.headers.get('x-request-id')).toBe('req-place-31');
    const order = dataOf(response).placeOrder;
    expect(order).toEqual({
      id: expect.stringMatching(/^[1-9]\d*$/),
      status: 'PENDING',
      total: '140.23',
      currency: 'USD',
      rejectionReason: null,
      shippingAddress: ADDRESS,
      notes: 'ring twice',
      user: { id: '31' },
      lines: [
        { product: { id: catalogue.tenCents }, quantity: 3, unitPrice: '0.10', lineTotal: '0.30' },
        { product: { id: catalogue.nineteen }, quantity: 7, unitPrice: '19.99', lineTotal: '139.93' },
      ],
    });

    expect(await counts()).toEqual({
      ...before,
      orders: before.orders + 1,
      lines: before.lines + 2,
      events: before.events + 1,
      statusChanges: before.statusChanges + 1,
    });
    const rows = await sql(
      orders,
      `select user_id, status, total_minor::int as total_minor, currency, shipping_address, notes,
              rejection_reason, idempotency_key from customer_order where id = ?`,
      [Number(order.id)],
    );
    expect(rows).toEqual([
      {
        user_id: 31,
        status: 'PENDING',
        total_minor: 14_023,
        currency: 'USD',
        shipping_address: ADDRESS,
        notes: 'ring twice',
        rejection_reason: null,
        idempotency_key: null,
      },
    ]);
    const lines = await sql(
      orders,
      `select product_id, sku, product_name, quantity, unit_price_minor::int as unit_price_minor,
              line_total_minor::int as line_total_minor from order_line where order_id = ? order by id`,
      [Number(order.id)],
    );
    expect(lines).toEqual([
      {
        product_id: Number(catalogue.tenCents),
        sku: 'TEN-CENT',
        product_name: 'Cotton Swab',
        quantity: 3,
        unit_price_minor: 10,
        line_total_minor: 30,
      },
      {
        product_id: Number(catalogue.nineteen),
        sku: 'VIT-D3',
        product_name: 'Vitamin D3 1000 IU',
        quantity: 7,
        unit_price_minor: 1999,
        line_total_minor: 13_993,
      },
    ]);
    expect(await announced(order.id)).toEqual([
      {
        topic: 'order-events',
        type: 'order.placed',
        version: 1,
        correlationId: 'req-place-31',
        payload: {
          orderId: Number(order.id),
          userId: 31,
          lines: [
            { productId: Number(catalogue.tenCents), quantity: 3 },
            { productId: Number(catalogue.nineteen), quantity: 7 },
          ],
        },
      },
    ]);
  });

  it('prices the products of another currency in that currency', async () => {
    const order = await placed(customer(32), [{ productId: catalogue.euro, quantity: 2 }]);
    expect(order).toMatchObject({ total: '12.00', currency: 'EUR', notes: null });
    expect(order.lines).toEqual([
      { product: { id: catalogue.euro }, quantity: 2, unitPrice: '6.00', lineTotal: '12.00' },
    ]);
  });

  it('keeps the price of a placed order when the catalogue price changes afterwards', async () => {
    const productId = await createProduct({ sku: 'REP-1', name: 'Repriced Cream', price: '5.00' });
    const order = await placed(customer(33), [{ productId, quantity: 2 }]);
    expect(order).toMatchObject({ total: '10.00' });

    const changed = await catalogueApi.request(UPDATE_PRODUCT, { id: productId, input: { price: '9.00' } });
    expect(changed).toEqual({ data: { updateProduct: { id: productId, price: '9.00' } } });

    const after = dataOf(await read(order.id, customer(33))).order;
    expect(after).toEqual(order);
    const [row] = await sql<{ total: number; unit: number }>(
      orders,
      `select o.total_minor::int as total, l.unit_price_minor::int as unit
         from customer_order o join order_line l on l.order_id = o.id where o.id = ?`,
      [Number(order.id)],
    );
    expect(row).toEqual({ total: 1000, unit: 500 });
    // The new price is what a new order pays.
    expect(await placed(customer(33), [{ productId, quantity: 2 }])).toMatchObject({ total: '18.00' });
  });
});

describe('placeOrder refusals write nothing', () => {
  const many = (count: number) =>
    Array.from({ length: count }, (_, index) => ({ productId: String(index + 1), quantity: 1 }));

  const cases: [string, () => Record<string, unknown>, string, string | (() => string)][] = [
    [
      'a quantity of 0',
      () => ({ lines: [{ productId: catalogue.ibuprofen, quantity: 0 }] }),
      'input.lines[0].quantity',
      'input.lines[0].quantity: must be a whole number from 1 to 1000, got 0',
    ],
    [
      'a negative quantity',
      () => ({
        lines: [
          { productId: catalogue.ibuprofen, quantity: 1 },
          { productId: catalogue.paracetamol, quantity: -2 },
        ],
      }),
      'input.lines[1].quantity',
      'input.lines[1].quantity: must be a whole number from 1 to 1000, got -2',
    ],
    [
      'a quantity of 1001',
      () => ({ lines: [{ productId: catalogue.ibuprofen, quantity: 1001 }] }),
      'input.lines[0].quantity',
      'input.lines[0].quantity: must be a whole number from 1 to 1000, got 1001',
    ],
    ['no lines', () => ({ lines: [] }), 'input.lines', 'input.lines: an order needs at least one line'],
    [
      '101 lines',
      () => ({ lines: many(101) }),
      'input.lines',
      'input.lines: an order has at most 100 lines, got 101',
    ],
    [
      '10,000 lines',
      () => ({ lines: many(10_000) }),
      'input.lines',
      'input.lines: an order has at most 100 lines, got 10000',
    ],
    [
      'the same product on two lines',
      () => ({
        lines: [
          { productId: catalogue.ibuprofen, quantity: 1 },
          { productId: catalogue.ibuprofen, quantity: 2 },
        ],
      }),
      'input.lines[1].productId',
      () =>
        `input.lines[1].productId: product ${catalogue.ibuprofen} is on an earlier line: put the whole quantity on one line`,
    ],
    [
      'an unknown product',
      () => ({
        lines: [
          { productId: catalogue.ibuprofen, quantity: 1 },
          { productId: '999999', quantity: 1 },
        ],
      }),
      'input.lines[1].productId',
      'input.lines[1].productId: product 999999 does not exist',
    ],
    [
      'a malformed product id',
      () => ({ lines: [{ productId: 'abc', quantity: 1 }] }),
      'input.lines[0].productId',
      'input.lines[0].productId: "abc" is not a valid id',
    ],
    [
      'a discontinued product, named',
      () => ({
        lines: [
          { productId: catalogue.ibuprofen, quantity: 1 },
          { productId: catalogue.discontinued, quantity: 1 },
        ],
      }),
      'input.lines[1].productId',
      'input.lines[1].productId: Old Syrup (OLD-1) is discontinued and cannot be ordered',
    ],
    [
      'products in two currencies',
      () => ({
        lines: [
          { productId: catalogue.ibuprofen, quantity: 1 },
          { productId: catalogue.euro, quantity: 1 },
        ],
      }),
      'input.lines[1].productId',
      'input.lines[1].productId: all products of an order must be priced in one currency (USD); place a separate order',
    ],
    [
      'an empty shipping address',
      () => ({ shippingAddress: '' }),
      'input.shippingAddress',
      'input.shippingAddress: must not be empty',
    ],
    [
      'a blank shipping address',
      () => ({ shippingAddress: '  \t ' }),
      'input.shippingAddress',
      'input.shippingAddress: must not be empty',
    ],
    [
      'a shipping address over 500 characters',
      () => ({ shippingAddress: 'a'.repeat(501) }),
      'input.shippingAddress',
      'input.shippingAddress: must be at most 500 characters',
    ],
    [
      'notes over 1000 characters',
      () => ({ notes: 'n'.repeat(1001) }),
      'input.notes',
      'input.notes: must be at most 1000 characters',
    ],
    [
      'an empty idempotency key',
      () => ({ idempotencyKey: '' }),
      'input.idempotencyKey',
      'input.idempotencyKey: must be 1 to 100 characters without surrounding spaces',
    ],
    [
      'an idempotency key of 101 characters',
      () => ({ idempotencyKey: 'k'.repeat(101) }),
      'input.idempotencyKey',
      'input.idempotencyKey: must be 1 to 100 characters without surrounding spaces',
    ],
    [
      "a quantity above the product's limit per order, naming the product",
      () => ({
        lines: [
          { productId: catalogue.ibuprofen, quantity: 5 },
          { productId: catalogue.codeine, quantity: 3 },
        ],
      }),
      'input.lines[1].quantity',
      'input.lines[1].quantity: Codeine Linctus (COD-LIN) is limited to 2 per order, got 3',
    ],
    [
      'a prescription product without a prescription',
      () => ({
        lines: [
          { productId: catalogue.ibuprofen, quantity: 1 },
          { productId: catalogue.amoxicillin, quantity: 1 },
        ],
      }),
      'input.prescription',
      'input.prescription: Amoxicillin 500mg (AMX-500) needs a prescription: give the prescriber, their licence number, the issue date and a reference',
    ],
    [
      'a prescription without a prescriber',
      () => withPrescription({ prescriberName: '  ' }),
      'input.prescription.prescriberName',
      'input.prescription.prescriberName: must not be empty',
    ],
    [
      'a prescription without a licence number',
      () => withPrescription({ prescriberLicence: '' }),
      'input.prescription.prescriberLicence',
      'input.prescription.prescriberLicence: must not be empty',
    ],
    [
      'a prescription issued in the future',
      () => withPrescription({ issuedOn: '2999-01-01' }),
      'input.prescription.issuedOn',
      'input.prescription.issuedOn: must not be in the future, got 2999-01-01',
    ],
    [
      'a prescription reference over 200 characters',
      () => withPrescription({ reference: 'r'.repeat(201) }),
      'input.prescription.reference',
      'input.prescription.reference: must be at most 200 characters',
    ],
  ];

  it.each(cases)('refuses %s with BAD_USER_INPUT naming the field', async (_, change, field, message) => {
    const before = await counts();
    const reply = await api.request(
      PLACE_ORDER,
      {
        input: {
          lines: [{ productId: catalogue.ibuprofen, quantity: 1 }],
          shippingAddress: ADDRESS,
          ...change(),
        },
      },
      customer(40),
    );
    expect(expectRefusal(reply, 'BAD_USER_INPUT', field).message).toBe(
      typeof message === 'string' ? message : message(),
    );
    expect(reply.data).toBeNull();
    expect(await counts()).toEqual(before);
  });

  it('refuses an issue date that is not a calendar day in GraphQL validation', async () => {
    const before = await counts();
    const reply = await api.request(
      PLACE_ORDER,
      { input: { ...withPrescription({ issuedOn: '2026-02-30' }), shippingAddress: ADDRESS } },
      customer(40),
    );
    const error = expectRefusal(reply, 'BAD_USER_INPUT');
    expect(error.message).toContain('input.prescription.issuedOn');
    expect(error.message).toContain('Date must be a day as "YYYY-MM-DD", got "2026-02-30"');
    expect(await counts()).toEqual(before);
  });

  it('accepts the limit per order itself', async () => {
    expect((await placed(customer(41), [{ productId: catalogue.codeine, quantity: 2 }])).status).toBe(
      'PENDING',
    );
  });

  it('refuses a non-integer quantity in GraphQL validation, naming the field in the message', async () => {
    const before = await counts();
    const reply = await place(customer(40), [{ productId: catalogue.ibuprofen, quantity: 1.5 }]);
    const error = expectRefusal(reply, 'BAD_USER_INPUT');
    expect(error.message).toContain('input.lines[0].quantity');
    expect(error.message).toContain('Int cannot represent non-integer value: 1.5');
    expect(await counts()).toEqual(before);
  });

  it('refuses a caller without a viewer with UNAUTHENTICATED', async () => {
    const before = await counts();
    const reply = await place(null, [{ productId: catalogue.ibuprofen, quantity: 1 }]);
    expect(expectRefusal(reply, 'UNAUTHENTICATED').message).toBe(
      'authentication required: send a valid access token as "Authorization: Bearer <token>"',
    );
    expect(reply.data).toBeNull();
    expect(await counts()).toEqual(before);
  });
});

describe('placeOrder while the catalogue is unavailable', () => {
  /** Orders on a database of its own, pricing from a port where nothing listens at first. */
  let isolated: TestSubgraph;
  let isolatedApi: SubgraphClient;
  let catalogueUrl: string;
  let productsProcess: ServiceProcess | undefined;

  beforeAll(async () => {
    catalogueUrl = await closedPortUrl();
    isolated = await startTestSubgraph('orders', { PRODUCTS_URL: catalogueUrl });
    isolatedApi = ordersClient(isolated);
  });

  afterAll(async () => {
    await productsProcess?.kill();
    await isolated?.stop();
  });

  it('answers SERVICE_UNAVAILABLE and writes nothing when the products subgraph is unreachable, with or without an idempotency key', async () => {
    const lines = [{ productId: '1', quantity: 1 }];
    for (const extra of [{}, { idempotencyKey: 'offline-1' }]) {
      const reply = await place(customer(41), lines, extra, isolatedApi);
      expect(expectRefusal(reply, 'SERVICE_UNAVAILABLE').message).toBe(
        'the catalogue is unavailable, please retry shortly',
      );
      expect(reply.data).toBeNull();
    }
    expect(await counts(isolated)).toEqual({ orders: 0, lines: 0, events: 0, statusChanges: 0, reviews: 0 });
  });

  // A products subgraph that is up but whose database is down answers SERVICE_UNAVAILABLE in a GraphQL
  // error: the customer must get the same code to retry on, not an INTERNAL_SERVER_ERROR.
  it('answers SERVICE_UNAVAILABLE and writes nothing when the products subgraph cannot reach its database', async () => {
    // A real products subgraph on the catalogue's port, in a process of its own (as in production),
    // whose database port has nothing listening.
    const { port } = new URL(catalogueUrl);
    productsProcess = spawnService('subgraphs/products/main.ts', {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
      PORT: port,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/products`,
      MIGRATE_ON_START: 'false',
      ROUTER_SECRET: TEST_ROUTER_SECRET,
    });
    await waitForStatus(new URL('/health', catalogueUrl).href, 200, 30_000);

    const reply = await place(customer(42), [{ productId: '1', quantity: 1 }], {}, isolatedApi);
    expect(expectRefusal(reply, 'SERVICE_UNAVAILABLE').message).toBe(
      'the catalogue is unavailable, please retry shortly',
    );
    expect(await counts(isolated)).toEqual({ orders: 0, lines: 0, events: 0, statusChanges: 0, reviews: 0 });
  });
});

describe('placeOrder idempotency', () => {
  const lines = () => [
    { productId: catalogue.ibuprofen, quantity: 2 },
    { productId: catalogue.paracetamol, quantity: 1 },
  ];

  it('answers the same key again with the same order, writing one order and one event', async () => {
    const before = await counts();
    const first = await placed(customer(50), lines(), { idempotencyKey: 'checkout-50' });
    const again = await placed(customer(50), lines(), { idempotencyKey: 'checkout-50' });
    expect(again).toEqual(first);
    expect(first.total).toBe('12.25');
    expect(await counts()).toEqual({
      ...before,
      orders: before.orders + 1,
      lines: before.lines + 2,
      events: before.events + 1,
      statusChanges: before.statusChanges + 1,
    });
    expect((await announced(first.id)).map(({ type }) => type)).toEqual(['order.placed']);
  });

  it('creates one order for ten concurrent requests with the same key, and all ten answer its id', async () => {
    const before = await counts();
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => place(customer(51), lines(), { idempotencyKey: 'double-click' })),
    );
    const ids = replies.map((answer) => dataOf(answer).placeOrder.id);
    const [id = ''] = ids;
    expect(ids).toEqual(Array.from({ length: 10 }, () => id));
    expect(await counts()).toEqual({
      ...before,
      orders: before.orders + 1,
      lines: before.lines + 2,
      events: before.events + 1,
      statusChanges: before.statusChanges + 1,
    });
    const rows = await sql<{ id: number }>(orders, 'select id from customer_order where user_id = 51');
    expect(rows).toEqual([{ id: Number(id) }]);
    expect(await announced(id)).toHaveLength(1);
  });

  it('refuses the same key with different lines or address with CONFLICT, writing nothing', async () => {
    const first = await placed(customer(52), lines(), { idempotencyKey: 'checkout-52' });
    const before = await counts();
    const otherLines = await place(customer(52), [{ productId: catalogue.ibuprofen, quantity: 3 }], {
      idempotencyKey: 'checkout-52',
    });
    const message = `idempotencyKey "checkout-52" was already used for a different order (${first.id}); use a new key for a new order`;
    expect(expectRefusal(otherLines, 'CONFLICT', 'input.idempotencyKey').message).toBe(message);
    const otherAddress = await place(customer(52), lines(), {
      idempotencyKey: 'checkout-52',
      shippingAddress: '2 Elm Street',
    });
    expect(expectRefusal(otherAddress, 'CONFLICT', 'input.idempotencyKey').message).toBe(message);
    expect(await counts()).toEqual(before);
  });

  it('gives two customers using the same key an order each', async () => {
    const a = await placed(customer(53), lines(), { idempotencyKey: 'shared-key' });
    const b = await placed(customer(54), lines(), { idempotencyKey: 'shared-key' });
    expect(a.id).not.toBe(b.id);
    expect(a.user).toEqual({ id: '53' });
    expect(b.user).toEqual({ id: '54' });
    const rows = await sql(
      orders,
      'select user_id from customer_order where idempotency_key = ? order by id',
      ['shared-key'],
    );
    expect(rows).toEqual([{ user_id: 53 }, { user_id: 54 }]);
  });
});

describe('prescriptions at placement', () => {
  it('keeps the prescription with the order, readable by its customer and staff, and marks the order for review', async () => {
    const before = await counts();
    const reply = await api.request<{ placeOrder: PracticeView }>(
      PLACE_PRACTICE,
      {
        input: {
          ...withPrescription({ prescriberName: '  Dr. Ada Lovelace ' }),
          lines: [
            { productId: catalogue.amoxicillin, quantity: 2 },
            { productId: catalogue.ibuprofen, quantity: 1 },
          ],
          shippingAddress: ADDRESS,
        },
      },
      customer(200),
    );
    const order = dataOf(reply).placeOrder;
    expect(order).toEqual({
      id: expect.any(String),
      status: 'PENDING',
      requiresPrescription: true,
      rejectionReason: null,
      prescription: PRESCRIPTION,
      review: null,
      lines: [
        { product: { id: catalogue.amoxicillin }, quantity: 2, lots: [] },
        { product: { id: catalogue.ibuprofen }, quantity: 1, lots: [] },
      ],
      recallNotices: [],
    });
    expect(await practiceOrder(order.id, customer(200))).toEqual(order);
    expect(await practiceOrder(order.id, ADMIN)).toEqual(order);
    expect(
      await sql(
        orders,
        `select requires_prescription, prescriber_name, prescriber_licence, prescription_issued_on,
                prescription_reference from customer_order where id = ?`,
        [Number(order.id)],
      ),
    ).toEqual([
      {
        requires_prescription: true,
        prescriber_name: 'Dr. Ada Lovelace',
        prescriber_licence: 'GMC-1234567',
        prescription_issued_on: '2026-01-15',
        prescription_reference: 'RX-2026-0001',
      },
    ]);
    expect(await counts()).toEqual({
      ...before,
      orders: before.orders + 1,
      lines: before.lines + 2,
      events: before.events + 1,
      statusChanges: before.statusChanges + 1,
    });
  });

  it('keeps a prescription given for an order that needs none, and the order skips review', async () => {
    const order = dataOf(
      await api.request<{ placeOrder: PracticeView }>(
        PLACE_PRACTICE,
        {
          input: {
            lines: [{ productId: catalogue.ibuprofen, quantity: 1 }],
            prescription: PRESCRIPTION,
            shippingAddress: ADDRESS,
          },
        },
        customer(201),
      ),
    ).placeOrder;
    expect(order).toMatchObject({ requiresPrescription: false, prescription: PRESCRIPTION });
    await deliver(reservedEvent(order.id));
    expect(await practiceOrder(order.id)).toMatchObject({ status: 'CONFIRMED', review: null });
  });

  it('counts the prescription in the idempotency fingerprint', async () => {
    const input = { ...withPrescription(), shippingAddress: ADDRESS, idempotencyKey: 'rx-key-1' };
    const first = dataOf(
      await api.request<{ placeOrder: PracticeView }>(PLACE_PRACTICE, { input }, customer(202)),
    );
    const again = dataOf(
      await api.request<{ placeOrder: PracticeView }>(PLACE_PRACTICE, { input }, customer(202)),
    );
    expect(again.placeOrder.id).toBe(first.placeOrder.id);
    const before = await counts();
    const changed = await api.request(
      PLACE_PRACTICE,
      { input: { ...input, prescription: { ...PRESCRIPTION, reference: 'RX-2026-0002' } } },
      customer(202),
    );
    expect(expectRefusal(changed, 'CONFLICT', 'input.idempotencyKey').message).toBe(
      `idempotencyKey "rx-key-1" was already used for a different order (${first.placeOrder.id}); use a new key for a new order`,
    );
    expect(await counts()).toEqual(before);
  });
});
